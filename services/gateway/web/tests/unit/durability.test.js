import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { durabilityPercent, durabilityText, expectedShards, nextDurability } from '@/utils/durability';
import { useFilesStore } from '@/stores/files';

const MiB = 1024 * 1024;
// A frame's data as the gateway prints it (uint64 as strings).
const event = (uploadId, fields) => ({
  uploadId, name: 'big.bin', shardsPerSegment: 6, segmentBytes: String(4 * MiB), committed: false,
  shardsPlaced: '0', shardsTotal: '0', segmentsDurable: '0', segmentsTotal: '0', ...fields,
});

describe('durability of one upload', () => {
  it('expects segments × (k + m) shards for the size the browser sends', () => {
    expect(expectedShards(20 * MiB, 4 * MiB, 6)).toBe(30);
    expect(expectedShards(20 * MiB + 1, 4 * MiB, 6)).toBe(36);
    expect(expectedShards(0, 4 * MiB, 6)).toBe(0);
    expect(expectedShards(10, undefined, 6)).toBe(0);
  });

  it('counts against the whole file before the commit and never shows 100 % until it', () => {
    let d = nextDurability(null, event('u', { shardsPlaced: '6', shardsTotal: '6', segmentsDurable: '1', segmentsTotal: '1' }), 20 * MiB);
    expect(d).toMatchObject({ placed: 6, total: 30, committed: false });
    expect(durabilityPercent(d)).toBe(20);
    expect(durabilityText(d)).toBe('shards placed 6/30');
    d = nextDurability(d, event('u', { shardsPlaced: '30', shardsTotal: '30' }), 20 * MiB);
    expect(durabilityPercent(d)).toBe(99);
    d = nextDurability(d, event('u', { shardsPlaced: '30', shardsTotal: '30', committed: true }), 20 * MiB);
    expect(durabilityPercent(d)).toBe(100);
    expect(durabilityText(d)).toBe('shards placed 30/30');
  });

  it('a committed file with shards still being placed says so and stays below 100 %', () => {
    const d = nextDurability(null, event('u', { shardsPlaced: '29', shardsTotal: '30', committed: true }), 20 * MiB);
    expect(durabilityPercent(d)).toBe(96);
    expect(durabilityText(d)).toMatch(/29\/30; the rest are being placed/);
  });

  it('a committed file without shards (in its manifest, or deduplicated) is done', () => {
    const d = nextDurability(null, event('u', { committed: true }), 100);
    expect(durabilityPercent(d)).toBe(100);
    expect(durabilityText(d)).toMatch(/no new shards needed/);
  });

  it('nothing after the committed event undoes it', () => {
    const done = nextDurability(null, event('u', { shardsPlaced: '6', shardsTotal: '6', committed: true }), 5 * MiB);
    expect(nextDurability(done, event('u', { shardsPlaced: '0' }), 5 * MiB)).toBe(done);
    expect(nextDurability(done, event('u', { shardsPlaced: '3', committed: true }), 5 * MiB)).toBe(done);
  });

  it('the event after late shard writes ended completes a committed file', () => {
    const early = nextDurability(null, event('u', { shardsPlaced: '28', shardsTotal: '30', segmentsDurable: '3', segmentsTotal: '5', committed: true }), 20 * MiB);
    expect(durabilityPercent(early)).toBe(93);
    // A progress event that is not the late writes' (not committed) changes nothing.
    expect(nextDurability(early, event('u', { shardsPlaced: '30' }), 20 * MiB)).toBe(early);
    const late = nextDurability(early, event('u', { shardsPlaced: '30', shardsTotal: '30', segmentsDurable: '5', segmentsTotal: '5', committed: true }), 20 * MiB);
    expect(late).toMatchObject({ placed: 30, total: 30, segmentsDurable: 5, committed: true });
    expect(durabilityPercent(late)).toBe(100);
    expect(durabilityText(late)).toBe('shards placed 30/30');
  });

  it('shows nothing placed before the first event', () => {
    expect(durabilityPercent(null)).toBe(0);
    expect(durabilityText(null)).toMatch(/waiting/);
  });
});

describe('files store durability', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    globalThis.fetch = vi.fn(async () => new Response(JSON.stringify({ files: [] }), { status: 200 }));
  });

  function started() {
    const store = useFilesStore();
    const calls = [];
    const transport = (c) => {
      const call = { ...c };
      call.promise = new Promise((res, rej) => Object.assign(call, { resolve: res, reject: rej }));
      calls.push(call);
      return { promise: call.promise, abort: () => call.reject(Object.assign(new Error('x'), { cancelled: true })) };
    };
    store.enqueue([{ file: { name: 'big.bin', size: 20 * MiB }, name: 'big.bin' }], () => 't', transport);
    const uploadId = new URL(calls[0].url, 'http://x').searchParams.get('uploadId');
    return { store, calls, uploadId };
  }

  it('applies the events of its upload id only, the final one also after the answer', async () => {
    const { store, calls, uploadId } = started();
    store.applyProgress(event('web-other', { shardsPlaced: '6' }));
    expect(store.uploads[0].durability).toBeNull();
    store.applyProgress(event(uploadId, { shardsPlaced: '12', shardsTotal: '12' }));
    expect(store.uploads[0].durability).toMatchObject({ placed: 12, total: 30 });
    calls[0].resolve({ file: { id: 'f1' } });
    await new Promise((r) => setTimeout(r, 0));
    expect(store.uploads[0].state).toBe('done');
    store.applyProgress(event(uploadId, { shardsPlaced: '30', shardsTotal: '30', committed: true }));
    expect(durabilityPercent(store.uploads[0].durability)).toBe(100);
  });

  it('a retry starts from nothing and ignores the failed attempt\'s events', async () => {
    const { store, calls, uploadId } = started();
    store.applyProgress(event(uploadId, { shardsPlaced: '6' }));
    calls[0].reject(new Error('network'));
    await new Promise((r) => setTimeout(r, 0));
    store.retry(store.uploads[0].id, () => 't', (c) => { calls.push(c); return { promise: new Promise(() => {}), abort() {} }; });
    expect(store.uploads[0].durability).toBeNull();
    store.applyProgress(event(uploadId, { shardsPlaced: '30', committed: true }));
    expect(store.uploads[0].durability).toBeNull();
  });
});
