// Builds the UI into DATAMESH_WEB_OUT (the CMake build tree) or dist/. Everything is bundled:
// no CDN, no remote fonts, and no inline script or style in index.html, so the gateway's
// Content-Security-Policy can say script-src 'self'; style-src 'self'.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    outDir: process.env.DATAMESH_WEB_OUT || 'dist',
    emptyOutDir: true,
    // The polyfill would be inlined into index.html; every browser we target has modulepreload.
    modulePreload: { polyfill: false },
    // Never inline assets as data: URLs into CSS or JS; files are cached as immutable instead.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 800,
    reportCompressedSize: false,
  },
  server: {
    // `npm run dev` next to a running stack: DATAMESH_GATEWAY=http://127.0.0.1:PORT npm run dev
    proxy: { '/api': { target: process.env.DATAMESH_GATEWAY || 'http://127.0.0.1:8080', ws: true } },
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/unit/**/*.test.js'],
  },
});
