import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `pnpm dev` runs this next to the API server (port 3000); `pnpm build` writes dist/, which the server serves.
const API = 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/api': API,
      '/trpc': API,
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
});
