import { describe, it, expect } from 'vitest';
import { canonicalJson } from '../../src/audit/canonical-json.js';
import { buildCanonicalEntry } from '../../src/audit/audit-entry.js';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: true, a: { z: null, y: false }, c: [] })).toBe('{"a":{"y":false,"z":null},"b":true,"c":[]}');
  });

  it('writes integers as plain decimal strings, including huge and negative zero', () => {
    expect(canonicalJson({ n: 1200, m: -7, z: -0, big: 1e21 })).toBe('{"big":"1000000000000000000000","m":"-7","n":"1200","z":"0"}');
  });

  it('writes bigints as decimal strings and leaves decimal-string ids unchanged', () => {
    expect(canonicalJson({ id: 18446744073709551615n, s: '18446744073709551615', lead: '007' })).toBe(
      '{"id":"18446744073709551615","lead":"007","s":"18446744073709551615"}',
    );
  });

  it('writes non-integers as ECMAScript number strings', () => {
    expect(canonicalJson([0.25, 1e-7])).toBe('["0.25","1e-7"]');
  });

  it('writes Dates as ISO-8601 UTC with milliseconds, whatever the local zone', () => {
    expect(canonicalJson({ at: new Date(Date.UTC(2026, 10, 28, 10, 0, 0, 12)) })).toBe('{"at":"2026-11-28T10:00:00.012Z"}');
  });

  it('leaves out undefined properties and writes undefined array items as null', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,"1"]}');
  });

  it('escapes so that the text is pure ASCII', () => {
    const text = canonicalJson({ s: 'a"b\\c\n\t\u0001\u007fé€😀/' });
    expect(text).toBe('{"s":"a\\"b\\\\c\\n\\t\\u0001\\u007f\\u00e9\\u20ac\\ud83d\\ude00/"}');
    expect(/^[\x20-\x7e]*$/.test(text)).toBe(true);
    expect(JSON.parse(text)).toEqual({ s: 'a"b\\c\n\t\u0001\u007fé€😀/' });
  });

  it('reads back and re-writes to the same bytes', () => {
    const text = canonicalJson({ n: 5, at: new Date(0), nested: { list: [1, 'x', null, true] }, u: 'ü' });
    expect(canonicalJson(JSON.parse(text))).toBe(text);
  });

  it('refuses values with no canonical form, naming the path', () => {
    expect(() => canonicalJson({ a: { b: Number.NaN } })).toThrow(/\$\.a\.b/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(TypeError);
    expect(() => canonicalJson({ m: new Map() })).toThrow(/Map/);
    expect(() => canonicalJson({ d: new Date('nope') })).toThrow(/invalid Date/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/deeper/);
  });
});

describe('buildCanonicalEntry', () => {
  const provenance = { configHash: 'c0ffee', workerVersion: '1.2.3' };
  const base = { runId: 'r-1', policy: 'log-data', at: new Date('2026-11-28T10:00:00.012Z'), dryRun: false, retain: '7 days' } as const;

  it('writes every field, in a fixed shape, with the format version', () => {
    const { text } = buildCanonicalEntry(
      { ...base, kind: 'target', store: 'mysql', target: 'im_request_log', data: { deleted: 3 } },
      provenance,
    );
    expect(text).toBe(
      '{"at":"2026-11-28T10:00:00.012Z","configHash":"c0ffee","data":{"deleted":"3"},"dryRun":false,"format":"1","kind":"target",' +
        '"policy":"log-data","retain":"7 days","runId":"r-1","store":"mysql","subjectHash":null,"target":"im_request_log","workerVersion":"1.2.3"}',
    );
  });

  it('refuses malformed entries before any I/O', () => {
    expect(() => buildCanonicalEntry({ ...base, kind: 'subject', data: {} }, provenance)).toThrow(/subjectHash/);
    expect(() => buildCanonicalEntry({ ...base, kind: 'target', subjectHash: 'abc', data: {} }, provenance)).toThrow(/64/);
    expect(() => buildCanonicalEntry({ ...base, kind: 'nope' as 'target', data: {} }, provenance)).toThrow(/unknown/);
    expect(() => buildCanonicalEntry({ ...base, runId: '', kind: 'target', data: {} }, provenance)).toThrow(/runId/);
    expect(() => buildCanonicalEntry({ ...base, at: new Date(Number.NaN), kind: 'target', data: {} }, provenance)).toThrow(/at/);
  });
});
