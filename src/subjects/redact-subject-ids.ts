/**
 * Replaces every subject id of `ids` found in `text` (as a whole run of digits) by `<subject>`.
 * Store errors may quote a key name (`im:cfg:1400000101:tags`) or a statement; subject ids never
 * reach a log line, an error in the run document, or the audit trail in clear.
 */
export function redactSubjectIds(text: string, ids: ReadonlySet<string>): string {
  if (ids.size === 0) return text;
  return text.replace(/\d+/g, (digits) => (ids.has(digits.replace(/^0+(?=.)/, '')) ? '<subject>' : digits));
}
