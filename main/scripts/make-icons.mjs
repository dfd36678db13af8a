#!/usr/bin/env node
// Draws the app icon (main/src/electron/icon-png.ts, the same picture as the tray's) into build/
// for electron-builder: build/icon.png and build/icons/<N>x<N>.png, the sizes Linux desktops use.
// The PNGs are committed; run this after changing the drawing (needs `npm run build` first).
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const { gridIconPng } = await import('../dist/electron/icon-png.js');
const build = fileURLToPath(new URL('../../build/', import.meta.url));
await mkdir(`${build}icons`, { recursive: true });
await writeFile(`${build}icon.png`, gridIconPng(512));
for (const size of [16, 24, 32, 48, 64, 128, 256, 512]) {
  await writeFile(`${build}icons/${size}x${size}.png`, gridIconPng(size));
}
console.log(`icons written to ${build}`);
