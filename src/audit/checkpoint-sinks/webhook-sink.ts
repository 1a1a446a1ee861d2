import type { CheckpointSink } from './checkpoint-sink.js';

export interface WebhookSinkOptions {
  url: string;
  /** Extra headers (e.g. Authorization); never logged. */
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
}

/**
 * POSTs each checkpoint as JSON; any 2xx answer is delivery. The error names the status only,
 * never the URL (it may carry a token).
 */
export function webhookSink(name: string, options: WebhookSinkOptions): CheckpointSink {
  return {
    name,
    type: 'webhook',
    async write(_checkpoint, line) {
      let response: Response;
      try {
        response = await fetch(options.url, {
          method: 'POST',
          headers: { ...options.headers, 'content-type': 'application/json' },
          body: line,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (err) {
        const e = err as { name?: string; cause?: { code?: string } };
        const why = e.name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : (e.cause?.code ?? e.name ?? 'request failed');
        throw new Error(`webhook: ${why}`);
      }
      await response.body?.cancel();
      if (!response.ok) throw new Error(`webhook answered HTTP ${response.status}`);
    },
    async close() {},
  };
}
