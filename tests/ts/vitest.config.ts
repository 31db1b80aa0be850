import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The generated modules live in ../golden, outside this package: resolve
// their runtime import to this package's copy of tauri-plugin-mizan-api.
const runtime = fileURLToPath(
  new URL('./node_modules/tauri-plugin-mizan-api/dist/esm/index.js', import.meta.url),
);

export default defineConfig({
  resolve: { alias: { 'tauri-plugin-mizan-api': runtime } },
  test: {
    include: ['test/**/*.test.ts'],
    typecheck: {
      enabled: true,
      include: ['test/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
  },
});
