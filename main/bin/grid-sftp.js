#!/usr/bin/env node
// The compiled CLI lives in dist/; a clear message beats a module-not-found stack when it is missing.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('grid-sftp: not built yet; run `npm run build` in the repository first\n');
  process.exit(1);
}
await import(entry.href);
