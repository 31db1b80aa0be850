import { defineConfig } from 'vite';

// No React plugin needed for a production build: Vite's own transform
// compiles JSX with the automatic runtime. `dedupe` keeps one copy of React
// although `tauri-plugin-mizan-api` is linked from ../../guest-js, which has
// its own node_modules.
export default defineConfig({
  clearScreen: false,
  oxc: { jsx: { runtime: 'automatic' } },
  resolve: { dedupe: ['react', 'react-dom', '@tauri-apps/api'] },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
