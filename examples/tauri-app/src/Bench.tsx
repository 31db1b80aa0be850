// The benchmark mode: times, in this real webview, what Mizan costs and
// saves against plain Tauri commands with the same Rust bodies, then hands
// the report to the backend, which prints it and exits.
import { Channel, invoke } from '@tauri-apps/api/core';
import { useEffect, useState } from 'react';
import { createMizanClient, type MizanClient } from 'tauri-plugin-mizan-api';
import {
  BENCH,
  benchEcho,
  benchEchoAsync,
  benchFinish,
  benchPaint,
  benchStream,
  benchUpload,
  benchUploadJson,
  type PaintTime,
} from './generated/mizan';

interface Row {
  name: string;
  a: string;
  aMs: number;
  b: string;
  bMs: number;
  /** How many times faster `b` is than `a` (or `a` / `b` as a cost ratio). */
  ratio: number;
  target: string;
  met: boolean | null;
  /** What `aMs` and `bMs` count when they are not milliseconds. */
  unit?: string;
}

const ROUNDS = 16;

/** Mean time per operation of `op`, run `n` times one after another. */
async function timeOps(n: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await op(i);
  return (performance.now() - t0) / n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Runs `a` (`n` times) and `b` (`nb` times) in alternating rounds, to spread
 * drift over both, and returns the median per-operation times. Rounds are
 * long enough (over 100 ms for IPC) that the webview's coarse clock does
 * not matter.
 */
async function compare(
  n: number,
  a: (i: number) => Promise<unknown>,
  b: (i: number) => Promise<unknown>,
  nb = n,
): Promise<[number, number]> {
  await timeOps(Math.min(n, 50), a);
  await timeOps(Math.min(nb, 50), b);
  const as: number[] = [];
  const bs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      as.push(await timeOps(n, a));
      bs.push(await timeOps(nb, b));
    } else {
      bs.push(await timeOps(nb, b));
      as.push(await timeOps(n, a));
    }
  }
  return [median(as), median(bs)];
}

const PARTS = [1, 2, 3, 4, 5, 6, 7, 8];

