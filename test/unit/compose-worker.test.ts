import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { WORKER_CONTAINER } from '../support/container/worker-container.js';

interface Service {
  image?: string;
  user?: string;
  init?: boolean;
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  stop_grace_period?: string;
  environment: Record<string, string>;
  ports?: string[];
}

// YAML merge keys (`<<: *worker-env`) as Compose reads them.
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, Service> };
const seconds = (duration: string) => {
  const m = /^(\d+)s$/.exec(duration);
  if (!m) throw new Error(`unexpected duration ${duration}`);
  return Number(m[1]);
};

describe('docker-compose.yml', () => {
  it("runs the worker with the container test's settings (test/support/container/worker-container.ts)", () => {
    const worker = compose.services.worker!;
    const c = WORKER_CONTAINER;
    expect(worker.user).toBeUndefined(); // the image's own non-root user
    expect(worker.read_only ?? false).toBe(c.readOnlyRootFilesystem);
    expect(worker.tmpfs ?? []).toEqual(c.tmpfs);
    expect(worker.init ?? false).toBe(c.init);
    expect(worker.cap_drop ?? []).toEqual(c.capDrop);
    expect((worker.security_opt ?? []).includes('no-new-privileges:true')).toBe(c.noNewPrivileges);
    expect(seconds(worker.stop_grace_period ?? '10s')).toBe(c.stopGraceSeconds);
    expect(Object.keys(worker.environment).sort()).toEqual([...c.environment].sort());
    expect(worker.environment.HTTP_PORT).toBe(String(c.httpPort));
    expect(worker.ports).toEqual([`${c.httpPort}:${c.httpPort}`]);
  });

  it('publishes the data stores on the loopback interface, for `npm run demo` (DEMO_*_URL)', () => {
    const published = (name: string, port: number) =>
      (compose.services[name]!.ports ?? []).some((p) => new RegExp(`^127\\.0\\.0\\.1:\\$\\{\\w+:-${port}\\}:${port}$`).test(p));
    expect(published('mysql', 3306)).toBe(true);
    expect(published('mongo', 27017)).toBe(true);
    expect(published('redis', 6379)).toBe(true);
    const demo = readFileSync('scripts/demo.mjs', 'utf8');
    const readme = readFileSync('README.md', 'utf8');
    for (const v of ['DEMO_MYSQL_URL', 'DEMO_MONGO_URL', 'DEMO_REDIS_URL']) {
      expect(demo).toContain(`process.env.${v}`);
      expect(readme).toContain(v);
    }
  });
});
