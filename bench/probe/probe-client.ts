import { fork, type ChildProcess } from 'node:child_process';
import type { ProbeConfig, ProbeReply, ProbeRequest, ProbeWindow } from './probe-protocol.js';

type Request = ProbeRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** The bench's handle on a foreground probe process (see probe-child.ts). */
export class ProbeClient {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: ProbeReply) => void>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: ProbeReply) => {
      if (reply.type === 'ready') return;
      const resolve = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      resolve?.(reply);
    });
  }

  static async start(config: ProbeConfig): Promise<ProbeClient> {
    const child = fork('dist/bench/probe/probe-child.js', [], {
      env: { ...process.env, BENCH_PROBE: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', (m: ProbeReply) => (m.type === 'ready' ? resolve() : reject(new Error('probe did not start'))));
      child.once('exit', (code) => reject(new Error(`probe exited with ${code}`)));
    });
    return new ProbeClient(child);
  }

  private request(request: Request, timeoutMs = 120_000): Promise<ProbeReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`probe did not answer ${request.type}`));
      }, timeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.child.send({ ...request, id });
    });
  }

  async pause(): Promise<void> {
    await this.request({ type: 'pause' });
  }

  async resume(keptIds?: { from: bigint; to: bigint }): Promise<void> {
    await this.request({ type: 'resume', ...(keptIds ? { keptIds: { from: keptIds.from.toString(), to: keptIds.to.toString() } } : {}) });
  }

  async mark(): Promise<void> {
    await this.request({ type: 'mark' });
  }

  async collect(): Promise<ProbeWindow> {
    const reply = await this.request({ type: 'collect' });
    if (reply.type !== 'window') throw new Error('probe answered collect without a window');
    return reply.window;
  }

  /** Stops the probe; kills it if it does not stop within 10 s. */
  async stop(): Promise<void> {
    try {
      await this.request({ type: 'stop' }, 10_000);
    } catch {
      this.child.kill('SIGKILL');
    }
  }
}

/** All samples of a window, every operation kind together. */
export function allSamples(window: ProbeWindow): number[] {
  return Object.values(window.samples).flat();
}

export function errorCount(window: ProbeWindow): number {
  return Object.values(window.errors).reduce((a, b) => a + b, 0);
}
