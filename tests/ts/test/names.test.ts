// tests/golden/names.ts is generated from a registry whose names try to end
// the generated comments and strings (a context named `ctx*/ alert(2); /*`,
// fields renamed to `*/ globalThis.pwned = 1; /*`, ...). Loaded with the
// real runtime, it declares its exports and does nothing else; the wire
// names it sends are the names as the backend registered them.
import { expect, test } from 'vitest';
import { createMizanClient } from 'tauri-plugin-mizan-api';

test('the hostile module loads inertly and sends the exact wire names', async () => {
  const globals = new Set(Object.getOwnPropertyNames(globalThis));
  const names = await import('../../golden/names');
  expect(Object.getOwnPropertyNames(globalThis).filter((g) => !globals.has(g))).toEqual([]);
  expect(Object.keys(names).sort()).toEqual(['CTX_ALERT_2', 'hostileMark']);
  expect(names.CTX_ALERT_2.name).toBe('ctx*/ alert(2); /*');

  const sent: unknown[] = [];
  const client = createMizanClient({
    invoke: async (cmd, args) => {
      sent.push({ cmd, args });
      return { result: null, invalidate: [] };
    },
    listen: false,
    webviewLabel: null,
  });
  await names.hostileMark({ note_id: 1, mark: { '*/kind': 'a*/b' } }, client);
  expect(sent).toEqual([
    {
      cmd: 'plugin:mizan|call',
      args: { fn: 'hostile_mark', args: { note_id: 1, mark: { '*/kind': 'a*/b' } } },
    },
  ]);
});
