import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Built into dist/console at install time (npm run build); served by Coffer at /_console/.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/_console/',
  build: { outDir: '../dist/console', emptyOutDir: true, chunkSizeWarningLimit: 2048, reportCompressedSize: false },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});
