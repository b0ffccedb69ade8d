import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { E2eError, ciphertextSize, decrypt, encrypt, keyId, looksLikeE2e } from '@/crypto/e2e';

// The vectors the CLI's tests decrypt too (tools/cli/e2e_format_test.cc).
// Tests run from services/gateway/web (package.json's "test").
const vectors = JSON.parse(readFileSync(resolve(process.cwd(), '../../../tools/cli/testdata/e2e_vectors.json'), 'utf8'));
const fromHex = (h) => new Uint8Array(h.match(/../g)?.map((b) => parseInt(b, 16)) || []);
const key = fromHex(vectors.key);
const bytesOf = async (blob) => new Uint8Array(await blob.arrayBuffer());

async function reason(promise) {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(E2eError);
    return e.reason;
  }
  return 'no error';
}

describe('e2e format, shared with the CLI', () => {
  it('encrypts each vector byte for byte and decrypts it back', async () => {
    expect(vectors.cases.length).toBeGreaterThanOrEqual(4);
    for (const c of vectors.cases) {
      const plain = fromHex(c.plaintext);
      const sealed = await bytesOf(await encrypt(key, plain, {
        chunkSize: vectors.chunkSize, noncePrefix: fromHex(vectors.noncePrefix) }));
      expect(Buffer.from(sealed).toString('hex')).toBe(c.sealed);
      expect(sealed.length).toBe(ciphertextSize(plain.length, vectors.chunkSize));
      expect(await bytesOf(await decrypt(key, fromHex(c.sealed)))).toEqual(plain);
    }
  });

  it('uses fresh nonces: the same file encrypts differently each time', async () => {
    const plain = new Uint8Array(100).fill(7);
    const a = await bytesOf(await encrypt(key, plain, { chunkSize: 16 }));
    const b = await bytesOf(await encrypt(key, plain, { chunkSize: 16 }));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(await bytesOf(await decrypt(key, a))).toEqual(plain);
  });

  it('tells a wrong key from damage, and finds every kind of damage', async () => {
    const sealed = fromHex(vectors.cases.at(-1).sealed); // several chunks
    const other = key.map((b) => b ^ 1);
    expect(await reason(decrypt(other, sealed))).toBe('wrong_key');
    for (let i = 28; i < sealed.length; i += 5) {
      const bad = sealed.slice();
      bad[i] ^= 0x40;
      expect(await reason(decrypt(key, bad))).toBe('damaged');
    }
    const header = sealed.slice();
    header[15] ^= 1; // the nonce prefix is authenticated through the AAD
    expect(await reason(decrypt(key, header))).toBe('damaged');
    const chunk = vectors.chunkSize + 16;
    for (const keep of [28, 28 + 5, 28 + chunk, sealed.length - 1]) {
      expect(await reason(decrypt(key, sealed.slice(0, keep)))).toBe('damaged');
    }
    const appended = new Uint8Array(sealed.length + 3);
    appended.set(sealed);
    expect(await reason(decrypt(key, appended))).toBe('damaged');
    const swapped = sealed.slice();
    swapped.set(sealed.subarray(28 + chunk, 28 + 2 * chunk), 28);
    swapped.set(sealed.subarray(28, 28 + chunk), 28 + chunk);
    expect(await reason(decrypt(key, swapped))).toBe('damaged');
    expect(await reason(decrypt(key, new TextEncoder().encode('plain text, not e2e at all')))).toBe('not_e2e');
  });

  it('checks keys and recognises the header', async () => {
    expect(await reason(keyId(new Uint8Array(31)))).toBe('bad_key');
    expect((await keyId(key)).length).toBe(8);
    expect(looksLikeE2e(fromHex(vectors.cases[0].sealed))).toBe(true);
    expect(looksLikeE2e(new TextEncoder().encode('DME2E'))).toBe(false);
    expect(ciphertextSize(0, 16)).toBe(28 + 16);
    expect(ciphertextSize(32, 16)).toBe(28 + 32 + 32);
  });
});
