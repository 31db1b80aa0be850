// The request shapes of the plugin's commands are pinned by
// tests/golden/requests.json: the Rust tests send each to the real
// commands; here, guest-js (and the generated client) must send exactly them.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { createMizanClient } from 'tauri-plugin-mizan-api';
import * as api from '../../golden/fixture';

interface Pinned {
  cmd: string;
  args: Record<string, unknown>;
}

const pinned: Pinned[] = JSON.parse(
  readFileSync(new URL('../../golden/requests.json', import.meta.url), 'utf8'),
);

function recordingClient(answer: (cmd: string) => unknown) {
  const sent: Pinned[] = [];
  const client = createMizanClient({
    invoke: async (cmd, args) => {
      sent.push({ cmd, args: args ?? {} });
      return answer(cmd);
    },
    listen: false,
    webviewLabel: null,
  });
  return { client, sent };
}

const answers = (cmd: string) =>
  cmd === 'plugin:mizan|call'
    ? { result: 'hello Ada', invalidate: [] }
    : { context: 'user', params: { user_id: 5 }, data: {}, errors: {} };

describe('guest-js sends the pinned requests', () => {
  test('call, through the generated function', async () => {
    const { client, sent } = recordingClient(answers);
    await expect(api.hello({ name: 'Ada' }, client)).resolves.toBe('hello Ada');
    expect(sent).toEqual([pinned.find((p) => p.cmd === 'plugin:mizan|call')]);
  });

  test('ctx, through the generated descriptor', async () => {
    const { client, sent } = recordingClient(answers);
    await client.fetchBundle(api.USER, { user_id: 5 });
    expect(sent).toEqual([pinned.find((p) => p.cmd === 'plugin:mizan|ctx')]);
  });

  test('generated functions send the Rust param names, unchanged', async () => {
    const { client, sent } = recordingClient(() => ({ result: 5, invalidate: [] }));
    await api.renameById({ id: 5, name: 'Ada' }, client);
    expect(sent).toEqual([{ cmd: 'plugin:mizan|call', args: { fn: 'rename_by_id', args: { id: 5, name: 'Ada' } } }]);
  });

  test('an app error rejects with the typed details', async () => {
    const client = createMizanClient({
      invoke: async () => {
        throw { code: 'app', message: 'failed', fn: 'update_profile', details: { kind: 'too_long', max: 3 }, invalidate: [] };
      },
      listen: false,
      webviewLabel: null,
    });
    const error = await api.updateProfile({ user_id: 1, name: 'Ada' }, client).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'app', details: { kind: 'too_long', max: 3 } });
  });
});
