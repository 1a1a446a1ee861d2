import { UsageError } from '../errors/index.js';
import { canonicalJson } from './canonical-json.js';
import { chainHash, isChainHash } from './chain-hash.js';
import { COPIED_FIELDS } from './export-format.js';
import type { ChainEntry } from './stream-entries.js';
import type { ChainFault } from './verify-chain.js';

export interface VerifyEntriesOptions {
  /** The first entry must link to this hash (the head of the last segment verified). */
  fromHash?: string | undefined;
  /**
   * The entries are one policy's selection, not a segment of the chain: each entry's hash is
   * checked, and that it belongs to this policy, but not the links between them.
   */
  policy?: string | undefined;
}

export interface EntryFault {
  /** The entry at fault. */
  id: number;
  /** The line of the export file it is on, when it came from one. */
  line?: number | undefined;
  reason: ChainFault | 'wrong policy';
  detail: string;
}

export interface VerifyEntriesResult {
  ok: boolean;
  /** Entries found intact (all of them when `ok`). */
  entries: number;
  firstId: number | null;
  lastId: number | null;
  /** What the first entry links to: the hash a previous segment must end with. */
  startHash: string | null;
  /** The last intact entry's hash: pass it as `fromHash` when checking the next segment. */
  headHash: string | null;
  firstBad: EntryFault | null;
}

/**
 * Checks a run of entries without a database: every entry's hash over its previous hash and
 * canonical text, every readable field against the hashed text, and (unless it is a one-policy
 * selection) that each entry links to the one before it. Works on any source of entries, an
 * export file (`readExportFile`) or the database (`streamEntries`); stops at the first fault.
 */
export async function verifyEntries(
  entries: AsyncIterable<ChainEntry & { line?: number }>,
  key: string,
  options: VerifyEntriesOptions = {},
): Promise<VerifyEntriesResult> {
  const fromHash = options.fromHash?.trim().toLowerCase();
  if (fromHash !== undefined && !isChainHash(fromHash)) throw new UsageError('--from-hash must be a hash of 64 hexadecimal digits');
  let count = 0;
  let firstId: number | null = null;
  let lastId: number | null = null;
  let startHash: string | null = null;
  let prev: string | null = fromHash ?? null;
  const result = (firstBad: EntryFault | null): VerifyEntriesResult => ({
    ok: firstBad === null,
    entries: count,
    firstId,
    lastId,
    startHash,
    headHash: count > 0 ? prev : null,
    firstBad,
  });
  for await (const e of entries) {
    const fault = (reason: EntryFault['reason'], detail: string) => result({ id: e.id, line: e.line, reason, detail });
    const own = checkOwn(e, key);
    if (own) return fault('hash mismatch', own);
    if (options.policy !== undefined && e.policy !== options.policy)
      return fault('wrong policy', `it belongs to ${e.policy === null ? 'no policy' : `policy ${e.policy}`}, not ${options.policy}`);
    if (lastId !== null && e.id <= lastId) return fault('order', `its id is not greater than the entry before it (${lastId})`);
    if (options.policy === undefined && prev !== null && e.prevHash !== prev) {
      const before = lastId === null ? `the hash given with --from-hash` : `entry ${lastId} before it`;
      return fault('missing predecessor', `it does not link to ${before}: entries between them were removed, moved or replaced`);
    }
    if (firstId === null) {
      firstId = e.id;
      startHash = e.prevHash;
    }
    count += 1;
    lastId = e.id;
    prev = e.hash;
  }
  return result(null);
}

/** The entry's own integrity: its hash, its canonical text, and each readable copy. */
function checkOwn(e: ChainEntry, key: string): string | null {
  if (chainHash(key, e.prevHash, e.entry) !== e.hash) return 'the entry does not hash to its hash (modified, or the wrong audit key)';
  let parsed: unknown;
  try {
    parsed = JSON.parse(e.entry);
  } catch {
    return 'the hashed entry is not JSON';
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || canonicalJson(parsed) !== e.entry)
    return 'the hashed entry is not in canonical form';
  const hashed = parsed as Record<string, unknown>;
  for (const field of COPIED_FIELDS) {
    const copy = field === 'dryRun' ? e.dryRun : (e[field] ?? null);
    if (copy !== (hashed[field] ?? null)) return `field ${field} differs from the hashed entry`;
  }
  if (e.at.toISOString() !== hashed.at) return 'field at differs from the hashed entry';
  if (canonicalJson(e.data) !== canonicalJson(hashed.data ?? null)) return 'field data differs from the hashed entry';
  return null;
}
