import { describe, it, expect } from 'vitest';
import { isCaughtUp, parseReplicaLag } from '../../../src/stores/mysql/replica-lag.js';

describe('replica lag parsing', () => {
  it('reads Seconds_Behind_Source (MySQL 8.0.22+)', () => {
    expect(parseReplicaLag([{ Replica_SQL_Running: 'Yes', Seconds_Behind_Source: 3 }])).toEqual({ replicating: true, seconds: 3 });
  });

  it('reads Seconds_Behind_Master (MariaDB, older MySQL), also as a string', () => {
    expect(parseReplicaLag([{ Slave_SQL_Running: 'Yes', Seconds_Behind_Master: '12' }])).toEqual({ replicating: true, seconds: 12 });
  });

  it('treats a NULL lag as unknown, which counts as lagging', () => {
    const lag = parseReplicaLag([{ Slave_SQL_Running: 'Yes', Seconds_Behind_Master: null }]);
    expect(lag).toEqual({ replicating: true, seconds: null });
    expect(isCaughtUp(lag, 10)).toBe(false);
  });

  it('treats a stopped SQL thread as lagging even if a number is shown', () => {
    expect(parseReplicaLag([{ Replica_SQL_Running: 'No', Seconds_Behind_Source: 0 }])).toEqual({ replicating: true, seconds: null });
  });

  it('takes the worst channel of a multi-source replica', () => {
    expect(parseReplicaLag([{ Seconds_Behind_Source: 1 }, { Seconds_Behind_Source: 40 }, { Seconds_Behind_Source: 2 }])).toEqual({
      replicating: true,
      seconds: 40,
    });
  });

  it('recognises a server that is not a replica', () => {
    expect(parseReplicaLag([])).toEqual({ replicating: false });
    expect(isCaughtUp({ replicating: false }, 10)).toBe(false);
  });

  it('allows a lag equal to the maximum and refuses one above it', () => {
    expect(isCaughtUp({ replicating: true, seconds: 10 }, 10)).toBe(true);
    expect(isCaughtUp({ replicating: true, seconds: 11 }, 10)).toBe(false);
  });
});
