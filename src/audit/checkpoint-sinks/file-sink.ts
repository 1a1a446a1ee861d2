import { open } from 'node:fs/promises';
import type { CheckpointSink } from './checkpoint-sink.js';

/**
 * Appends one JSON line per checkpoint. The file is opened with O_APPEND for each write and
 * synced before it counts as delivered, so it works on an append-only or WORM-mounted volume
 * (which refuses anything but appends) and survives a crash right after. Created with mode 0640.
 */
export function fileSink(name: string, path: string): CheckpointSink {
  return {
    name,
    type: 'file',
    async write(_checkpoint, line) {
      const handle = await open(path, 'a', 0o640);
      try {
        await handle.appendFile(`${line}\n`, 'utf8');
        await handle.datasync();
      } finally {
        await handle.close();
      }
    },
    async close() {},
  };
}
