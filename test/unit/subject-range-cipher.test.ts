import { describe, expect, it } from 'vitest';
import { openRange, sealRange } from '../../src/subjects/subject-range-cipher.js';

const RANGE = { after: '9007199254740993', upTo: '18446744073709551615' };

describe('sealed subject ranges', () => {
  it('opens with the same audit key and context, exactly, and holds no id in clear', () => {
    const sealed = sealRange(RANGE, 'key-1', 'run/3');
    expect(openRange(sealed, 'key-1', 'run/3')).toEqual(RANGE);
    expect(JSON.stringify(sealed)).not.toMatch(/9007199254740993|18446744073709551615/);
    expect(openRange(sealRange({ after: null, upTo: '1' }, 'key-1', 'run/0'), 'key-1', 'run/0')).toEqual({ after: null, upTo: '1' });
  });

  it('refuses another key, another job, or an altered payload', () => {
    const sealed = sealRange(RANGE, 'key-1', 'run/3');
    expect(() => openRange(sealed, 'key-2', 'run/3')).toThrow(/does not open/);
    expect(() => openRange(sealed, 'key-1', 'run/4')).toThrow(/does not open/);
    const data = Buffer.from(sealed.data, 'base64');
    data[0] = data[0]! ^ 1;
    expect(() => openRange({ ...sealed, data: data.toString('base64') }, 'key-1', 'run/3')).toThrow(/does not open/);
  });

  it('needs an audit key', () => {
    expect(() => sealRange(RANGE, '', 'run/3')).toThrow(/audit.key/);
  });
});
