import { EXIT } from '../exit-codes.js';
import { printJson, type CliIo, type GlobalOptions } from '../io.js';
import { loadConfig, withEngine } from '../load.js';

export interface AuditVerifyOptions extends GlobalOptions {
  head?: string;
  /** A file of signed checkpoints (audit-verify-checkpoint.ts). */
  checkpoint?: string;
  publicKey?: string;
}

/** `retention audit verify [--head HASH]`: 0 intact, 1 broken, 2 wrong audit key, 3 could not check. */
export async function auditVerifyCommand(opts: AuditVerifyOptions, io: CliIo): Promise<number> {
  if (opts.checkpoint !== undefined) {
    const { auditVerifyCheckpointCommand } = await import('./audit-verify-checkpoint.js');
    return auditVerifyCheckpointCommand({ ...opts, checkpoint: opts.checkpoint }, io);
  }
  const config = loadConfig(opts);
  return withEngine(config, io, async (engine) => {
    const result = await engine.audit.verify(opts.head ? { head: opts.head } : {});
    if (result.wrongKey) {
      // Not tampering: the chain cannot be checked with this key at all.
      if (opts.json) printJson(io, { ok: false, wrongKey: true, entries: 0, headHash: result.headHash, error: result.wrongKey.message });
      else io.stdout(`audit chain NOT CHECKED: wrong key: ${result.wrongKey.message}\n`);
      return EXIT.usage;
    }
    if (opts.json) {
      printJson(io, { ok: result.ok, entries: result.entries, headHash: result.headHash, firstBad: result.firstBad && { id: result.firstBad.id, reason: result.firstBad.reason, detail: result.firstBad.detail } });
    } else if (result.ok) {
      io.stdout(`audit chain intact: ${result.entries} entries, head ${result.headHash ?? '(empty)'}${opts.head ? `; head ${opts.head} present` : ''}${engine.audit.keyed ? '' : '\nwarning: no audit key: the chain only detects accidents, not forgery'}\n`);
    } else {
      const bad = result.firstBad!;
      io.stdout(`audit chain BROKEN at entry ${bad.id}: ${bad.reason} (${bad.detail}); ${result.entries} entries intact before it\n`);
    }
    return result.ok ? EXIT.ok : EXIT.no;
  });
}
