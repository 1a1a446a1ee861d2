import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { workerContainerFlags } from './worker-container.js';

/** The image under test, built by scripts/container-test.sh from the project's Dockerfile. */
export const IMAGE = process.env.CONTAINER_IMAGE ?? '';
/** Every container the test starts carries this label: the script removes leftovers by it. */
export const LABEL = process.env.CONTAINER_TEST_LABEL || 'retention-container-test=adhoc';

// runc, not the default crun (crun refuses this machine's hybrid cgroups); raising the default
// ulimits is not permitted here, so they are set to what the machine allows
// (../shared/research/containers.md).
const GLOBAL = ['--runtime', 'runc'];
const ULIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

export interface PodmanResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `podman <args>` and resolves with its exit code and output (never rejects on a non-zero exit). */
export function podman(args: string[], timeoutMs = 120_000): Promise<PodmanResult> {
  return new Promise((resolve) => {
    execFile('podman', [...GLOBAL, ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Like `podman`, but throws with the output when it fails. */
export async function podmanOk(args: string[], timeoutMs?: number): Promise<string> {
  const r = await podman(args, timeoutMs);
  if (r.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${r.code}\n${r.stderr.slice(-3000)}`);
  return r.stdout;
}

/** A free TCP port on 127.0.0.1 (containers share the host's network here). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ContainerSpec {
  /** Unique per test run (the test adds a random suffix). */
  name: string;
  /** The command after the entrypoint (`retention`), e.g. `['worker']`. */
  command: string[];
  env?: Record<string, string>;
  /** Host directory → container path, mounted read-only (a ConfigMap or Secret, in Kubernetes terms). */
  mounts?: Record<string, string>;
  /** Extra `podman run` flags (e.g. `--entrypoint`). */
  flags?: string[];
}

function runArgs(spec: ContainerSpec): string[] {
  return [
    '--name',
    spec.name,
    '--label',
    LABEL,
    // Its own hostname, as a pod or a compose replica has: the worker names itself `<hostname>:<pid>`.
    '--hostname',
    spec.name,
    '--network',
    'host',
    ...ULIMITS,
    ...workerContainerFlags(),
    // HEALTHCHECK timers need systemd, which this machine does not run: `podman healthcheck run` instead.
    '--health-interval',
    'disable',
    ...Object.entries(spec.mounts ?? {}).flatMap(([host, target]) => ['-v', `${host}:${target}:ro`]),
    ...Object.entries(spec.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    ...(spec.flags ?? []),
    IMAGE,
    ...spec.command,
  ];
}

/** Runs a container to its end (`podman run --rm`, attached) and returns its exit code and output. */
export function runToEnd(spec: ContainerSpec, timeoutMs = 180_000): Promise<PodmanResult> {
  return podman(['run', '--rm', ...runArgs(spec)], timeoutMs);
}

export interface Container {
  name: string;
  /** Everything it wrote to stdout and stderr so far. */
  logs(): Promise<string>;
  /** Its pino lines (JSON on stderr), parsed. */
  logLines(): Promise<Record<string, unknown>[]>;
  /** Waits until it exits; resolves with its exit code. */
  wait(timeoutMs?: number): Promise<number>;
  remove(): Promise<void>;
}

/** Starts a container in the background (`podman run -d`). */
export async function start(spec: ContainerSpec): Promise<Container> {
  await podmanOk(['run', '-d', ...runArgs(spec)]);
  const logs = async () => {
    const r = await podman(['logs', spec.name]);
    return r.stdout + r.stderr;
  };
  return {
    name: spec.name,
    logs,
    async logLines() {
      return (await logs())
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    async wait(timeoutMs = 120_000) {
      const out = await podmanOk(['wait', spec.name], timeoutMs);
      return Number(out.trim());
    },
    async remove() {
      await podman(['rm', '-f', '-t', '0', spec.name]);
    },
  };
}

/** Exit code of a stopped container. */
export async function exitCodeOf(name: string): Promise<number> {
  return Number((await podmanOk(['inspect', name, '--format', '{{.State.ExitCode}}'])).trim());
}

/** Polls `predicate` every 250 ms until it returns a truthy value or `timeoutMs` passes. */
export async function until<T>(predicate: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
