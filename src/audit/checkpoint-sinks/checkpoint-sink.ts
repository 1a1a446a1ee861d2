import type { SignedCheckpoint } from '../checkpoint.js';

/** One place a signed checkpoint is written besides the checkpoint table (`audit.checkpoints.sinks[]`). */
export interface CheckpointSink {
  /** Unique among the sinks: the metric label and log field. */
  readonly name: string;
  readonly type: 'file' | 's3' | 'webhook';
  /** Writes one checkpoint (`line` is its canonical one-line text; `id` its row in the table). Throws on failure. */
  write(checkpoint: SignedCheckpoint, line: string, id: number): Promise<void>;
  close(): Promise<void>;
}
