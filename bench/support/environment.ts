import { execFile } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Whether a command is on the PATH. */
export async function hasCommand(name: string): Promise<boolean> {
  try {
    await exec('sh', ['-c', `command -v ${name}`]);
    return true;
  } catch {
    return false;
  }
}

/** Runs a command, returning its stdout; throws with its stderr on failure. */
export async function run(command: string, args: readonly string[], options: { timeoutMs?: number } = {}): Promise<string> {
  const { stdout } = await exec(command, [...args], { timeout: options.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Starts the shared local MariaDB and Redis when they are not answering (never restarts them). */
export async function ensureServices(log: (line: string) => void): Promise<void> {
  const out = await run('bash', ['scripts/start-services.sh']);
  for (const line of out.trim().split('\n')) log(line);
}

/**
 * pt-archiver comes from Debian's `percona-toolkit` (which pulls in perl's DBD::mysql). Installs
 * it when missing; the package index is refreshed only when the first attempt fails.
 */
export async function ensurePtArchiver(log: (line: string) => void): Promise<string> {
  if (!(await hasCommand('pt-archiver'))) {
    log('installing percona-toolkit (pt-archiver) with apt-get');
    const install = () => run('apt-get', ['install', '-y', '-q', 'percona-toolkit'], { timeoutMs: 900_000 });
    try {
      await install();
    } catch {
      await run('apt-get', ['update', '-q'], { timeoutMs: 900_000 });
      await install();
    }
  }
  const version = await run('pt-archiver', ['--version']);
  return version.trim();
}

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface MachineDescription {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  mariadb: string;
  redis: string;
  ptArchiver: string;
  /** Median wall time of `retention --version`: what starting the CLI costs every method run. */
  cliStartMs: number;
}

export async function describeMachine(versions: {
  mariadb: string;
  redis: string;
  ptArchiver: string;
  cliStartMs: number;
}): Promise<MachineDescription> {
  let os: string = process.platform;
  try {
    const release = await readFile('/etc/os-release', 'utf8');
    os = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(release)?.[1] ?? os;
  } catch {
    // Not Linux: the platform name will do.
  }
  return {
    date: new Date().toISOString(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os,
    node: process.version,
    ...versions,
  };
}
