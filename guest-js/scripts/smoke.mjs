// Loads the built package through its own "exports" map, as ESM and as
// CommonJS, and checks that each entry point exposes its API.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const expected = {
  'tauri-plugin-mizan-api': ['call', 'createMizanClient', 'defineContext', 'fetchBundle', 'reaches', 'MizanError', 'MizanClient'],
  'tauri-plugin-mizan-api/react': ['MizanProvider', 'useBundle', 'useMutation', 'useMizanClient'],
  'tauri-plugin-mizan-api/tanstack': ['applyTargetsToQueryClient', 'mizanQueryKey', 'mizanQueryOptions', 'connectQueryClient'],
};
for (const [specifier, names] of Object.entries(expected)) {
  const esm = await import(specifier);
  const cjs = require(specifier);
  for (const name of names) {
    assert.equal(typeof esm[name], 'function', `${specifier} (ESM) exports ${name}`);
    assert.equal(typeof cjs[name], 'function', `${specifier} (CJS) exports ${name}`);
  }
}
const { MizanError, reaches } = require('tauri-plugin-mizan-api');
assert.ok(MizanError.from({ code: 'app', message: 'm', details: {}, invalidate: [] }) instanceof Error);
assert.equal(reaches({ context: 'user', params: { user_id: 5 } }, { context: 'user', params: {} }), true);
// The runtime's internals stay off the public entry.
for (const name of ['reduce', 'CacheEntry', 'BundleCache', 'Notifier', 'bundleKey', 'prepareUpload', 'readSnapshot']) {
  assert.equal(require('tauri-plugin-mizan-api')[name], undefined, `tauri-plugin-mizan-api does not export ${name}`);
}
console.log('smoke: ESM and CommonJS entry points load');
