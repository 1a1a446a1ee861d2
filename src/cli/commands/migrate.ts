import { EXIT } from '../exit-codes.js';
import { printJson, type CliIo, type GlobalOptions } from '../io.js';
import { loadConfig, TRAIL_ONLY, withEngine } from '../load.js';

/** `retention migrate`: creates or upgrades the audit table. */
export async function migrateCommand(opts: GlobalOptions, io: CliIo): Promise<number> {
  const config = loadConfig(opts);
  return withEngine(
    config,
    io,
    async (engine) => {
      await engine.audit.migrate();
      // Records the key's fingerprint in a new trail (or refuses a key that is not the trail's).
      await engine.audit.checkKey();
      if (opts.json) printJson(io, { ok: true, table: config.audit.table });
      else io.stdout(`audit table ${config.audit.table} is up to date\n`);
      return EXIT.ok;
    },
    { stores: TRAIL_ONLY },
  );
}
