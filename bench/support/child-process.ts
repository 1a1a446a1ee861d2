import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit, ms. */
  wallMs: number;
  /** The highest VmHWM read from /proc while the process ran, KiB (0 when never read). */
  peakRssKib: number;
  /** User + system CPU time of the process, ms, as last read from /proc (at most one poll stale). */
  cpuMs: number;
}

export interface RunChildOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Kill (SIGKILL) the child after this long, ms. @defaultValue 1_800_000 */
  timeoutMs?: number;
  /** How often /proc/<pid>/status is read for the peak RSS, ms. @defaultValue 50 */
  rssPollMs?: number;
}

/**
 * Runs one command to its end and measures it from outside: wall time and peak resident memory.
 * VmHWM only grows, so the last reading before exit is at most one poll interval stale — the
 * kernel keeps no high-water mark for a reaped child that Node could read.
 */
export function runChild(command: string, args: readonly string[], options: RunChildOptions = {}): Promise<ChildResult> {
  const started = performance.now();
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let peakRssKib = 0;
  let cpuMs = 0;
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const poll = setInterval(() => {
    if (child.pid === undefined) return;
    const pid = child.pid;
    readPeakRssKib(pid).then(
      (kib) => (peakRssKib = Math.max(peakRssKib, kib)),
      () => undefined,
    );
    readCpuMs(pid).then(
      (ms) => (cpuMs = Math.max(cpuMs, ms)),
      () => undefined,
    );
  }, options.rssPollMs ?? 50);
  const timeout = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 1_800_000);
  return new Promise((resolve, reject) => {
    child.on('error', (err) => {
      clearInterval(poll);
      clearTimeout(timeout);
      reject(err);
    });
    child.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(timeout);
      resolve({ code, stdout, stderr, wallMs: performance.now() - started, peakRssKib, cpuMs });
    });
  });
}

/** VmHWM (peak resident set) of a live process, KiB. */
export async function readPeakRssKib(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) : 0;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** User + system CPU time a live process has used, ms. */
export async function readCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

/** The last lines of a child's stderr, for an error message. */
export function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
