// End-to-end tests of Mizan Notes in the real WebKitGTK webview, driven
// through tauri-driver and WebKitWebDriver with plain WebDriver HTTP calls.
//
//   node e2e.mjs <path to the app binary>
//
// Needs a display (run.sh wraps it in xvfb-run). Starts tauri-driver, which
// starts WebKitWebDriver, which starts the app; reaps all of them at the end,
// on failure, on a signal, and after the overall time limit. Prints one line
// per test and closes with "N passed, N failed".
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const app = resolve(process.argv[2] ?? '');
const PORT = Number(process.env.E2E_PORT ?? 4444);
const NATIVE_PORT = Number(process.env.E2E_NATIVE_PORT ?? PORT + 1);
const TOTAL_LIMIT_MS = Number(process.env.E2E_TIMEOUT_MS ?? 240_000);
const WAIT_MS = 10_000;
const BASE = `http://127.0.0.1:${PORT}`;

const dataDir = mkdtempSync(join(tmpdir(), 'mizan-notes-e2e-'));
let driver;
let sessionId;

// --- processes -------------------------------------------------------------

function startDriver() {
  driver = spawn('tauri-driver', ['--port', String(PORT), '--native-port', String(NATIVE_PORT)], {
    // Its own process group, so WebKitWebDriver and the app go with it.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MIZAN_EXAMPLE_DATA_DIR: dataDir },
  });
  const log = [];
  driver.stdout.on('data', (d) => log.push(String(d)));
  driver.stderr.on('data', (d) => log.push(String(d)));
  driver.log = log;
  driver.on('exit', (code, signal) => {
    driver.exited = { code, signal };
  });
}

let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  if (sessionId) {
    // Closes the app; bounded, the group kill below is the backstop.
    await Promise.race([request('DELETE', `/session/${sessionId}`).catch(() => {}), sleep(5000)]);
  }
  if (driver && !driver.exited) {
    for (const sig of ['SIGTERM', 'SIGKILL']) {
      try {
        process.kill(-driver.pid, sig);
      } catch {
        break; // the group is gone
      }
      for (let i = 0; i < 20 && !driver.exited; i++) await sleep(100);
      if (driver.exited) break;
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.log(`e2e: interrupted by ${sig}`);
    cleanup().finally(() => process.exit(130));
  });
}

// --- WebDriver over HTTP ----------------------------------------------------

async function request(method, path, body) {
  const res = await fetch(BASE + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok || (json.value && json.value.error)) {
    const v = json.value ?? {};
    throw new Error(`WebDriver ${method} ${path}: ${v.error ?? res.status} ${v.message ?? ''}`.trim());
  }
  return json.value;
}

const s = (path) => `/session/${sessionId}${path}`;
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
const elementId = (ref) => {
  const id = ref?.[ELEMENT] ?? ref?.ELEMENT;
  if (typeof id !== 'string') throw new Error(`not an element reference: ${JSON.stringify(ref)}`);
  return id;
};

async function find(css) {
  return elementId(await request('POST', s('/element'), { using: 'css selector', value: css }));
}

async function findAll(css) {
  const v = await request('POST', s('/elements'), { using: 'css selector', value: css });
  return v.map(elementId);
}

async function exec(script, ...args) {
  return request('POST', s('/execute/sync'), { script, args });
}

async function click(css) {
  // Into view first, as a user would scroll: the main window's content scrolls.
  await exec('document.querySelector(arguments[0])?.scrollIntoView({ block: "center" })', css);
  await request('POST', s(`/element/${await find(css)}/click`), {});
}

async function type(css, text) {
  const el = await find(css);
  await request('POST', s(`/element/${el}/clear`), {});
  await request('POST', s(`/element/${el}/value`), { text });
}

/** Empties an input. */
async function clear(css) {
  await request('POST', s(`/element/${await find(css)}/clear`), {});
}

/** Sends keys to an element without clearing it (`\uE007` is Enter). */
async function press(css, keys) {
  await request('POST', s(`/element/${await find(css)}/value`), { text: keys });
}

/**
 * The element's rendered text (`innerText`). WebKitWebDriver's own "element
 * text" leaves out text clipped by `overflow: hidden` + `text-overflow`.
 */
async function text(css) {
  const t = await exec('const e = document.querySelector(arguments[0]); return e ? e.innerText : null', css);
  if (t === null) throw new Error(`no element ${css}`);
  return t;
}

