import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { main } from '../../src/cli/main.js';
import { silentLogger } from '../../src/logging/logger.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process (`main(argv)`), capturing what it prints. */
export async function runCli(argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    logger: silentLogger(),
    // What bin/retention.js hands the CLI: jobs/ sits above it.
    loadJobProcessor: () => import('../../jobs/index.js').then((m) => m.processJob),
  });
  return { code, stdout, stderr };
}

export interface SpawnedCli {
  child: ReturnType<typeof spawn>;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Starts the built CLI (`bin/retention.js`) as a separate process. */
export function spawnCli(argv: string[], env: Record<string, string | undefined>): SpawnedCli {
  const child = spawn(process.execPath, ['bin/retention.js', ...argv], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Polls `predicate` every 50 ms until it holds or `timeoutMs` passes. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

const execFileAsync = promisify(execFile);

async function captured(file: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  try {
    const r = await execFileAsync(file, args, { env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The built CLI with stdout and stderr on pipes, as a CronJob or CI runs it (LOG_FORMAT unset). */
export function runBuiltCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return captured(process.execPath, ['bin/retention.js', ...args], { LOG_FORMAT: '', ...env });
}

/**
 * The built CLI on a pseudo-terminal (util-linux `script`), as a person at a terminal runs it:
 * stdout and stderr are both TTYs and both land in `stdout`, escape codes included.
 */
export function runOnTerminal(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const quoted = [process.execPath, 'bin/retention.js', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return captured('script', ['-qefc', `stty cols 160 rows 40; ${quoted}`, '/dev/null'], { LOG_FORMAT: '', TERM: 'xterm-256color', ...env });
}
