// Durability of an upload, from file-ingest's upload.progress events (WebSocket
// "file:upload:progress"): shards their storage nodes acknowledged out of segments × (k + m).
// The browser knows the file's size, so before the final event it counts the shards the whole
// file will have (the server only knows the segments it has seen when no size was declared).
// It reads 100 % only once the final event says the file committed with every shard placed.
// Shard writes still running at the commit end later: file-ingest then sends one more committed
// event with the shards that landed, and the bar moves on from there.

// Shards a body of `size` bytes will have with segments of `segmentBytes` and `perSegment`
// shards each; 0 when either is unknown.
export function expectedShards(size, segmentBytes, perSegment) {
  const s = Number(size);
  const seg = Number(segmentBytes);
  const k = Number(perSegment);
  if (!(s > 0) || !(seg > 0) || !(k > 0)) return 0;
  return Math.ceil(s / seg) * k;
}

// The durability state after one progress event `data` (the frame's data, uint64 fields as
// JSON strings) for an upload whose body has `bodySize` bytes. `previous` is the state so
// far: after a committed event only a committed event with more shards placed changes it (a
// late, repeated or out-of-order event never undoes progress).
export function nextDurability(previous, data, bodySize) {
  if (previous?.committed) {
    const placed = Math.min(Number(data.shardsPlaced) || 0, previous.total);
    if (data.committed !== true || placed <= previous.placed) return previous;
    return {
      ...previous,
      placed,
      segmentsDurable: Math.max(previous.segmentsDurable, Number(data.segmentsDurable) || 0),
    };
  }
  const committed = data.committed === true;
  const reported = Number(data.shardsTotal) || 0;
  const total = committed
    ? reported
    : Math.max(reported, expectedShards(bodySize, data.segmentBytes, data.shardsPerSegment));
  return {
    placed: Math.min(Number(data.shardsPlaced) || 0, total),
    total,
    segmentsDurable: Number(data.segmentsDurable) || 0,
    segmentsTotal: Number(data.segmentsTotal) || 0,
    committed,
  };
}

// Whole percent shown on the durability bar; 100 only when committed with every shard placed
// (or committed with no shards: a small file kept inside its manifest).
export function durabilityPercent(d) {
  if (!d) return 0;
  if (d.committed && d.placed >= d.total) return 100;
  if (!d.total) return 0;
  return Math.min(99, Math.floor((d.placed / d.total) * 100));
}

// The words beside the bar.
export function durabilityText(d) {
  if (!d) return 'waiting for the first shards';
  // A small file kept in its manifest, or content this user already stores.
  if (d.committed && d.total === 0) return 'no new shards needed';
  const counted = `shards placed ${d.placed}/${d.total}`;
  if (d.committed && d.placed < d.total) return `${counted}; the rest are being placed`;
  return counted;
}
