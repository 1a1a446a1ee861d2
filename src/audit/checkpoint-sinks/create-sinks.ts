import type { RawConfig } from '../../config/schema.js';
import type { CheckpointSink } from './checkpoint-sink.js';
import { fileSink } from './file-sink.js';
import { s3Sink } from './s3-sink.js';
import { webhookSink } from './webhook-sink.js';

/** The sinks of `audit.checkpoints.sinks`, each named by its `name` or, by default, its type. */
export function createCheckpointSinks(config: RawConfig['audit']['checkpoints'], now: () => Date): CheckpointSink[] {
  return config.sinks.map((sink) => {
    const name = sink.name ?? sink.type;
    switch (sink.type) {
      case 'file':
        return fileSink(name, sink.path);
      case 'webhook':
        return webhookSink(name, { url: sink.url, headers: sink.headers, timeoutMs: sink.timeoutMs });
      case 's3':
        return s3Sink(name, { ...sink, now });
    }
  });
}