async function runBench(client: MizanClient, progress: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];

  progress('call vs a plain command');
  const args = (i: number) => ({ seed: i, text: 'hello' });
  const [syncCall, syncPlain] = await compare(
    300,
    (i) => benchEcho(args(i), client),
    (i) => invoke('plain_echo', args(i)),
  );
  rows.push({
    name: 'Mizan call vs plain Tauri command, same sync body',
    a: 'call',
    aMs: syncCall,
    b: 'plain invoke',
    bMs: syncPlain,
    ratio: syncCall / syncPlain,
    target: 'call / plain ≤ 1.10x',
    met: syncCall / syncPlain <= 1.1,
  });
  // Where the difference goes: the same call as a bare plugin invoke (no
  // client), against the plain command.
  const [rawCall, rawPlain] = await compare(
    300,
    (i) => invoke('plugin:mizan|call', { fn: 'bench_echo', args: args(i) }),
    (i) => invoke('plain_echo', args(i)),
  );
  rows.push({
    name: 'the same call as a bare invoke of plugin:mizan|call (no client) vs the plain command',
    a: 'bare plugin invoke',
    aMs: rawCall,
    b: 'plain invoke',
    bMs: rawPlain,
    ratio: rawCall / rawPlain,
    target: '(for reference)',
    met: null,
  });
  const [asyncCall, asyncPlain] = await compare(
    300,
    (i) => benchEchoAsync(args(i), client),
    (i) => invoke('plain_echo_async', args(i)),
  );
  rows.push({
    name: 'Mizan call vs plain Tauri command, same async body',
    a: 'call',
    aMs: asyncCall,
    b: 'plain invoke',
    bMs: asyncPlain,
    ratio: asyncCall / asyncPlain,
    target: 'call / plain ≤ 1.10x',
    met: asyncCall / asyncPlain <= 1.1,
  });

  progress('one bundle of 8 vs 8 invokes');
  const bundle = (i: number) => client.fetchBundle(BENCH, { seed: i });
  const [seqMs, bundleMs] = await compare(
    100,
    async (i) => {
      for (const p of PARTS) await invoke(`plain_part_${p}`, { seed: i });
    },
    bundle,
  );
  rows.push({
    name: 'ctx bundle of 8 functions vs 8 sequential invokes',
    a: '8 invokes, awaited in turn',
    aMs: seqMs,
    b: '1 ctx',
    bMs: bundleMs,
    ratio: seqMs / bundleMs,
    target: '≥ 4x faster',
    met: seqMs / bundleMs >= 4,
  });
  const [parMs, bundleMs2] = await compare(
    100,
    (i) => Promise.all(PARTS.map((p) => invoke(`plain_part_${p}`, { seed: i }))),
    bundle,
  );
  rows.push({
    name: 'ctx bundle of 8 functions vs 8 concurrent invokes',
    a: '8 invokes, Promise.all',
    aMs: parMs,
    b: '1 ctx',
    bMs: bundleMs2,
    ratio: parMs / bundleMs2,
    target: '(for reference)',
    met: null,
  });

  progress('a stream of 100,000 items vs a plain Channel');
  const STREAM_ITEMS = 100_000;
  const viaMizan = async (count: number) => {
    let seen = 0;
    for await (const n of benchStream({ count }, { client })) {
      if (n !== seen) throw new Error(`item ${seen} arrived as ${n}`);
      seen++;
    }
    if (seen !== count) throw new Error(`${seen} of ${count} items`);
  };
  const viaChannel = (count: number) =>
    new Promise<void>((resolve, reject) => {
      let seen = 0;
      const channel = new Channel<number>((n) => {
        if (n !== seen) reject(new Error(`item ${seen} arrived as ${n}`));
        if (++seen === count) resolve();
      });
      invoke('plain_stream', { count, channel }).catch(reject);
    });
  await viaMizan(1000);
  await viaChannel(1000);
  const streamMs: number[] = [];
  const channelMs: number[] = [];
  // Two rounds, in both orders: the plain Channel takes seconds per run.
  for (let r = 0; r < 2; r++) {
    const order = r % 2 === 0 ? [viaMizan, viaChannel] : [viaChannel, viaMizan];
    for (const run of order) {
      const t0 = performance.now();
      await run(STREAM_ITEMS);
      (run === viaMizan ? streamMs : channelMs).push(performance.now() - t0);
    }
  }
  const [mizanStream, plainChannel] = [median(streamMs), median(channelMs)];
  rows.push({
    name: `a stream of ${STREAM_ITEMS} small items, for await, vs a plain Channel command sending them one by one`,
    a: 'plain Channel',
    aMs: plainChannel,
    b: 'Mizan stream',
    bMs: mizanStream,
    ratio: plainChannel / mizanStream,
    target: 'Mizan not slower (≥ 1x)',
    met: plainChannel / mizanStream >= 1,
  });

  progress('a mutation and its refreshed view: single flight vs envelope then refetch');
  // One subscribed bundle that the mutation reaches; `call` settles once the
  // view is fresh either way (the refetch is awaited).
  const unsubscribe = client.subscribe(BENCH, { seed: 7 }, () => {});
  await client.ensureBundle(BENCH, { seed: 7 });
  const [refetchMs, flightMs] = await compare(
    100,
    () => client.call('bench_touch', { seed: 7 }, { refresh: false }),
    () => client.call('bench_touch', { seed: 7 }),
  );
  unsubscribe();
  rows.push({
    name: 'a mutation plus its refreshed view (a bundle of 8): envelope then refetch vs single flight',
    a: 'call, then ctx',
    aMs: refetchMs,
    b: 'call with refresh',
    bMs: flightMs,
    ratio: refetchMs / flightMs,
    target: '≥ 1.6x faster',
    met: refetchMs / flightMs >= 1.6,
  });

  rows.push(...(await paintBench(progress)));

  progress('cached vs uncached reads');
  await client.ensureBundle(BENCH, { seed: 1 });
  const [uncachedMs, cachedMs] = await compare(
    100,
    () => client.fetchBundle(BENCH, { seed: 1 }),
    () => client.ensureBundle(BENCH, { seed: 1 }),
    20_000,
  );
  rows.push({
    name: 'cached context read vs uncached',
    a: 'uncached (IPC)',
    aMs: uncachedMs,
    b: 'cached',
    bMs: cachedMs,
    ratio: uncachedMs / cachedMs,
    target: '(for reference)',
    met: null,
  });
  rows.push(...(await uploadBench(client, progress)));
  return rows;
}

/**
 * First paint (SPEC 6.7): new windows showing the main window's first
 * screen, hydrated or fetching it, in alternating rounds. The backend times
 * each from the start of its creation (the snapshot included) to its report
 * that the data is painted; the page also says how long that took from its
 * own start.
 */