/** Polls `probe` until it returns a truthy value; fails with `what` after WAIT_MS. */
async function waitFor(what, probe) {
  const deadline = Date.now() + WAIT_MS;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e.message;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

const textIs = (css, expected) =>
  waitFor(`${css} to read ${JSON.stringify(expected)}`, async () => (await text(css)) === expected);
const textHas = (css, expected) =>
  waitFor(`${css} to contain ${JSON.stringify(expected)}`, async () => (await text(css)).includes(expected));

let windows = {};
async function use(view) {
  await request('POST', s('/window'), { handle: windows[view] });
}

/** `plugin:mizan|ctx` calls this window made for one bundle. */
async function ctxCount(context, params) {
  return exec('return window.mizanDebug.ctxCount(arguments[0], arguments[1])', context, params);
}

/**
 * How often this window's copy of one bundle was refreshed: fetched through
 * `ctx`, or brought back fresh in a call's envelope (single-flight refresh).
 */
async function refreshes(context, params) {
  return exec(
    'return window.mizanDebug.ctxCount(arguments[0], arguments[1]) + window.mizanDebug.refreshCount(arguments[0], arguments[1])',
    context,
    params,
  );
}

/** Waits until this window has no IPC call in flight, twice in a row. */
async function settle() {
  let quiet = 0;
  await waitFor('the window to settle', async () => {
    quiet = (await exec('return window.mizanDebug.pending()')) === 0 ? quiet + 1 : 0;
    if (quiet < 3) await sleep(100);
    return quiet >= 3;
  });
}

// --- the tests ------------------------------------------------------------

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test("the main window's first screen is hydrated: its first render makes no ctx call", async () => {
  await use('main');
  await textIs('[data-testid=profile-name]', 'Ada Lovelace');
  await textHas('[data-testid=person-2]', '2 lists');
  await settle();
  const fetched = { people: await ctxCount('people', {}), user1: await ctxCount('user', { user_id: 1 }) };
  if (fetched.people !== 0 || fetched.user1 !== 0) {
    throw new Error(`the hydrated bundles were fetched: ${JSON.stringify(fetched)}`);
  }
  const first = await exec('return window.mizanFirstRender');
  if (!first || first.ctxCalls !== 0 || first.profile !== 'Ada Lovelace') {
    throw new Error(`the first render: ${JSON.stringify(first)}`);
  }
});

test("the ready signal waits for every card's data (a cold first run)", async () => {
  await use('main');
  const shown = await waitFor('the ready signal', () => exec('return window.mizanReadyScreen ?? null'));
  const problems = [];
  if (shown['list-title'] !== 'Today') problems.push(`list title ${JSON.stringify(shown['list-title'])}`);
  if (!('quote' in shown) && !('quote-error' in shown)) problems.push('no quote');
  if (!('sign-in' in shown) && !('journal-signed-in' in shown)) problems.push('an empty journal');
  if (!(shown.notes ?? '').includes('Send the Bernoulli table')) problems.push('no notes');
  if (problems.length > 0) throw new Error(`the screen at the ready signal: ${problems.join(', ')}`);
});

test('each note row draws its attach icon inline, with no glyph the font may lack', async () => {
  await use('main');
  await textHas('[data-testid=notes]', 'Send the Bernoulli table to Charles');
  const row = await exec(`
    const note = document.querySelector('[data-testid=notes] .note');
    return { svg: note.querySelectorAll('svg[data-testid=attach-icon]').length,
             text: note.querySelector('.attach').textContent };`);
  if (row.svg !== 1 || /[^\x00-\x7f]/.test(row.text)) throw new Error(`the attach control: ${JSON.stringify(row)}`);
});

test('the quote, journal and export cards are padded; the journal inputs do not touch', async () => {
  await use('main');
  await waitFor('the sign-in form', () => exec('return document.querySelector("[data-testid=sign-in-password]") !== null'));
  const layout = await exec(`
    const pad = (id) => parseFloat(getComputedStyle(document.querySelector('[data-testid=' + id + ']')).paddingLeft);
    const a = document.querySelector('[data-testid=sign-in-name]').getBoundingClientRect();
    const b = document.querySelector('[data-testid=sign-in-password]').getBoundingClientRect();
    return { daily: pad('daily'), journal: pad('journal'), exp: pad('export'), profile: pad('profile'), gap: b.left - a.right };`);
  if (
    layout.daily !== layout.profile ||
    layout.journal !== layout.profile ||
    layout.exp !== layout.profile ||
    layout.profile === 0 ||
    layout.gap < 4
  ) {
    throw new Error(`the cards' layout: ${JSON.stringify(layout)}`);
  }
});

test("the demo has none of the benchmark's plain commands (a build without `bench`)", async () => {
  await use('main');
  await exec(`window.mizanPlainEcho = null;
    window.__TAURI_INTERNALS__.invoke('plain_echo', { seed: 1, text: 'x' }).then(
      () => (window.mizanPlainEcho = 'answered'),
      (e) => (window.mizanPlainEcho = 'rejected: ' + String(e)));`);
  const outcome = await waitFor('plain_echo to settle', () => exec('return window.mizanPlainEcho'));
  if (!outcome.startsWith('rejected')) throw new Error(`plain_echo: ${outcome}`);
});

test('the page shows data from a bundle', async () => {
  await use('main');
  await textIs('[data-testid=profile-name]', 'Ada Lovelace');
  await textIs('[data-testid=list-title]', 'Today');
  await textHas('[data-testid=notes]', 'Send the Bernoulli table to Charles');
  await textIs('[data-testid=list-counts]', '3 open · 1 done');
  await textHas('[data-testid=person-2]', '2 lists');
  await use('companion');
  await textIs('[data-testid=c-profile-name]', 'Ada Lovelace');
  await textHas('[data-testid=c-notes]', 'Order more punched cards');
});

test('a mutation in window A updates window A and window B', async () => {
  await use('main');
  await type('[data-testid=note-input]', 'Oil the difference engine');
  await click('[data-testid=note-add]');
  await textHas('[data-testid=notes]', 'Oil the difference engine');
  await textIs('[data-testid=list-counts]', '4 open · 1 done');
  await use('companion');
  await textHas('[data-testid=c-notes]', 'Oil the difference engine');
  await textIs('[data-testid=c-list-counts]', '4 open · 1 done');
  await textHas('[data-testid=c-last-change]', 'Updated from the main window');
  // And back: window B writes, window A follows.
  await type('[data-testid=c-note-input]', 'Captured in the companion');
  await click('[data-testid=c-note-add]');
  await textHas('[data-testid=c-notes]', 'Captured in the companion');
  await use('main');
  await textHas('[data-testid=notes]', 'Captured in the companion');
  await textIs('[data-testid=list-counts]', '5 open · 1 done');
});

test('a tier-2 mutation for user 1 refreshes user 1 in its own round trip (single flight), not user 2 or 3', async () => {
  await use('main');
  await settle();
  const counts = async () => ({
    u1: await ctxCount('user', { user_id: 1 }),
    u2: await ctxCount('user', { user_id: 2 }),
    u3: await ctxCount('user', { user_id: 3 }),
    ipc: await exec('return Object.values(window.mizanDebug.snapshot().byCommand).reduce((a, b) => a + b, 0)'),
  });
  const before = await counts();
  if (before.u2 < 1 || before.u3 < 1) {
    throw new Error(`users 2 and 3 should have been fetched once: ${JSON.stringify(before)}`);
  }
  await click('[data-testid=profile-edit]');
  await type('[data-testid=profile-name-input]', 'Ada King');
  await click('[data-testid=profile-save]');
  await textIs('[data-testid=profile-name]', 'Ada King');
  await textHas('[data-testid=person-1]', 'Ada King');
  await settle();
  const after = await counts();
  // One IPC call: the mutation, whose envelope brought user 1 (and the
  // people list) back fresh; without single flight it takes 1 + N.
  if (after.ipc !== before.ipc + 1) throw new Error(`one IPC call expected: ${JSON.stringify({ before, after })}`);
  if (after.u1 !== before.u1 || after.u2 !== before.u2 || after.u3 !== before.u3) {
    throw new Error(`no user bundle may be fetched: ${JSON.stringify({ before, after })}`);
  }
  await use('companion');
  await textIs('[data-testid=c-profile-name]', 'Ada King');
});

test('a reload after a mutation shows fresh data, not the old snapshot', async () => {
  await use('main');
  await exec('location.reload()');
  await waitFor('the reloaded page', async () => (await exec('return window.mizanFirstRender ? 1 : 0')) === 1);
  // The initialization script ran again with the snapshot taken at start-up
  // ("Ada Lovelace"); the rename after it reached user 1, which refetches.
  await textIs('[data-testid=profile-name]', 'Ada King');
  await settle();
  const fetched = { user1: await ctxCount('user', { user_id: 1 }), people: await ctxCount('people', {}) };
  if (fetched.user1 !== 1) throw new Error(`user 1 should refetch once: ${JSON.stringify(fetched)}`);
  await textHas('[data-testid=person-1]', 'Ada King');
});

test('an application error appears as its typed message', async () => {
  await use('main');
  await click('[data-testid=profile-edit]');
  await type('[data-testid=profile-name-input]', 'Grace Hopper');
  await click('[data-testid=profile-save]');
  await textIs('[data-testid=profile-error]', '“Grace Hopper” is already taken by someone else.');
  const code = await exec('return document.querySelector("[data-testid=profile-error]").dataset.code');
  if (code !== 'app') throw new Error(`expected an app error, got ${code}`);
  await type('[data-testid=profile-name-input]', '   ');
  await click('[data-testid=profile-save]');
  await textIs('[data-testid=profile-error]', 'A name cannot be empty.');
  await click('.profile-form button.ghost'); // Cancel
  await textIs('[data-testid=profile-name]', 'Ada King');
});

test('a window whose capability denies delete_list gets forbidden, and the page says so', async () => {
  await use('companion');
  await click('[data-testid=c-delete-list]');
  await textHas('[data-testid=c-error]', 'This window is not allowed to do that');
  const code = await exec('return document.querySelector("[data-testid=c-error]").dataset.code');
  if (code !== 'forbidden') throw new Error(`expected forbidden, got ${code}`);
  await use('main');
  await textHas('[data-testid=person-1]', '3 lists');
  await textIs('[data-testid=list-title]', 'Today');
});

test('tier 1: moving a note refreshes exactly the two lists it names', async () => {
  await use('main');
  await settle();
  const ids = [1, 2, 3];
  const before = await Promise.all(ids.map((id) => refreshes('list', { list_id: id })));
  // The first open note of "Today" (list 1) moves to "Reading" (list 3).
  const [first] = await findAll('[data-testid=notes] li.note');
  const testid = await request('GET', s(`/element/${first}/attribute/data-testid`));
  const noteId = testid.replace('note-', '');
  await click(`[data-testid=move-${noteId}]`);
  await click(`[data-testid=move-${noteId}] option[value="3"]`);
  await waitFor('the note to leave Today', () =>
    exec('return !document.querySelector(arguments[0])', `[data-testid=notes] [data-testid=note-${noteId}]`),
  );
  await textIs('[data-testid=list-3] .badge', '2');
  await settle();
  const after = await Promise.all(ids.map((id) => refreshes('list', { list_id: id })));
  const delta = after.map((a, i) => a - before[i]);
  if (delta.join() !== '1,0,1') throw new Error(`expected list refreshes 1,0,1; got ${delta.join()}`);
});

test('tier 3: clearing done notes everywhere refreshes every list, in both windows', async () => {
  await use('companion');
  await settle();
  const companionBefore = await ctxCount('list', { list_id: 1 });
  await use('main');
  await settle();
  const ids = [1, 2, 3];
  const before = await Promise.all(ids.map((id) => refreshes('list', { list_id: id })));
  await click('[data-testid=clear-completed]');
  await textHas('[data-testid=list-counts]', '· 0 done');
  await settle();
  const after = await Promise.all(ids.map((id) => refreshes('list', { list_id: id })));
  if (!after.every((a, i) => a === before[i] + 1)) {
    throw new Error(`every list should be refreshed once: ${before.join()} -> ${after.join()}`);
  }
  await use('companion');
  await textHas('[data-testid=c-list-counts]', '· 0 done');
  const companionAfter = await ctxCount('list', { list_id: 1 });
  if (companionAfter !== companionBefore + 1) throw new Error('the companion should refetch its list once');
});

test('an attachment uploads in chunks with progress and downloads back byte for byte', async () => {
  await use('main');
  await settle();
  // Over the 4 MiB chunk size, with a name beyond ASCII.
  const size = 5 * 1024 * 1024 + 123;
  const name = 'résumé «ملف» 📄.bin';
  const expected = createHash('sha256')
    .update(Uint8Array.from({ length: size }, (_, i) => (i * 31 + 7) & 255))
    .digest('hex');
  const chunksBefore = (await exec('return window.mizanDebug.snapshot().byCommand'))['plugin:mizan|upload_chunk'] ?? 0;
  // What a user's file choice does: the input's files change.
  const noteId = await exec(
    `const input = document.querySelector('[data-testid^=attach-input-]');
     const bytes = new Uint8Array(arguments[0]);
     for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) & 255;
     const files = new DataTransfer();
     files.items.add(new File([bytes], arguments[1], { type: 'application/octet-stream' }));
     input.files = files.files;
     input.dispatchEvent(new Event('change', { bubbles: true }));
     return input.dataset.testid.slice('attach-input-'.length);`,
    size,
    name,
  );
  const box = `[data-testid=attachments-${noteId}]`;
  await textHas(box, name);
  await textHas(box, '5.0 MiB');
  const chunks = (await exec('return window.mizanDebug.snapshot().byCommand'))['plugin:mizan|upload_chunk'] - chunksBefore;
  if (chunks !== 2) throw new Error(`5 MiB should go up in 2 chunks, went in ${chunks}`);
  await click(`${box} [data-testid^=attachment-download-]`);
  const got = await waitFor('the downloaded bytes hashed', () =>
    exec(`const e = document.querySelector(arguments[0] + ' [data-testid^=attachment-sha256-]'); return e ? e.textContent : null`, box),
  );
  if (got !== expected) throw new Error(`the bytes came back different: sha256 ${got}, sent ${expected}`);
});

/** `export_status` through the plugin, from the current window. */
async function exportStatus() {
  const r = await request('POST', s('/execute/async'), {
    script: `const done = arguments[arguments.length - 1];
      window.__TAURI_INTERNALS__.invoke('plugin:mizan|call', { fn: 'export_status', args: {} })
        .then((e) => done(e.result), (e) => done({ error: JSON.stringify(e) }));`,
    args: [],
  });
  if (r.error) throw new Error(`export_status: ${r.error}`);
  return r;
}

const exportBar = () => exec('const b = document.querySelector("[data-testid=export-progress]"); return [b.value, b.max]');
const exportState = () => exec('return document.querySelector("[data-testid=export-status]").dataset.status');

test('export: the progress bar advances to the end', async () => {
  await use('main');
  await click('[data-testid=export-start]');
  await waitFor('the export to finish', async () => (await exportState()) === 'done');
  const [value, max] = await exportBar();
  if (!(max > 1 && value === max)) throw new Error(`the bar should be full: ${value} of ${max}`);
  await textHas('[data-testid=export-status]', `Exported ${max} notes.`);
  const status = await exportStatus();
  if (status.running !== 0) throw new Error(`nothing should run: ${JSON.stringify(status)}`);
});

test('export: Cancel stops the Rust function mid-way', async () => {
  await use('main');
  await click('[data-testid=export-start]');
  await waitFor('the bar to advance', async () => (await exportBar())[0] >= 2);
  if ((await exportStatus()).running !== 1) throw new Error('the export should be running');
  await click('[data-testid=export-cancel]');
  await waitFor('the page to say cancelled', async () => (await exportState()) === 'cancelled');
  const stopped = await waitFor('the export to stop', async () => {
    const st = await exportStatus();
    return st.running === 0 ? st : null;
  });
  await sleep(600); // five notes' time: a producer still running would write
  const later = await exportStatus();
  if (later.written !== stopped.written) throw new Error(`written after Cancel: ${stopped.written} -> ${later.written}`);
  const [value, max] = await exportBar();
  if (value >= max) throw new Error(`cancelled after the end: ${value} of ${max}`);
});

test('export: reloading the page drops its running export', async () => {
  await use('main');
  const before = (await exportStatus()).written;
  await click('[data-testid=export-start]');
  await waitFor('the bar to advance', async () => (await exportBar())[0] >= 1);
  const [, total] = await exportBar();
  await exec('location.reload()');
  const stopped = await waitFor('the export to stop', async () => {
    const st = await exportStatus().catch(() => null);
    return st && st.running === 0 ? st : null;
  });
  await sleep(600);
  const later = await exportStatus();
  if (later.written !== stopped.written) throw new Error(`written after the reload: ${stopped.written} -> ${later.written}`);
  if (stopped.written - before >= total) throw new Error(`the export ran to its end (${total} notes): the reload did not stop it`);
  await textIs('[data-testid=profile-name]', 'Ada King');
});

test('forms: invalid fields show their errors inline; fixed, they save and the data shows', async () => {
  await use('main');
  // New list: the title's rule (1 to 40 characters) shows under the field.
  await clear('[data-testid=new-list-title]');
  await press('[data-testid=new-list-title]', '\uE007');
  await textIs('[data-testid=new-list-error]', 'must be 1 to 40 characters');
  await type('[data-testid=new-list-title]', 'x'.repeat(41));
  await press('[data-testid=new-list-title]', '\uE007');
  await textIs('[data-testid=new-list-error]', 'must be 1 to 40 characters');
  await type('[data-testid=new-list-title]', 'Validated');
  await press('[data-testid=new-list-title]', '\uE007');
  await textIs('[data-testid=list-title]', 'Validated');
  if ((await exec('return document.querySelector("[data-testid=new-list-error]")')) !== null) {
    throw new Error('the title error stays after a valid submit');
  }

  // Edit profile: the URL and email rules, checked in the webview.
  await click('[data-testid=profile-edit]');
  await type('[data-testid=profile-website-input]', 'not a url');
  await type('[data-testid=profile-email-input]', 'ada');
  await click('[data-testid=profile-save]');
  await textIs('[data-testid=profile-website-error]', 'must be a URL');
  await textIs('[data-testid=profile-email-error]', 'must be an email address');
  // A rule only the server knows: its `invalid_form` error lands on the field.
  await type('[data-testid=profile-website-input]', 'https://ada.example.com/');
  await type('[data-testid=profile-email-input]', 'ada@example.com');
  await type('[data-testid=profile-name-input]', 'Admin');
  await click('[data-testid=profile-save]');
  await textIs('[data-testid=profile-name-error]', 'is reserved');
  const code = await exec('return document.querySelector("[data-testid=profile-name-error]").dataset.code');
  if (code !== 'reserved') throw new Error(`expected the server's code, got ${code}`);
  // Fixed: saved, and the profile shows the new data.
  await type('[data-testid=profile-name-input]', 'Ada King');
  await click('[data-testid=profile-save]');
  await textIs('[data-testid=profile-website]', 'https://ada.example.com/');
  await textIs('[data-testid=profile-email]', 'ada@example.com');
  await textIs('[data-testid=profile-name]', 'Ada King');
});

test('signed in as ada, then grace: no request or render shows ada\'s journal to grace', async () => {
  const ADA = 'Note G: the Bernoulli numbers';
  const GRACE = 'Relay 70, panel F';
  const bodyText = () => exec('return document.body.innerText');
  const answers = () => exec('return window.mizanDebug.answers()');
  const signIn = async (name, password) => {
    await type('[data-testid=sign-in-name]', name);
    await type('[data-testid=sign-in-password]', password);
    await click('[data-testid=sign-in-submit]');
  };
  for (const view of ['main', 'companion']) {
    await use(view);
    await exec('window.mizanDebug.recordAnswers()');
  }
  await use('main');
  await waitFor('the sign-in form', () => exec('return !!document.querySelector("[data-testid=sign-in]")'));
  await signIn('ada', 'not her password');
  await textIs('[data-testid=sign-in-error]', 'Wrong account name or password.');
  await signIn('ada', 'analytical');
  await textIs('[data-testid=journal-account]', 'ada');
  await textHas('[data-testid=journal-entries]', ADA);
  await use('companion');
  await textHas('[data-testid=c-session]', 'Signed in as ada (1 journal entries)');

  // Signing out in the second window clears both.
  const marks = {};
  for (const view of ['main', 'companion']) {
    await use(view);
    marks[view] = (await answers()).length;
  }
  await use('companion');
  await click('[data-testid=c-sign-out]');
  await textIs('[data-testid=c-session]', 'Not signed in');
  await use('main');
  await waitFor('the sign-in form after signing out', () =>
    exec('return !!document.querySelector("[data-testid=sign-in]")'),
  );
  if ((await bodyText()).includes(ADA)) throw new Error("ada's journal is still shown after signing out");

  await signIn('grace', 'compiler');
  await textIs('[data-testid=journal-account]', 'grace');
  await textHas('[data-testid=journal-entries]', GRACE);
  await use('companion');
  await textHas('[data-testid=c-session]', 'Signed in as grace (1 journal entries)');
  for (const view of ['main', 'companion']) {
    await use(view);
    await settle();
    if ((await bodyText()).includes(ADA)) throw new Error(`the ${view} window shows ada's journal to grace`);
    const since = (await answers()).slice(marks[view]);
    const leak = since.find((a) => a.includes(ADA));
    if (leak) throw new Error(`the ${view} window received ada's journal after she signed out: ${leak}`);
    if (!since.some((a) => a.includes(GRACE))) throw new Error(`the ${view} window never read grace's journal`);
  }
  // As found: no one signed in (the origin cache keys entries by identity).
  await use('main');
  await click('[data-testid=sign-out]');
  await waitFor('the sign-in form at the end', () => exec('return !!document.querySelector("[data-testid=sign-in]")'));
});

// Last: it restarts the app.
test('offline, the quote of the day stays with a stale badge; restarted offline, it shows at once', async () => {
  await use('main');
  const quote = '[data-testid=quote]';
  const before = await waitFor('a quote', async () => {
    const t = await text(quote);
    return t.includes('#') ? t : null;
  });
  if ((await exec('return document.querySelector("[data-testid=offline-badge]")')) !== null) {
    throw new Error('online, there is no offline badge');
  }
  await click('[data-testid=toggle-online]');
  await textHas('[data-testid=offline-badge]', 'offline, from');
  if ((await text(quote)) !== before) throw new Error(`offline, the quote changed: ${await text(quote)}`);

  // Restarted while offline: the last quote, before any network answer.
  await restart(['--offline']);
  await use('main');
  await textIs(quote, before);
  await textHas('[data-testid=offline-badge]', 'offline, from');
  await textIs('[data-testid=toggle-online]', 'Go online');
});

// --- main -------------------------------------------------------------------

/** Starts the app (a WebDriver session) with `args`, and finds its two windows. */
async function startApp(args = []) {
  const session = await request('POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: app, args } } },
  });
  sessionId = session.sessionId;

  // Both windows, told apart by the view their page renders.
  windows = {};
  const handles = await waitFor('two windows', async () => {
    const h = await request('GET', s('/window/handles'));
    return h.length >= 2 ? h : null;
  });
  for (const handle of handles) {
    await request('POST', s('/window'), { handle });
    const view = await waitFor('the page to start', () => exec('return document.body.dataset.view || null'));
    windows[view] = handle;
  }
  if (!windows.main || !windows.companion) throw new Error(`windows found: ${JSON.stringify(windows)}`);
}

