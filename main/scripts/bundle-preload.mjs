#!/usr/bin/env node
// A sandboxed preload may require only `electron` (and a few Node shims), so the preload and the
// contract it imports go into one CommonJS file: main/dist/electron/preload.cjs.
//   node main/scripts/bundle-preload.mjs [--outfile FILE]
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const at = (relative) => fileURLToPath(new URL(relative, import.meta.url));
const outfileFlag = process.argv.indexOf('--outfile');
const outfile = outfileFlag === -1 ? at('../dist/electron/preload.cjs') : process.argv[outfileFlag + 1];
if (outfile === undefined) {
  console.error('bundle-preload: --outfile wants a file name');
  process.exit(2);
}

await build({
  entryPoints: [at('../src/electron/preload.ts')],
  outfile,
  bundle: true,
  format: 'cjs',
  platform: 'browser',
  // Electron 39 ships Chromium 142.
  target: 'chrome142',
  external: ['electron'],
  // The contract from source, as the UI build takes it: no dependence on core's dist.
  alias: { '@grid-sftp/core/api': at('../../core/src/api/index.ts') },
  sourcemap: false,
  logLevel: 'warning',
  legalComments: 'none',
});
