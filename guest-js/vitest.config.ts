import { defineConfig } from 'vitest/config';

/**
 * Two projects: every test against the dependencies as installed, and the
 * TanStack adapter's tests once more against the lowest `@tanstack/query-core`
 * the peer range declares (5.0.0, the devDependency alias `query-core-lowest`).
 */
export default defineConfig({
  test: {
    environment: 'happy-dom',
    testTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'guest-js',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          typecheck: {
            enabled: true,
            include: ['test/**/*.test-d.ts'],
            tsconfig: './tsconfig.json',
          },
        },
      },
      {
        extends: true,
        resolve: {
          alias: [{ find: /^@tanstack\/query-core$/, replacement: 'query-core-lowest' }],
        },
        test: {
          name: 'query-core@5.0.0',
          include: ['test/tanstack.test.ts', 'test/tanstack-refresh.test.ts'],
          env: { MIZAN_QUERY_CORE: '5.0.0' },
        },
      },
    ],
  },
});
