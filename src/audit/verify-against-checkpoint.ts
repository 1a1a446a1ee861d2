import { chainHash, GENESIS_HASH } from './chain-hash.js';
import type { CheckpointOnLine } from './checkpoint.js';
import type { ChainLink } from './read-chain-links.js';
import { checkSignature, type SignatureCheck } from './signed-document.js';
import type { VerifyingKey } from './signing-key.js';

/**
 * Which check failed (docs/audit.md):
 * - `key id` / `signature`: the checkpoint was not signed by the key given, or was changed after;
 * - `table`: the checkpoint is about another trail;
 * - `chain`: an entry does not hash to its hash, or does not link to the one before it;
 * - `head`: the signed head entry is missing or has another hash: entries were cut off or rewritten;
 * - `entry count`: the chain up to the head holds another number of entries than was signed.
 */
export type CheckpointCheck = SignatureCheck | 'table' | 'chain' | 'head' | 'entry count';

export interface CheckpointOptions {
  /** `audit.key`: every entry's hash is recomputed with it. */
  auditKey: string;
  /** `audit.table`: checkpoints about another trail are refused. */
  table: string;
  /**
   * The entries are a segment of the chain (an export of one month), not the chain from its
   * start: the first entry's link is taken as given, checkpoints whose head lies outside the
   * segment are skipped (at least one must lie inside), and the signed entry count, which counts
   * from the chain's start, is not checked. @defaultValue false
   */
  segment?: boolean;
}

export interface CheckpointVerdict {
  ok: boolean;
  /** Checkpoints whose head was met and checked (in a segment: those inside it). */
  checked: number;
  /** Entries walked (all of them when ok). */
  entries: number;
  /** The newest checkpoint checked: the furthest head proven present. */
  provenHead: { id: number; hash: string; entries: number; at: string } | null;
  failed: { check: CheckpointCheck; detail: string; line: number | null } | null;
}

/**
 * Proves the chain against signed checkpoints: every checkpoint is signed by `key`, the chain
 * from its first entry is intact (each hash recomputed with the audit key, each link checked),
 * and every signed head is present with its hash and exactly the signed number of entries up to
 * it. Deleting the newest entries (even with the head row moved back) fails `head`; deleting
 * older ones fails `chain`. `entries` may come from the database (readChainLinks) or an export.
 */
export async function verifyAgainstCheckpoint(
  entries: AsyncIterable<ChainLink>,
  checkpoints: readonly CheckpointOnLine[],
  key: VerifyingKey,
  options: CheckpointOptions,
): Promise<CheckpointVerdict> {
  const segment = options.segment ?? false;
  const met: CheckpointOnLine[] = [];
  const fail = (check: CheckpointCheck, detail: string, line: number | null, walked: number): CheckpointVerdict => ({
    ok: false,
    checked: met.length,
    entries: walked,
    provenHead: null,
    failed: { check, detail, line },
  });
  for (const { line, checkpoint } of checkpoints) {
    const bad = checkSignature(checkpoint, key);
    if (bad) return fail(bad.check, bad.detail, line, 0);
    if (checkpoint.table !== options.table)
      return fail('table', `the checkpoint is about audit table ${checkpoint.table}, this trail is ${options.table}`, line, 0);
  }
  // Heads still to meet, in id order; a checkpoint of the empty chain is met before the first entry.
  const pending = [...checkpoints].sort((a, b) => Number(a.checkpoint.headId) - Number(b.checkpoint.headId));
  const meet = (id: number, hash: string, count: number): CheckpointVerdict | null => {
    while (pending.length > 0 && Number(pending[0]!.checkpoint.headId) <= id) {
      const found = pending.shift()!;
      const { line, checkpoint } = found;
      if (Number(checkpoint.headId) < id)
        return fail(
          'head',
          `the signed head, entry ${checkpoint.headId}, is missing from the chain (the entry after it is ${id})`,
          line,
          count,
        );
      if (checkpoint.headHash !== hash)
        return fail('head', `entry ${id} has hash ${hash}, the checkpoint signed ${checkpoint.headHash}`, line, count);
      if (!segment && Number(checkpoint.entries) !== count)
        return fail(
          'entry count',
          `the chain holds ${count} entries up to entry ${id}, the checkpoint signed ${checkpoint.entries}`,
          line,
          count,
        );
      met.push(found);
    }
    return null;
  };

  let prev = GENESIS_HASH;
  let count = 0;
  let lastId = 0;
  if (!segment) {
    const empty = meet(0, GENESIS_HASH, 0);
    if (empty) return empty;
  }
  for await (const link of entries) {
    if (segment && count === 0) {
      // The segment's first link is taken as given; heads before it cannot be checked from it.
      prev = link.prevHash;
      while (pending.length > 0 && Number(pending[0]!.checkpoint.headId) < link.id) pending.shift();
    }
    if (chainHash(options.auditKey, link.prevHash, link.entry) !== link.hash)
      return fail('chain', `entry ${link.id} does not hash to its stored hash (modified, or another audit key)`, null, count);
    if (link.prevHash !== prev) {
      const before = lastId === 0 ? 'the chain start' : `entry ${lastId}`;
      return fail('chain', `entry ${link.id} does not link to the entry before it (${before}): entries were removed or moved`, null, count);
    }
    count += 1;
    prev = link.hash;
    lastId = link.id;
    const bad = meet(lastId, prev, count);
    if (bad) return bad;
  }
  const cut = pending[0];
  if (!segment && cut)
    return fail(
      'head',
      `the chain ends at entry ${lastId} (${count} entries), but the checkpoint signed head ${cut.checkpoint.headId} with ${cut.checkpoint.entries} entries: newer entries were cut off`,
      cut.line,
      count,
    );
  if (met.length === 0)
    return fail(
      'head',
      `no checkpoint's head lies within these ${count} entries${count > 0 ? ` (up to entry ${lastId})` : ''}`,
      null,
      count,
    );
  const newest = met[met.length - 1]!;
  return {
    ok: true,
    checked: met.length,
    entries: count,
    provenHead: {
      id: Number(newest.checkpoint.headId),
      hash: newest.checkpoint.headHash,
      entries: Number(newest.checkpoint.entries),
      at: newest.checkpoint.at,
    },
    failed: null,
  };
}
