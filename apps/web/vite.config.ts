import { defineConfig } from 'vite';

// Everything is bundled (no CDN): the page works offline, served by the seqcast server at `/`.
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // vega + vega-lite are most of the bundle; one chunk is simplest to serve and cache.
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: true,
  },
  server: {
    // `pnpm --filter @seqcast/web dev` next to `pnpm start`: API calls go to the running server.
    proxy: { '/v1': 'http://127.0.0.1:3000', '/health': 'http://127.0.0.1:3000' },
  },
});
