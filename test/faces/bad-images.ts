import sharp from 'sharp';

/** A PNG whose header claims width x height pixels: only the signature and a valid IHDR, no pixels worth the claim. */
export function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

export const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle cx="32" cy="32" r="20"/></svg>');

/** Deterministic bytes that are no image at all. */
export function garbage(length: number): Buffer {
  const out = Buffer.alloc(length);
  let seed = 2463534242;
  for (let i = 0; i < length; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    out[i] = seed & 0xff;
  }
  return out;
}

/** A real photo's JPEG cut off part-way. */
export function truncated(jpeg: Buffer): Buffer {
  return jpeg.subarray(0, Math.floor(jpeg.length * 0.4));
}

/** A landscape-free photo: smooth grey gradient, no face anywhere. */
export function noFacePhoto(): Promise<Buffer> {
  const width = 320;
  const height = 240;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw.fill((x + y) % 256, (y * width + x) * 3, (y * width + x) * 3 + 3);
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg().toBuffer();
}

/** A group photo: the centre 150x150 of each photo (where LFW puts the face), tiled 2 per row. */
export async function groupPhoto(photos: Buffer[]): Promise<Buffer> {
  const tile = 150;
  const crops = await Promise.all(photos.map((p) => sharp(p).extract({ left: 50, top: 50, width: tile, height: tile }).toBuffer()));
  const rows = Math.ceil(crops.length / 2);
  return sharp({ create: { width: tile * 2, height: tile * rows, channels: 3, background: { r: 120, g: 120, b: 120 } } })
    .composite(crops.map((input, i) => ({ input, left: (i % 2) * tile, top: Math.floor(i / 2) * tile })))
    .jpeg({ quality: 92 })
    .toBuffer();
}
