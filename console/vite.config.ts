import { defineConfig } from 'vite';

// The console is built by `npm install` (the root package's prepare script) into console/dist,
// which the server serves at /console/. Preact (a 4 kB React-compatible runtime) and uPlot (a
// small canvas chart library) are bundled: no CDN, nothing fetched at run time.
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  logLevel: 'warn',
});
