import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gridIconPng } from '../../src/electron/icon-png.js';

describe('the app icon', () => {
  it('is a well-formed RGBA PNG of the size asked for', () => {
    for (const size of [16, 32, 256]) {
      const png = gridIconPng(size);
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(png.toString('ascii', 12, 16)).toBe('IHDR');
      expect(png.readUInt32BE(16)).toBe(size);
      expect(png.readUInt32BE(20)).toBe(size);
      const idatLength = png.readUInt32BE(33);
      expect(png.toString('ascii', 37, 41)).toBe('IDAT');
      const rows = inflateSync(png.subarray(41, 41 + idatLength));
      expect(rows.length).toBe(size * (size * 4 + 1));
    }
  });

  it('refuses sizes it cannot draw', () => {
    expect(() => gridIconPng(2)).toThrow(RangeError);
  });
});
