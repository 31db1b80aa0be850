// 1. Applying one envelope that reaches 10 bundles, in caches of 1k, 10k and
//    100k bundles: the Mizan cache (indexed by context, shape and param
//    value) against TanStack Query's invalidateQueries with a partial query
//    key on the same number of queries.
// 2. Two layouts where a naive index costs O(context), at 1k and 100k bundles:
//    (a) half the bundles have param `a`, half `b`; the target {a: 1, b: 1}
//        reaches 2 of them;
//    (b) the only bundle with a rare param name is dropped by a target and
//        stored again (its next use).
// Prints per-operation medians and the ratios (flat is 1x).
// Run with `npm run bench` (builds first). Numbers only; nothing is asserted.
import { QueryClient } from '@tanstack/query-core';
import { createMizanClient } from '../dist/esm/index.js';

const SIZES = [1_000, 10_000, 100_000];
const REACHED = 10;
const USER = 7;

const now = () => process.hrtime.bigint();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const fmt = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : `${(ns / 1e3).toFixed(2)} µs`);

/** Bundle i of n: n/10 users with 10 pages each, so `user_id: 7` reaches exactly 10 bundles. */
const paramsOf = (i, n) => ({ page: Math.floor(i / (n / REACHED)), user_id: i % (n / REACHED) });

function benchMizan(n, iterations) {
  const client = createMizanClient({ listen: false, invoke: () => new Promise(() => {}) });
  const bundle = (params) => ({ context: 'feed', params, data: { feed: [] }, errors: {} });
  for (let i = 0; i < n; i++) client.cache.setBundle(bundle(paramsOf(i, n)));
  const envelope = { result: null, invalidate: [{ context: 'feed', params: { user_id: USER } }] };
  const reachedParams = Array.from({ length: REACHED }, (_, page) => ({ page, user_id: USER }));
  const times = [];
  for (let r = 0; r < iterations; r++) {
    // Unsubscribed bundles are dropped when reached: put them back (untimed).
    for (const p of reachedParams) client.cache.setBundle(bundle(p));
    const t0 = now();
    const reached = client.applyTargets(envelope.invalidate, 'envelope');
    const t1 = now();
    if (reached !== REACHED) throw new Error(`mizan reached ${reached}, expected ${REACHED}`);
    times.push(Number(t1 - t0));
  }
  if (client.cache.size !== n - REACHED) throw new Error('unexpected cache size');
  client.destroy();
  return median(times);
}

async function benchTanstack(n, iterations) {
  const queryClient = new QueryClient();
  for (let i = 0; i < n; i++) queryClient.setQueryData(['mizan', 'feed', paramsOf(i, n)], { feed: [] });
  const filter = { queryKey: ['mizan', 'feed', { user_id: USER }] };
  if (queryClient.getQueryCache().findAll(filter).length !== REACHED) throw new Error('tanstack does not reach 10');
  const times = [];
  for (let r = 0; r < iterations; r++) {
    const t0 = now();
    await queryClient.invalidateQueries(filter);
    const t1 = now();
    times.push(Number(t1 - t0));
  }
  queryClient.clear();
  return median(times);
}

const rows = [];
for (const n of SIZES) {
  benchMizan(n, 50); // warm up
  const mizan = benchMizan(n, 2_000);
  await benchTanstack(n, 5);
  const tanstack = await benchTanstack(n, n >= 100_000 ? 30 : 200);
  rows.push({ n, mizan, tanstack });
  console.log(
    `${String(n).padStart(7)} bundles: mizan ${fmt(mizan).padStart(10)} | tanstack invalidateQueries ${fmt(tanstack).padStart(10)} | mizan/tanstack ${((mizan / tanstack) * 100).toFixed(3)}%`,
  );
}
const first = rows[0];
const last = rows[rows.length - 1];
console.log(`mizan ${last.n / 1000}k vs ${first.n / 1000}k: ${(last.mizan / first.mizan).toFixed(2)}x (flat is 1x)`);
console.log(`tanstack ${last.n / 1000}k vs ${first.n / 1000}k: ${(last.tanstack / first.tanstack).toFixed(2)}x`);
for (const r of rows) console.log(`mizan vs tanstack at ${r.n / 1000}k: ${((r.mizan / r.tanstack) * 100).toFixed(3)}% of tanstack's time`);

const LAYOUT_SIZES = [1_000, 100_000];
const bundleIn = (context) => (params) => ({ context, params, data: {}, errors: {} });

/** (a) n/2 bundles {a: i}, n/2 bundles {b: i}; the target {a: 1, b: 1} reaches {a: 1} and {b: 1}. */
function benchTwoParams(n, iterations) {
  const client = createMizanClient({ listen: false, invoke: () => new Promise(() => {}) });
  const bundle = bundleIn('mixed');
  for (let i = 0; i < n / 2; i++) {
    client.cache.setBundle(bundle({ a: i }));
    client.cache.setBundle(bundle({ b: i }));
  }
  const target = [{ context: 'mixed', params: { a: 1, b: 1 } }];
  const times = [];
  for (let r = 0; r < iterations; r++) {
    client.cache.setBundle(bundle({ a: 1 }));
    client.cache.setBundle(bundle({ b: 1 }));
    const t0 = now();
    const reached = client.applyTargets(target);
    const t1 = now();
    if (reached !== 2) throw new Error(`(a) reached ${reached}, expected 2`);
    times.push(Number(t1 - t0));
  }
  client.destroy();
  return median(times);
}

/** (b) n-1 bundles {user_id: i}, one {user_id: 0, tag: 'rare'}; drop it with {user_id: 0}, then store it again. */
function benchRareParam(n, iterations) {
  const client = createMizanClient({ listen: false, invoke: () => new Promise(() => {}) });
  const bundle = bundleIn('tagged');
  for (let i = 1; i < n; i++) client.cache.setBundle(bundle({ user_id: i }));
  const rare = bundle({ user_id: 0, tag: 'rare' });
  const target = [{ context: 'tagged', params: { user_id: 0 } }];
  client.cache.setBundle(rare);
  const times = [];
  for (let r = 0; r < iterations; r++) {
    const t0 = now();
    const reached = client.applyTargets(target);
    client.cache.setBundle(rare);
    const t1 = now();
    if (reached !== 1) throw new Error(`(b) reached ${reached}, expected 1`);
    times.push(Number(t1 - t0));
  }
  if (client.cache.size !== n) throw new Error('(b) unexpected cache size');
  client.destroy();
  return median(times);
}

const layouts = [
  ['(a) half {a}, half {b}; target {a: 1, b: 1} reaches 2', benchTwoParams],
  ['(b) the one bundle with a rare param: dropped by a target, stored again', benchRareParam],
];
for (const [name, bench] of layouts) {
  const times = LAYOUT_SIZES.map((n) => {
    bench(n, 50); // warm up
    return bench(n, n >= 100_000 ? 500 : 2_000);
  });
  const cells = LAYOUT_SIZES.map((n, i) => `${n / 1000}k ${fmt(times[i])}`).join(' | ');
  console.log(`${name}: ${cells} | ${LAYOUT_SIZES.at(-1) / 1000}k vs ${LAYOUT_SIZES[0] / 1000}k: ${(times.at(-1) / times[0]).toFixed(2)}x (flat is 1x)`);
}
process.exit(0);
