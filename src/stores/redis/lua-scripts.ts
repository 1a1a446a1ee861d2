import { createHash } from 'node:crypto';

/**
 * Server-side steps: each removes or counts a bounded number of records, so no single command
 * blocks Redis for long however big the key is, and each re-checks the time at deletion. Every
 * script but `UNLINK_DUE_BY_NAME` touches one key only (valid in a cluster); that one walks a
 * single server's keyspace and is used only there.
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

/**
 * Whole keys timed by a sortable text at the end of their name (see `sortableKeyTime`): one SCAN
 * page (ARGV[1] cursor, ARGV[2] MATCH, ARGV[3] COUNT) judged and unlinked where it lies, so no key
 * name crosses the network. ARGV[4] is the cutoff's text (`textAtOrAfter`), ARGV[5] the literal
 * before the digits, ARGV[6] a prefix never touched (the job queue's; '' for none), ARGV[7] the most
 * keys to unlink (the batch's room).
 *
 * A key is unlinked when its last #ARGV[4] bytes are digits that sort before ARGV[4] (compared as
 * numbers), preceded by
 * ARGV[5], and every field is in its calendar range (month 01-12, day within the month, hour
 * 00-23, minute and second 00-59). Digits that sort before the cutoff but are not canonical
 * (`…2400`, which luxon reads as the next midnight; `…1301`, which it refuses) are returned for
 * the client's own reader to judge; texts at or after the cutoff's are kept: a canonical one is
 * not due, and no text luxon accepts reads earlier than its canonical neighbours.
 * Returns `{ nextCursor, unlinked, scanned, doubtfulKeys, complete }`.
 */
export const UNLINK_DUE_BY_NAME = script(
  'unlink-due-by-name',
  `local sub, find, tonumber = string.sub, string.find, tonumber
local page = redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', ARGV[3])
local keys = page[2]
local before, prefix, excluded = ARGV[4], ARGV[5], ARGV[6]
local width = #before
local tail = width + #prefix
-- Lua compares strings with strcoll (Redis sets LC_COLLATE from the environment): digit texts
-- are compared as two integers of at most 9 digits instead, exact in a double.
local split = math.min(9, width)
local beforeHigh, beforeLow = tonumber(sub(before, 1, split)), tonumber(sub(before, split + 1)) or 0
local function sortsBefore(t)
  local high = tonumber(sub(t, 1, split))
  return high < beforeHigh or (high == beforeHigh and (tonumber(sub(t, split + 1)) or 0) < beforeLow)
end
local monthDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
local function canonical(t)
  if width >= 6 then
    local month = tonumber(sub(t, 5, 6))
    if month < 1 or month > 12 then return false end
    if width >= 8 then
      local year, day = tonumber(sub(t, 1, 4)), tonumber(sub(t, 7, 8))
      local days = monthDays[month]
      if month == 2 and year % 4 == 0 and (year % 100 ~= 0 or year % 400 == 0) then days = 29 end
      if day < 1 or day > days then return false end
    end
  end
  if width >= 10 and tonumber(sub(t, 9, 10)) > 23 then return false end
  if width >= 12 and tonumber(sub(t, 11, 12)) > 59 then return false end
  if width >= 14 and tonumber(sub(t, 13, 14)) > 59 then return false end
  return true
end
local function judge(t)
  if not find(t, '^%d+$') or not sortsBefore(t) then return 'kept' end
  if canonical(t) then return 'due' end
  return 'doubtful'
end
-- Keys of one page share few time texts (every key of a minute has the same): judge each text once.
local verdicts = {}
local due, doubtful = {}, {}
for i = 1, #keys do
  local key = keys[i]
  if #key >= tail and (excluded == '' or sub(key, 1, #excluded) ~= excluded) and (prefix == '' or sub(key, -tail, -width - 1) == prefix) then
    local text = sub(key, -width)
    local verdict = verdicts[text]
    if verdict == nil then
      verdict = judge(text)
      verdicts[text] = verdict
    end
    if verdict == 'due' then due[#due + 1] = key elseif verdict == 'doubtful' then doubtful[#doubtful + 1] = key end
  end
end
-- At most ARGV[7] keys unlinked per call: past it, the page is not complete and the caller keeps
-- its cursor, so the next call reads the same page again (SCAN is stateless) and finds the rest;
-- doubtful keys go out with the call that completes the page, so none is judged twice.
local room = tonumber(ARGV[7])
local complete = 1
if #due > room then
  complete = 0
  doubtful = {}
end
local unlinked = 0
local last = math.min(#due, room)
for from = 1, last, 1000 do
  unlinked = unlinked + redis.call('UNLINK', unpack(due, from, math.min(from + 999, last)))
end
return {page[1], unlinked, #keys, doubtful, complete}`,
);

export const ALL_SCRIPTS: readonly LuaScript[] = [TRIM_SORTED_SET, TRIM_STREAM, COUNT_STREAM_RANGE, UNLINK_IF_FIELD, UNLINK_DUE_BY_NAME];
