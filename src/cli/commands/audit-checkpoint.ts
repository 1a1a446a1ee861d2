import { ConfigError } from '../../errors/index.js';
import { EXIT } from '../exit-codes.js';
import { printJson, type CliIo, type GlobalOptions } from '../io.js';
import { loadConfig, TRAIL_ONLY, withEngine } from '../load.js';

/**
 * `retention audit checkpoint`: signs the audit head now, stores it and writes it (and any pending
 * ones) to the sinks. 0 delivered everywhere; 1 stored and signed but a sink failed (it stays
 * pending and is retried next time); 2 no signing key; 3 MySQL unreachable.
 */
export async function auditCheckpointCommand(opts: GlobalOptions, io: CliIo): Promise<number> {
  const config = loadConfig(opts);
  if (config.audit.signingKey === '')
    throw new ConfigError([
      { path: 'audit.signingKey', message: 'is not set: nothing to sign checkpoints with (`retention audit keygen`)' },
    ]);
  return withEngine(
    config,
    io,
    async (engine) => {
      await engine.audit.migrate();
      const outcome = await engine.checkpoints!.checkpoint();
      if (opts.json) {
        printJson(io, { id: outcome.id, checkpoint: outcome.checkpoint, delivered: outcome.delivered, failed: outcome.failed });
      } else {
        const c = outcome.checkpoint;
        io.stdout(`checkpoint ${outcome.id}: head entry ${c.headId} (${c.entries} entries) ${c.headHash}, signed by key ${c.keyId}\n`);
        for (const f of outcome.failed) io.stdout(`sink ${f.sink}: not delivered (${f.error}); retried at the next checkpoint\n`);
      }
      return outcome.failed.length === 0 ? EXIT.ok : EXIT.no;
    },
    { stores: TRAIL_ONLY },
  );
}
