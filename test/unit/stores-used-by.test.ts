import { describe, expect, it } from 'vitest';
import { resolveConfigText } from '../../src/config/load-config.js';
import { selectPolicies, storesUsedBy } from '../../src/engine/run-policies.js';
import { logPolicyYaml } from '../support/cli-fixture.js';

const config = resolveConfigText(
  `
stores:
  mysql: { url: "mysql://root@127.0.0.1:3306/x" }
  mongo: { url: "mongodb://127.0.0.1:27017/x" }
  redis: { url: "redis://127.0.0.1:6379/0" }
policies:
${logPolicyYaml()}  - name: kv-data
    category: monitoring
    retain: { days: 2 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: redis, type: key, match: "im:mon:*", time: { fromKey: "(\\\\d{12})$$", format: "yyyyMMddHHmm" } }
      - { store: mongo, collection: monitoring_stats, time: windowStart }
`,
  'stores-used-by.yaml',
  {},
);

describe('storesUsedBy', () => {
  it("is the set of stores the policies' targets name", () => {
    expect(storesUsedBy(selectPolicies(config, ['log-data']))).toEqual(new Set(['mysql']));
    expect(storesUsedBy(selectPolicies(config, ['kv-data']))).toEqual(new Set(['redis', 'mongo']));
    expect(storesUsedBy(selectPolicies(config, undefined))).toEqual(new Set(['mysql', 'redis', 'mongo']));
  });
});
