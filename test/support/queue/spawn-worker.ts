import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerTiming } from '../../../src/queue/worker-timing.js';

const LOADER = fileURLToPath(new URL('../ts-loader/register.mjs', import.meta.url));
const ENTRY = fileURLToPath(new URL('./worker-entry.ts', import.meta.url));

/** Short timings for tests: a dead worker's job is taken over within a few seconds. */
export const TEST_TIMING: Partial<WorkerTiming> = {
  lockDurationMs: 4000,
  stalledIntervalMs: 1500,
  maxStalledCount: 3,
  leaseMs: 3000,
  pollMs: 200,
  watchdogMs: 1000,
  orphanAfterMs: 60_000,
  childStopWaitMs: 3000,
  shutdownTimeoutMs: 20_000,
};

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  /** Parsed JSON log lines so far (pino on stderr). */
  logs(): Record<string, unknown>[];
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Polls the logs until one matches, bounded. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number, what?: string): Promise<Record<string, unknown>>;
  /** The HTTP port, once started. */
  httpPort(): Promise<number>;
}

/** Starts a worker process on a configuration file. */
export function spawnWorker(
  configFile: string,
  name: string,
  timing: Partial<WorkerTiming> = TEST_TIMING,
  env: Record<string, string> = {},
): WorkerProcess {
  const child = spawn(process.execPath, ['--import', LOADER, ENTRY], {
    env: {
      ...process.env,
      RETENTION_CONFIG: configFile,
      WORKER_NAME: name,
      WORKER_TIMING: JSON.stringify(timing),
      LOG_LEVEL: 'debug',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let partial = '';
  let raw = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        raw += `${line}\n`;
      }
    }
  });
  child.stdout!.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const worker: WorkerProcess = {
    name,
    child,
    logs: () => lines,
    exit,
    async waitForLog(predicate, timeoutMs = 30_000, what = 'a log line') {
      const deadline = Date.now() + timeoutMs;
      let exited = false;
      void exit.then(() => (exited = true));
      while (Date.now() < deadline) {
        const found = lines.find(predicate);
        if (found) return found;
        if (exited) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(
        `worker ${name}: no ${what} within ${timeoutMs} ms${exited ? ' (it exited)' : ''}\n${raw.slice(-2000)}\n${lines
          .slice(-15)
          .map((l) => JSON.stringify(l))
          .join('\n')}`,
      );
    },
    async httpPort() {
      const started = await worker.waitForLog((l) => l.msg === 'worker started', 60_000, 'start');
      return Number(started.httpPort);
    },
  };
  return worker;
}

/** Polls until `predicate` holds, every 100 ms, at most `timeoutMs`. */
export async function eventually<T>(
  predicate: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
