import type { LuaScript } from './lua-scripts.js';
import { arrayReply, integerReply, scriptCommand } from './node-commands.js';
import { isWrongType, tallyRemoved, type KeyBatch, type NodeRunner, type PurgeOutcome } from './record-kind.js';

/**
 * Runs a bounded trim script (`TRIM_SORTED_SET`, `TRIM_STREAM`) with the same arguments on every
 * key of the batch, in one pipeline. Each reply is `{ removed, more }`: keys with `more` may still
 * hold due records and are handed back; a key that changed type since SCAN removes nothing.
 */
export async function trimKeys(
  run: NodeRunner,
  { node, keys }: KeyBatch,
  script: LuaScript,
  args: Array<string | number>,
): Promise<PurgeOutcome> {
  const replies = await run(
    node,
    keys.map((key) => scriptCommand(script, key, args)),
  );
  const more: Buffer[] = [];
  const tally = tallyRemoved(replies, (reply, i) => {
    if (isWrongType(reply)) return 0;
    const [removed = 0, hasMore] = arrayReply(reply).map(integerReply);
    if (hasMore) more.push(keys[i]!);
    return removed;
  });
  return { ...tally, more };
}
