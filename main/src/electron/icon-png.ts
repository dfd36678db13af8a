import { crc32, deflateSync } from 'node:zlib';

type Rgba = readonly [number, number, number, number];

const BACKGROUND: Rgba = [0x1f, 0x3a, 0x5f, 0xff];
const CELL: Rgba = [0xdc, 0xe8, 0xf5, 0xff];
const ACCENT: Rgba = [0x3d, 0xd6, 0x8c, 0xff];
const CLEAR: Rgba = [0, 0, 0, 0];

/**
 * The app icon, a 3×3 grid of cells on a rounded square (one cell lit: the grid at work), drawn
 * as a PNG of any size. Drawn in code so the tray has its icon without files to locate at run
 * time, and the packaging icons in build/ are made from the same picture (main/scripts/make-icons.mjs).
 */
export function gridIconPng(size: number): Buffer {
  if (!Number.isInteger(size) || size < 8 || size > 1024) throw new RangeError('icon size is 8..1024');
  const pixels = Buffer.alloc(size * size * 4);
  const radius = size * 0.18;
  const margin = size * 0.16;
  const gap = size * 0.06;
  const cell = (size - 2 * margin - 2 * gap) / 3;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const colour = insideRoundedSquare(x + 0.5, y + 0.5, size, radius)
        ? cellColour(x + 0.5 - margin, y + 0.5 - margin, cell, gap)
        : CLEAR;
      pixels.set(colour, (y * size + x) * 4);
    }
  }
  return encodePng(size, size, pixels);
}

function insideRoundedSquare(x: number, y: number, size: number, radius: number): boolean {
  const dx = Math.max(radius - x, 0, x - (size - radius));
  const dy = Math.max(radius - y, 0, y - (size - radius));
  return dx * dx + dy * dy <= radius * radius;
}

function cellColour(x: number, y: number, cell: number, gap: number): Rgba {
  const pitch = cell + gap;
  const column = Math.floor(x / pitch);
  const row = Math.floor(y / pitch);
  const inCell =
    x >= 0 && y >= 0 && column < 3 && row < 3 && x - column * pitch < cell && y - row * pitch < cell;
  if (!inCell) return BACKGROUND;
  return row === 1 && column === 2 ? ACCENT : CELL;
}

/** A minimal PNG: 8-bit RGBA, no interlace, filter 0 on every row. */
export function encodePng(width: number, height: number, rgba: Buffer): Buffer {
  const rows = Buffer.alloc(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) {
    rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed) >>> 0);
  return Buffer.concat([length, typed, crc]);
}
