import { describe, expect, it } from 'vitest';
import { JobSigner, SIGNATURE_FIELD } from '../../../src/queue/job-signature.js';

const data = { runId: 'r1', policy: 'log-data', evaluatedAt: '2026-11-28T10:00:00.000Z', nested: { a: 1, b: [1, 2] } };

describe('JobSigner', () => {
  const signer = new JobSigner('audit-key');

  it('accepts what it signed, after a JSON round trip (as through Redis), and returns the data without the signature', () => {
    const signed = JSON.parse(JSON.stringify(signer.sign('target', data))) as Record<string, unknown>;
    expect(signer.verify('target', signed)).toEqual(data);
  });

  it.each([
    ['a changed field', { ...data, evaluatedAt: '2027-11-28T10:00:00.000Z' }],
    ['an added field', { ...data, cutoff: '2027-01-01T00:00:00.000Z' }],
    ['a dropped field', { runId: 'r1', policy: 'log-data', nested: data.nested }],
    ['a changed nested value', { ...data, nested: { a: 2, b: [1, 2] } }],
  ])('refuses %s under the old signature', (_what, altered) => {
    const sig = signer.sign('target', data)[SIGNATURE_FIELD];
    expect(() => signer.verify('target', { ...altered, [SIGNATURE_FIELD]: sig })).toThrow(/signature does not match/);
  });

  it('refuses unsigned data, data moved to a job of another kind, and data signed under another key', () => {
    expect(() => signer.verify('target', data)).toThrow(/not signed/);
    expect(() => signer.verify('policy-run', signer.sign('target', data))).toThrow(/signature does not match/);
    expect(() => signer.verify('target', new JobSigner('other-key').sign('target', data))).toThrow(/signature does not match/);
  });

  it('signs under a key distinct from the audit key itself and from the subject-range key (HKDF, own label)', () => {
    // Same data, same name, different audit keys: different signatures; an empty key still signs (publicly).
    expect(new JobSigner('').keyed).toBe(false);
    expect(new JobSigner('a').sign('x', data)[SIGNATURE_FIELD]).not.toBe(new JobSigner('b').sign('x', data)[SIGNATURE_FIELD]);
  });
});
