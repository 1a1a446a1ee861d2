import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface PrivateS3rver {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * s3rver on a free port over `directory`, in its own process with the legacy OpenSSL provider its
 * listing tokens need (test/support/s3rver-entry.mjs, shared with the tests). The directory stays.
 */
export async function startPrivateS3rver(directory: string): Promise<PrivateS3rver> {
  const entry = join(process.cwd(), 'test/support/s3rver-entry.mjs');
  const child: ChildProcess = spawn(process.execPath, [entry, directory], {
    env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before listening`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      child.stdin!.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
}
