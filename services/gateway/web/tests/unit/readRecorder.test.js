import { afterEach, describe, expect, it } from 'vitest';
import { recordReads } from '../../src/services/readRecorder.js';

describe('recordReads', () => {
  afterEach(() => {
    delete globalThis.__dmApiRead;
  });
  it('is the answer itself when the end-to-end test is not listening', () => {
    const answer = { files: [] };
    expect(recordReads('listFiles', answer)).toBe(answer);
  });
  it('reports each named field read once, with array items as []', () => {
    const got = [];
    globalThis.__dmApiRead = (key) => got.push(key);
    const answer = recordReads('listFiles', { files: [{ id: 'a', tags: { k: 'v' } }, { id: 'b' }], nextCursor: 'c' });
    expect(answer.files.map((f) => f.id)).toEqual(['a', 'b']);
    expect(answer.files[0].tags.k).toBe('v');
    expect(answer.files.length).toBe(2);
    expect(answer.files).toBe(answer.files); // the same proxy each time: identity comparisons hold
    expect(JSON.parse(JSON.stringify(answer)).nextCursor).toBe('c');
    expect(got).toEqual(expect.arrayContaining(['listFiles files', 'listFiles files[].id', 'listFiles files[].tags',
      'listFiles files[].tags.k', 'listFiles nextCursor']));
    expect(new Set(got).size).toBe(got.length);
    expect(got.some((k) => /length|map/.test(k))).toBe(false);
  });
});
