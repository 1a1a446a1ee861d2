import { createHash } from 'node:crypto';

/**
 * Server-side steps that must be atomic per key: each removes or counts a bounded number of
 * records, so no single command blocks Redis for long however big the key is, and each re-checks
 * the time at deletion. Every script touches one key only (valid in a cluster).
 */
export interface LuaScript {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
}

function script(name: string, lua: string): LuaScript {
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * Sorted set: removes at most ARGV[2] members scored below ARGV[1] (`(cutoffMs`, exclusive).
 * Returns `{ removed, more }`, `more` = 1 when due members remain.
 * ZCOUNT is O(log N); when more than the limit is due, the lowest `limit` ranks are all due.
 */
export const TRIM_SORTED_SET = script(
  'trim-sorted-set',
  `local limit = tonumber(ARGV[2])
local due = redis.call('ZCOUNT', KEYS[1], '-inf', ARGV[1])
if due == 0 then return {0, 0} end
if due <= limit then return {redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1]), 0} end
return {redis.call('ZREMRANGEBYRANK', KEYS[1], 0, limit - 1), 1}`,
);

/**
 * Stream: removes at most ARGV[2] entries with an ID up to ARGV[1] (`<cutoffMs-1>-<max seq>`),
 * i.e. whose millisecond part is below the cutoff. When they are all the due entries, one exact
 * `XTRIM MINID` (ARGV[3] = `<cutoffMs>-0`) removes them; otherwise XDEL in slices (Lua's unpack
 * has a small stack). Returns `{ removed, more }`.
 */
export const TRIM_STREAM = script(
  'trim-stream',
  `local limit = tonumber(ARGV[2])
local entries = redis.call('XRANGE', KEYS[1], '-', ARGV[1], 'COUNT', limit + 1)
local n = #entries
if n == 0 then return {0, 0} end
if n <= limit then return {redis.call('XTRIM', KEYS[1], 'MINID', ARGV[3]), 0} end
local removed = 0
local ids = {}
for i = 1, limit do
  ids[#ids + 1] = entries[i][1]
  if #ids == 500 or i == limit then
    removed = removed + redis.call('XDEL', KEYS[1], unpack(ids))
    ids = {}
  end
end
return {removed, 1}`,
);

/**
 * Stream: counts at most ARGV[3] entries from ARGV[1] (`-` or an exclusive `(id`) up to ARGV[2],
 * without shipping their fields. Returns `{ count, lastId }`.
 */
export const COUNT_STREAM_RANGE = script(
  'count-stream-range',
  `local entries = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[2], 'COUNT', ARGV[3])
local n = #entries
if n == 0 then return {0, ''} end
return {n, entries[n][1]}`,
);

/**
 * Hash: unlinks the key only if field ARGV[1] still holds ARGV[2], the value judged due; a key
 * rewritten since it was read is kept (its new time is judged on the next run).
 */
export const UNLINK_IF_FIELD = script(
  'unlink-if-field',
  `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('UNLINK', KEYS[1]) end
return 0`,
);

export const ALL_SCRIPTS: readonly LuaScript[] = [TRIM_SORTED_SET, TRIM_STREAM, COUNT_STREAM_RANGE, UNLINK_IF_FIELD];
