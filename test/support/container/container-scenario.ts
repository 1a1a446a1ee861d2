import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createQueueFixture, type QueueFixture } from '../queue/queue-fixture.js';
import { REDIS_TEST_URL } from '../redis.js';
import { exitCodeOf, freePort, podman, runToEnd, start, type Container, type ContainerSpec, type PodmanResult } from './podman.js';

/** Where a scenario's configuration is mounted, as the Kubernetes manifests mount the ConfigMap. */
export const CONFIG_DIR = '/etc/retention';
/** Must match `auditOf()` in queue-fixture.ts, so the test can read the trail the containers wrote. */
export const AUDIT_KEY = 'queue-test-key';

/**
 * The log-data policy with these target lines (YAML flow mappings), on a cron that never fires
 * during a test: its runs come from `enqueue`, so no scheduled run can close one instead.
 */
export function enqueuedLogPolicy(targets: string[]): string {
  return [
    '  - name: log-data',
    '    category: log',
    '    retain: { days: 7 }',
    '    schedule: { cron: "0 0 1 1 *" }',
    '    targets:',
    ...targets.map((t) => `      - ${t}`),
  ].join('\n');
}

export interface ContainerScenario {
  fx: QueueFixture;
  /**
   * Writes `retention.yaml` (mounted read-only at /etc/retention) for these policies (YAML list
   * items). The URLs and the audit key come from the environment, or with `secretsDir` from files
   * there (`${file:…}`, as Kubernetes mounts a Secret).
   */
  writeConfig(policies: string, options?: { queue?: string; secretsDir?: string }): void;
  /** The worker's environment for this scenario (the names of WORKER_CONTAINER.environment). */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Starts a container of the image with this scenario's config mounted (`role` names it), on a free HTTP port. */
  start(role: string, command: string[], extra?: Partial<ContainerSpec>): Promise<Container>;
  /** Runs a container of the image to its end. */
  run(role: string, command: string[], extra?: Partial<ContainerSpec>, timeoutMs?: number): Promise<PodmanResult>;
  exitCode(container: Container): Promise<number>;
  /** Removes its containers, then the database, the queue's keys and the files. */
  drop(): Promise<void>;
}

/**
 * One scenario of the container test: its own database (with the reference tables), its own queue
 * prefix and scratch directory (queue-fixture.ts), and the containers it starts.
 */
export async function createContainerScenario(label: string): Promise<ContainerScenario> {
  const fx = await createQueueFixture(`ct_${label}`);
  // The container runs as uid 1000: the mounted directory must be readable by it.
  chmodSync(fx.dir, 0o755);
  const id = randomBytes(3).toString('hex');
  const names: string[] = [];
  const spec = (role: string, command: string[], extra: Partial<ContainerSpec> = {}): ContainerSpec => ({
    name: `rwct-${label}-${role}-${id}`.replace(/_/g, '-'),
    command,
    ...extra,
    env: { ...scenario.env(), ...extra.env },
    mounts: { [fx.dir]: CONFIG_DIR, ...extra.mounts },
  });
  const scenario: ContainerScenario = {
    fx,
    writeConfig(policies, { queue = 'concurrency: 1', secretsDir } = {}) {
      const file = join(fx.dir, 'retention.yaml');
      const secret = (name: string, envVar: string) => (secretsDir ? `\${file:${secretsDir}/${name}}` : `\${${envVar}}`);
      writeFileSync(
        file,
        `timezone: UTC
stores:
  mysql: { url: "${secret('mysql_url', 'MYSQL_URL')}" }
  mongo: { url: "\${MONGO_URL-}" }
  redis: { url: "\${REDIS_URL-}" }
queue: { redisUrl: "${secret('queue_redis_url', 'QUEUE_REDIS_URL')}", prefix: ${fx.prefix}, ${queue} }
http: { port: "\${HTTP_PORT-9464}" }
audit: { table: retention_audit, key: "${secret('audit_key', 'AUDIT_KEY')}" }
policies:
${policies}
`,
      );
      chmodSync(file, 0o644);
    },
    env(extra = {}) {
      return {
        RETENTION_CONFIG: `${CONFIG_DIR}/retention.yaml`,
        MYSQL_URL: fx.db.url,
        MONGO_URL: '',
        REDIS_URL: '',
        KAFKA_BROKERS: '',
        QUEUE_REDIS_URL: REDIS_TEST_URL,
        AUDIT_KEY,
        LOG_LEVEL: 'info',
        ...extra,
      };
    },
    async start(role, command, extra = {}) {
      // Containers share the host's network here: each gets its own HTTP port.
      const s = spec(role, command, { ...extra, env: { HTTP_PORT: String(await freePort()), ...extra.env } });
      names.push(s.name);
      return start(s);
    },
    run(role, command, extra, timeoutMs) {
      const s = spec(role, command, extra);
      names.push(s.name);
      return runToEnd(s, timeoutMs);
    },
    exitCode: (c) => exitCodeOf(c.name),
    async drop() {
      // `run --rm` ones remove themselves, unless a timeout left them running.
      for (const n of names) await podman(['rm', '-f', '-t', '0', '--ignore', n]);
      await fx.drop();
    },
  };
  return scenario;
}