/** Ends the app and starts it again over the same data dir. */
async function restart(args) {
  await request('DELETE', `/session/${sessionId}`);
  sessionId = undefined;
  await startApp(args);
}

async function main() {
  if (!process.argv[2]) throw new Error('usage: node e2e.mjs <app binary>');
  startDriver();
  await waitFor('tauri-driver to listen', async () => {
    if (driver.exited) throw new Error(`tauri-driver exited: ${driver.log.join('')}`);
    const res = await fetch(`${BASE}/status`).catch(() => null);
    return res !== null;
  });
  await startApp();

  for (const t of tests) {
    if (process.env.E2E_DEBUG && results.failed > 0) break;
    const start = Date.now();
    try {
      await t.fn();
      results.passed++;
      console.log(`ok   ${t.name} (${Date.now() - start} ms)`);
    } catch (e) {
      results.failed++;
      console.log(`FAIL ${t.name}: ${e.message}`);
      if (process.env.E2E_DEBUG) console.log(JSON.stringify(await exec('return window.mizanDebug.snapshot()')));
    }
  }
}

const results = { passed: 0, failed: 0 };

const limit = sleep(TOTAL_LIMIT_MS, 'timeout', { ref: false });
const outcome = await Promise.race([
  main().then(
    () => ({}),
    (e) => ({ error: e }),
  ),
  limit.then(() => ({ error: new Error(`gave up after ${TOTAL_LIMIT_MS / 1000} s`) })),
]);
await cleanup();
if (outcome.error) {
  // Every test that did not pass counts as failed.
  console.log(`e2e: ${outcome.error.message}`);
  results.failed = tests.length - results.passed;
}
console.log(`${results.passed} passed, ${results.failed} failed`);
process.exit(results.failed === 0 && !outcome.error ? 0 : 1);