async function paintBench(progress: (s: string) => void): Promise<Row[]> {
  progress('first paint of a new window: hydrated vs fetched');
  const ROUNDS_PAINT = 10;
  const hydrated: PaintTime[] = [];
  const fetched: PaintTime[] = [];
  let round = 0;
  const open = (h: boolean) => benchPaint({ hydrated: h, round: round++ });
  // One of each first: the first window of a run pays for WebKit's caches.
  await open(true);
  await open(false);
  for (let r = 0; r < ROUNDS_PAINT; r++) {
    const order = r % 2 === 0 ? [true, false] : [false, true];
    for (const h of order) (h ? hydrated : fetched).push(await open(h));
  }
  const total = (ts: PaintTime[]) => median(ts.map((t) => t.total_ms));
  const page = (ts: PaintTime[]) => median(ts.map((t) => t.page_ms));
  const [fetchedMs, hydratedMs] = [total(fetched), total(hydrated)];
  const [fetchedPage, hydratedPage] = [page(fetched), page(hydrated)];
  const snapshotMs = median(hydrated.map((t) => t.snapshot_ms));
  const empty = (ts: PaintTime[]) => median(ts.map((t) => t.empty_frames));
  return [
    {
      name: "a new window's first screen painted with data, from the start of its creation: fetched vs hydrated",
      a: 'fetched (ctx)',
      aMs: fetchedMs,
      b: 'hydrated',
      bMs: hydratedMs,
      ratio: fetchedMs / hydratedMs,
      target: '≥ 2x faster',
      met: fetchedMs / hydratedMs >= 2,
    },
    {
      name: "the same, from the page's own start (window and web process creation left out)",
      a: 'fetched (ctx)',
      aMs: fetchedPage,
      b: 'hydrated',
      bMs: hydratedPage,
      ratio: fetchedPage / hydratedPage,
      target: '(for reference)',
      met: null,
    },
    {
      name: "computing the hydrated window's snapshot, of its creation time",
      a: 'creation to paint',
      aMs: hydratedMs,
      b: 'snapshot',
      bMs: snapshotMs,
      ratio: hydratedMs / snapshotMs,
      target: '(for reference)',
      met: null,
    },
    {
      name: 'frames painted before the data was there (counts, not ms): fetched vs hydrated',
      a: 'fetched',
      aMs: empty(fetched),
      b: 'hydrated',
      bMs: empty(hydrated),
      ratio: empty(fetched) - empty(hydrated),
      target: '(ratio: the difference)',
      met: null,
      unit: 'frames',
    },
  ];
}

const MiB = 1024 * 1024;

function pattern(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 255;
  return bytes;
}

