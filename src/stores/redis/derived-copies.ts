import { Redis } from 'ioredis';
import { errorLine } from '../../lib/error-line.js';
import type { DerivedCopy } from '../purger.js';

/**
 * Copies Redis keeps on disk: RDB snapshots and the append-only file hold deleted keys until they
 * are rewritten, and every backup of them for as long as it is kept. Read with `CONFIG GET`, or
 * from `INFO persistence` where CONFIG is not allowed (managed services).
 */
export async function redisCopies(url: string): Promise<DerivedCopy[]> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    return [
      {
        code: 'not-readable',
        store: 'redis',
        message: `cannot reach the Redis store to read its persistence settings (${errorLine(err)})`,
      },
    ];
  }
  try {
    const warnings: DerivedCopy[] = [];
    let save: string | null = null;
    let aof: string | null = null;
    try {
      save = ((await client.config('GET', 'save')) as string[])[1] ?? '';
      aof = ((await client.config('GET', 'appendonly')) as string[])[1] ?? 'no';
    } catch {
      const info = await client.info('persistence').catch(() => '');
      const aofEnabled = /aof_enabled:(\d)/.exec(info)?.[1];
      if (aofEnabled !== undefined) aof = aofEnabled === '1' ? 'yes' : 'no';
      const saves = /rdb_saves:(\d+)/.exec(info)?.[1];
      if (saves !== undefined && Number(saves) > 0) save = `(${saves} snapshots taken since start)`;
      if (save === null) {
        warnings.push({
          code: 'not-readable',
          store: 'redis',
          message: 'cannot read the RDB snapshot rules (CONFIG GET not allowed): check the snapshot and backup policy by hand',
        });
      }
    }
    if (save) {
      warnings.push({
        code: 'redis-rdb',
        store: 'redis',
        message: `RDB snapshots are on (save "${save}"): purged keys stay in snapshot files and their backups until those are replaced`,
      });
    }
    if (aof === 'yes') {
      warnings.push({
        code: 'redis-aof',
        store: 'redis',
        message: 'the append-only file is on (appendonly yes): purged keys stay in it until the next rewrite, and in its backups',
      });
    }
    return warnings;
  } finally {
    client.disconnect();
  }
}
