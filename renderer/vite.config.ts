import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Paths from this file's URL, not the working directory, so the build works from anywhere.
const pathOf = (relative: string): string => decodeURIComponent(new URL(relative, import.meta.url).pathname);

export default defineConfig({
  root: pathOf('.'),
  base: './',
  plugins: [react()],
  resolve: {
    // The contract from source: the UI build does not depend on core having been compiled first.
    alias: { '@grid-sftp/core/api': pathOf('../core/src/api/index.ts') },
  },
  build: { outDir: pathOf('./ui-dist'), emptyOutDir: true, sourcemap: false },
});