/** Median time of `n` runs of `op`, one after another. */
async function timeEach(n: number, op: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await op();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** The main thread's worst stall (ms) while `op` runs, from the backend's probe. */
async function worstStall(op: () => Promise<unknown>): Promise<number> {
  await invoke('stall_start');
  await new Promise((r) => setTimeout(r, 50));
  await op();
  return (await invoke('stall_stop')) as number;
}

/** Uploads (SPEC 6.2): raw bodies against JSON and a plain command; UI stalls, chunked and not. */
async function uploadBench(client: MizanClient, progress: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const file = pattern(64 * MiB);
  const expected = 64 * MiB + file[0]!;
  const check = (n: unknown) => {
    if (n !== expected) throw new Error(`the backend counted ${String(n)} bytes`);
  };
  const upload = (chunkBytes?: number) => benchUpload({ file }, client, { chunkBytes }).then(check);
  const plain = () => invoke('plain_upload', file).then(check);

  progress('64 MiB: upload vs a plain raw-body command');
  await upload();
  await plain();
  await upload(Infinity);
  // Alternating rounds spread drift (and other load) over the three ways.
  const ways = [() => upload(), plain, () => upload(Infinity)];
  const times: number[][] = [[], [], []];
  for (let r = 0; r < 6; r++) {
    for (let k = 0; k < ways.length; k++) {
      const w = (k + r) % ways.length;
      times[w]!.push(await timeEach(1, ways[w]!));
    }
  }
  const [uploadMs, plainMs, oneMessageMs] = times.map(median) as [number, number, number];
  rows.push({
    name: '64 MiB upload (chunks of 4 MiB) vs a plain Tauri command taking the raw body (one message)',
    a: 'Mizan upload',
    aMs: uploadMs,
    b: 'plain invoke',
    bMs: plainMs,
    ratio: uploadMs / plainMs,
    target: 'upload / plain ≤ 1.20x',
    met: uploadMs / plainMs <= 1.2,
  });
  rows.push({
    name: '64 MiB upload in one message vs the plain raw-body command',
    a: 'Mizan upload, one message',
    aMs: oneMessageMs,
    b: 'plain invoke',
    bMs: plainMs,
    ratio: oneMessageMs / plainMs,
    target: '(for reference)',
    met: null,
  });

  progress('64 MiB: chunk sizes');
  for (const chunk of [1, 4, 16, 64]) {
    let ms = 0;
    const stall = await worstStall(async () => {
      ms = await timeEach(1, () => upload(chunk * MiB));
    });
    rows.push({
      name: `64 MiB upload in chunks of ${chunk} MiB: time, and the main thread's longest stall`,
      a: 'time',
      aMs: ms,
      b: 'longest stall',
      bMs: stall,
      ratio: ms / uploadMs,
      target: '(ratio: time / chunks of 4 MiB)',
      met: null,
    });
  }

  progress('64 MiB: upload vs a JSON number array');
  const jsonMs = await timeEach(1, () => benchUploadJson({ bytes: Array.from(file) }, client).then(check));
  rows.push({
    name: '64 MiB upload vs the same bytes as a JSON number array through call',
    a: 'JSON number array',
    aMs: jsonMs,
    b: 'Mizan upload',
    bMs: uploadMs,
    ratio: jsonMs / uploadMs,
    target: '≥ 100x faster',
    met: jsonMs / uploadMs >= 100,
  });

  progress('256 MiB: the main thread stalls, chunked vs one message');
  const big = pattern(256 * MiB);
  const bigExpected = 256 * MiB + big[0]!;
  const bigUpload = (chunkBytes?: number) =>
    benchUpload({ file: big }, client, { chunkBytes }).then((n) => {
      if (n !== bigExpected) throw new Error(`the backend counted ${n} bytes`);
    });
  const chunkedStall = await worstStall(() => bigUpload());
  const oneStall = await worstStall(() => bigUpload(Infinity));
  rows.push({
    name: "256 MiB upload: the main thread's longest stall",
    a: 'one message',
    aMs: oneStall,
    b: 'chunks of 4 MiB',
    bMs: chunkedStall,
    ratio: oneStall / chunkedStall,
    target: '(chunked stalls less)',
    met: chunkedStall < oneStall,
  });
  return rows;
}

function fmt(ms: number, unit?: string): string {
  if (unit) return `${ms} ${unit}`;
  return ms >= 1 ? `${ms.toFixed(3)} ms` : `${(ms * 1000).toFixed(1)} µs`;
}

function report(rows: Row[]): string {
  const lines = ['Mizan bench (real webview, medians of per-round means):'];
  for (const r of rows) {
    const verdict = r.met === null ? '' : r.met ? '  [target met]' : '  [target MISSED]';
    lines.push(
      `  ${r.name}: ${r.a} ${fmt(r.aMs, r.unit)}, ${r.b} ${fmt(r.bMs, r.unit)}; ratio ${r.ratio.toFixed(2)}x; ${r.target}${verdict}`,
    );
  }
  return lines.join('\n');
}

export function BenchScreen() {
  const [step, setStep] = useState('starting');
  const [rows, setRows] = useState<Row[] | null>(null);
  useEffect(() => {
    // A client of its own, without the IPC counter or the event listener,
    // so only Mizan's own work is timed.
    const client = createMizanClient({ listen: false });
    let done = false;
    runBench(client, setStep)
      .then(async (r) => {
        done = true;
        setRows(r);
        await benchFinish({ report: report(r), ok: true });
      })
      .catch(async (e: unknown) => {
        if (done) return;
        await benchFinish({ report: `bench failed: ${String(e)}`, ok: false });
      });
  }, []);
  return (
    <div className="bench">
      <h1>Benchmark</h1>
      {rows === null ? (
        <p className="meta">Running: {step}…</p>
      ) : (
        <table>
          <tbody>
            {rows.map((r) => (
              <tr key={r.name}>
                <td>{r.name}</td>
                <td className="num">{r.ratio.toFixed(2)}x</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
