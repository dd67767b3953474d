// Vite 7 build of the ward client. `npm run build` writes web/dist, which CMake embeds into the
// lingjing binary (src/webui). `npm run dev` proxies the live API to a running `lingjing demo`.
import { defineConfig } from 'vitest/config';

const engine = process.env.LJ_ENGINE ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 900,
    sourcemap: false,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      '/api': engine,
      '/ws': { target: engine.replace(/^http/, 'ws'), ws: true },
    },
  },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
  },
});
