import { describe, expect, it } from 'vitest';
import { resolveConfigText } from '../../../src/config/load-config.js';
import { policyHash, policyRunPayload, targetIndexOfJobKey, targetJobId } from '../../../src/queue/job-payloads.js';
import { desiredSchedulers } from '../../../src/queue/scheduler-sync.js';

const yaml = (retainDays: number, zone = 'UTC', extra = '') => `
timezone: ${zone}
stores: { mysql: { url: "mysql://root@127.0.0.1:3306/im" }, mongo: { url: "" }, redis: { url: "" } }
queue: { redisUrl: "redis://127.0.0.1:6379/0", prefix: q }
${extra}
policies:
  - name: log-data
    category: log
    retain: { days: ${retainDays} }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at }
  - name: off
    category: log
    enabled: false
    retain: { days: 1 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: mysql, table: im_exception_log, time: occurred_at }
`;

describe('job payloads', () => {
  it('gives child jobs deterministic ids that lead back to their target', () => {
    const id = targetJobId('0b6c2f9e-5c7d-4b8a-9e3f-1a2b3c4d5e6f', 12);
    expect(id).toBe('0b6c2f9e-5c7d-4b8a-9e3f-1a2b3c4d5e6f.t12');
    expect(id).not.toContain(':');
    expect(targetIndexOfJobKey(`retention:targets:${id}`)).toBe(12);
    expect(targetIndexOfJobKey('retention:targets:other')).toBeNull();
  });

  it("changes a policy's hash with its rule or zone, not with unrelated settings", () => {
    const a = resolveConfigText(yaml(7), 'a', {});
    const b = resolveConfigText(yaml(7, 'UTC', 'http: { port: 1234 }'), 'b', {});
    const c = resolveConfigText(yaml(8), 'c', {});
    const d = resolveConfigText(yaml(7, 'Europe/Paris'), 'd', {});
    const h = (cfg: typeof a) => policyHash(cfg, cfg.policies[0]!);
    expect(h(a)).toBe(h(b));
    expect(h(a)).not.toBe(h(c));
    expect(h(a)).not.toBe(h(d));
    expect(a.hash).not.toBe(b.hash);
  });

  it('schedules enabled policies only, in the configured zone, with payloads that carry no data', () => {
    const config = resolveConfigText(yaml(7, 'Asia/Shanghai'), 'a', {});
    const schedulers = desiredSchedulers(config, 3);
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ id: 'log-data', pattern: '7 * * * *', tz: 'Asia/Shanghai' });
    const payload = policyRunPayload.parse(schedulers[0]!.data);
    expect(Object.keys(payload).sort()).toEqual(['configHash', 'generation', 'policy', 'policyHash', 'trigger']);
  });
});
