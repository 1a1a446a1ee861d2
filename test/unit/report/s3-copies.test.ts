import { describe, expect, it } from 'vitest';
import { resolveConfigText } from '../../../src/config/load-config.js';
import { s3Copies } from '../../../src/report/copies/s3-copies.js';
import { loadBalancerCopies } from '../../../src/report/copies/load-balancer-copies.js';
import type { BucketSettings } from '../../../src/stores/s3/bucket-settings.js';
import type { S3Store } from '../../../src/stores/s3/s3-store.js';

/**
 * How the report turns bucket settings into findings. The settings themselves are read from a
 * real server in test/integration/stores/s3-versioning.test.ts (TEST_S3_URL only: s3rver has no
 * versioning or lifecycle); here they are given, to cover every combination on every machine.
 */
const config = (targets: string, s3 = 's3: { endpoint: "http://127.0.0.1:9" }') =>
  resolveConfigText(
    `
stores:
  mysql: { url: "mysql://root@127.0.0.1/none" }
  ${s3}
policies:
  - name: object-logs
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
${targets}
`,
    'test.yaml',
    {},
  );

function storeWith(settings: BucketSettings): S3Store {
  return {
    name: 's3',
    stats: { requests: 0, listed: 0 },
    bucketSettings: async () => settings,
    agePurger: () => {
      throw new Error('not used');
    },
    subjectPurger: () => {
      throw new Error('not used');
    },
    ping: async () => {},
    close: async () => {},
  };
}

const lastModified = (extra = '') => `      - { store: s3, bucket: im-logs, prefix: "logs/", time: lastModified${extra} }`;

describe('s3Copies', () => {
  it('warns about a versioned bucket whose target deletes only current versions, not when allVersions is on', async () => {
    const versioned = storeWith({ versioning: 'Enabled', lifecycle: [], unreadable: [] });
    expect((await s3Copies(config(lastModified()), versioned)).warnings.map((w) => w.code)).toContain('s3-versioned');
    expect((await s3Copies(config(lastModified(', allVersions: true')), versioned)).warnings.map((w) => w.code)).not.toContain(
      's3-versioned',
    );
    const suspended = storeWith({ versioning: 'Suspended', lifecycle: [], unreadable: [] });
    expect((await s3Copies(config(lastModified()), suspended)).warnings.map((w) => w.code)).toContain('s3-versioned');
  });

  it('notes a lifecycle rule within the promise (the worker is the backstop) and warns when none covers the prefix', async () => {
    const covered = storeWith({
      versioning: 'Off',
      lifecycle: [{ id: 'logs-7d', enabled: true, prefix: 'logs/', narrowed: false, expirationDays: 7 }],
      unreadable: [],
    });
    const found = await s3Copies(config(lastModified()), covered);
    expect(found.notes[0]?.message).toContain('logs-7d');
    expect(found.notes[0]?.message).toContain('backstop');
    expect(found.warnings).toEqual([]);
    const none = await s3Copies(config(lastModified()), storeWith({ versioning: 'Off', lifecycle: [], unreadable: [] }));
    expect(none.warnings.map((w) => w.code)).toEqual(['s3-no-lifecycle']);
  });

  it('says which settings it could not read, once per bucket', async () => {
    const unreadable = storeWith({
      versioning: null,
      lifecycle: null,
      unreadable: ['versioning (AccessDenied)', 'lifecycle (NotImplemented)'],
    });
    const found = await s3Copies(
      config(`${lastModified()}\n      - { store: s3, bucket: im-logs, prefix: "dumps/", time: lastModified }`),
      unreadable,
    );
    expect(found.warnings.map((w) => w.code)).toEqual(['not-readable']);
    expect(found.warnings[0]?.message).toContain('im-logs');
  });
});

describe('loadBalancerCopies (the derived-copies list)', () => {
  it('notes that load-balancer access logs are covered when an enabled store serves an s3 target', () => {
    const found = loadBalancerCopies(config(lastModified()));
    expect(found.notes.map((n) => n.code)).toEqual(['lb-access-logs']);
    expect(found.warnings).toEqual([]);
  });

  it('warns when no enabled policy serves object storage or Kafka', () => {
    const found = loadBalancerCopies(config(lastModified(), 's3: { endpoint: "" }'));
    expect(found.warnings.map((w) => w.code)).toEqual(['lb-access-logs']);
  });
});
