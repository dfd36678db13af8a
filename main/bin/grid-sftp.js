#!/usr/bin/env -S node --max-semi-space-size=4
// The young generation is capped at 4 MiB semispaces: with V8's default (growing to 16 MiB) the
// main thread's heap grew with the file, and a 2 GiB put peaked at 171-176 MB RSS, get at 154 MB;
// capped, 148 and 130 MB in the same time (measured 2026-11-21, test/bench/README.md). `node
// main/bin/grid-sftp.js` (as the tests run it) skips this line; `npx grid-sftp` and an installed
// bin use it. NODE_FLAGS in test/bench/node-flags.mjs must say the same.
// The compiled CLI lives in dist/; a clear message beats a module-not-found stack when it is missing.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('grid-sftp: not built yet; run `npm run build` in the repository first\n');
  process.exit(1);
}
await import(entry.href);
