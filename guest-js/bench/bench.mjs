// Applying one envelope that reaches 10 bundles, in caches of 1k, 10k and
// 100k bundles: the Mizan cache (indexed by context and param value) against
// TanStack Query's invalidateQueries with a partial query key on the same
// number of queries. Prints per-operation medians and the ratios.
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
process.exit(0);
