// Writes the app's PNG icons (public/icons/icon-{192,512}.png and the maskable 512) from the
// same drawing as favicon.svg: three white bars on the brand blue. Run once after changing the
// drawing: `node scripts/make-icons.mjs`; the PNGs are committed (no image tool is needed).
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

// `pixel(x, y)` → [r, g, b, a] for a size × size image, in the 32-unit space of favicon.svg.
function png(size, pixel) {
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0, then RGBA
    for (let x = 0; x < size; x++) row.set(pixel(((x + 0.5) * 32) / size, ((y + 0.5) * 32) / size), 1 + x * 4);
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

const BLUE = [0x2c, 0x6b, 0xed, 0xff];
const WHITE = [0xff, 0xff, 0xff, 0xff];
const CLEAR = [0, 0, 0, 0];
const bar = (x, y, inset) => x >= 8 + inset && x <= 24 - inset && [10, 16, 22].some((c) => Math.abs(y - c) <= 1.5 - inset / 8);
function inRoundedSquare(x, y) {
  const r = 6;
  const cx = Math.min(Math.max(x, r), 32 - r);
  const cy = Math.min(Math.max(y, r), 32 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}
// "any": the rounded square of the favicon. "maskable": full bleed, bars inside the safe zone.
const any = (x, y) => (!inRoundedSquare(x, y) ? CLEAR : bar(x, y, 0) ? WHITE : BLUE);
const maskable = (x, y) => (bar((x - 16) * 1.25 + 16, (y - 16) * 1.25 + 16, 0) ? WHITE : BLUE);

mkdirSync('public/icons', { recursive: true });
writeFileSync('public/icons/icon-192.png', png(192, any));
writeFileSync('public/icons/icon-512.png', png(512, any));
writeFileSync('public/icons/icon-maskable-512.png', png(512, maskable));
