import { afterEach, describe, expect, it } from 'vitest';
import { MizanError, createMizanClient, type InvokeFn, type InvokeOptions, type Target } from '../src/index.js';
import { prepareUpload } from '../src/upload.js';

interface Sent {
  cmd: string;
  body: unknown;
  headers: Record<string, string> | undefined;
}

/** A backend that assembles uploads as the plugin does, and answers envelopes. */
function backend(answer: (fn: string, args: Record<string, unknown>, bytes: Uint8Array) => unknown = () => ({ result: 'ok', invalidate: [] })) {
  const sent: Sent[] = [];
  const pending = new Map<string, { fn: string; args: Record<string, unknown>; total: number; parts: Uint8Array[]; received: number }>();
  let ids = 0;
  const concat = (parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  };
  const invoke = (async (cmd: string, body?: unknown, options?: InvokeOptions) => {
    // Copy: a view into the caller's buffer may change later.
    const copy = body instanceof Uint8Array ? body.slice() : body;
    sent.push({ cmd, body: copy, headers: options?.headers });
    const meta = options?.headers?.['mizan-upload'];
    const header = meta === undefined ? undefined : JSON.parse(decodeURIComponent(meta));
    switch (cmd) {
      case 'plugin:mizan|upload':
        return answer(header.fn, header.args, copy as Uint8Array);
      case 'plugin:mizan|upload_begin': {
        const b = body as { fn: string; args: Record<string, unknown>; files: { size: number }[] };
        const id = `u${++ids}`;
        pending.set(id, { fn: b.fn, args: b.args, total: b.files.reduce((n, f) => n + f.size, 0), parts: [], received: 0 });
        return { id };
      }
      case 'plugin:mizan|upload_chunk': {
        const p = pending.get(header.id)!;
        if (header.offset !== p.received) throw { code: 'invalid_args', message: 'out of order' };
        p.parts.push(copy as Uint8Array);
        p.received += (copy as Uint8Array).byteLength;
        if (p.received < p.total) return { received: p.received };
        pending.delete(header.id);
        return answer(p.fn, p.args, concat(p.parts));
      }
      case 'plugin:mizan|upload_cancel':
        return { cancelled: pending.delete((body as { id: string }).id) };
      default:
        throw new Error(`unexpected ${cmd}`);
    }
  }) as InvokeFn;
  return { invoke, sent, pending };
}

function bytes(n: number): Uint8Array<ArrayBuffer> {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7) % 256);
}

afterEach(() => {
  delete (globalThis as { __MIZAN_UPLOAD__?: unknown }).__MIZAN_UPLOAD__;
});

describe('prepareUpload', () => {
  it('puts placeholders where files go, in order', () => {
    const blob = new Blob(['abc'], { type: 'text/plain' });
    const file = new File([new Uint8Array(5)], 'résumé 📄.pdf', { type: 'application/pdf' });
    const p = prepareUpload({ id: 3, cover: blob, pages: [file, new ArrayBuffer(2)], tags: ['a'], empty: [] });
    expect(p.args).toEqual({ id: 3, cover: { $upload: 0 }, pages: [{ $upload: 1 }, { $upload: 2 }], tags: ['a'], empty: [] });
    expect(p.meta).toEqual([
      { name: '', type: 'text/plain', size: 3 },
      { name: 'résumé 📄.pdf', type: 'application/pdf', size: 5 },
      { name: '', type: '', size: 2 },
    ]);
    expect(p.total).toBe(10);
  });
});

describe('upload', () => {
  it('sends one raw body with a percent-encoded header below the chunk size', async () => {
    const b = backend((fn, args, body) => ({ result: { fn, args, body: [...body] }, invalidate: [] }));
    const client = createMizanClient({ invoke: b.invoke, listen: false });
    const progress: number[] = [];
    const file = new File([new Uint8Array([1, 2]), new Uint8Array([3])], 'ملف «1».txt', { type: 'text/plain' });
    const result = await client.upload<{ fn: string; args: unknown; body: number[] }>(
      'attach',
      { note_id: 1, file, extra: new Uint8Array([9, 8]).subarray(1) },
      { onProgress: (p) => progress.push(p.loaded) },
    );
    expect(result).toEqual({ fn: 'attach', args: { note_id: 1, file: { $upload: 0 }, extra: { $upload: 1 } }, body: [1, 2, 3, 8] });
    expect(b.sent).toHaveLength(1);
    const header = b.sent[0]!.headers!['mizan-upload']!;
    expect(header).toMatch(/^[\x21-\x7e]+$/);
    expect(JSON.parse(decodeURIComponent(header)).files[0]).toEqual({ name: 'ملف «1».txt', type: 'text/plain', size: 3 });
    expect(b.sent[0]!.body).toBeInstanceOf(Uint8Array);
    expect(progress).toEqual([4]);
  });

  it('sends zero bytes', async () => {
    const b = backend((_fn, _args, body) => ({ result: body.byteLength, invalidate: [] }));
    const client = createMizanClient({ invoke: b.invoke, listen: false });
    expect(await client.upload('f', { file: new Uint8Array(0) })).toBe(0);
  });

  it('chunks above the chunk size, across file boundaries, with progress', async () => {
    const b = backend((_fn, _args, body) => ({ result: [...body], invalidate: [] }));
    const client = createMizanClient({ invoke: b.invoke, listen: false });
    const a = bytes(7);
    const blob = new Blob([bytes(6)]);
    const progress: Array<[number, number]> = [];
    const result = await client.upload<number[]>('f', { files: [a, blob] }, {
      chunkBytes: 5,
      onProgress: (p) => progress.push([p.loaded, p.total]),
    });
    expect(result).toEqual([...a, ...bytes(6)]);
    expect(b.sent.map((s) => s.cmd)).toEqual([
      'plugin:mizan|upload_begin',
      'plugin:mizan|upload_chunk',
      'plugin:mizan|upload_chunk',
      'plugin:mizan|upload_chunk',
    ]);
    expect(b.sent.slice(1).map((s) => (s.body as Uint8Array).byteLength)).toEqual([5, 5, 3]);
    expect(b.sent.slice(1).map((s) => JSON.parse(decodeURIComponent(s.headers!['mizan-upload']!)).offset)).toEqual([0, 5, 10]);
    expect(progress).toEqual([
      [5, 13],
      [10, 13],
      [13, 13],
    ]);
  });

  it('refuses an upload over the limit before sending anything', async () => {
    (globalThis as { __MIZAN_UPLOAD__?: unknown }).__MIZAN_UPLOAD__ = { maxBytes: 10 };
    const b = backend();
    const client = createMizanClient({ invoke: b.invoke, listen: false });
    const error = await client.upload('f', { file: bytes(11) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MizanError);
    expect((error as MizanError).code).toBe('payload_too_large');
    expect((error as MizanError).details).toEqual({ size: 11, limit: 10 });
    expect(b.sent).toHaveLength(0);
    expect(await client.upload('f', { file: bytes(10) })).toBe('ok');
  });

  it('an abort cancels the upload in the backend', async () => {
    const b = backend();
    const client = createMizanClient({ invoke: b.invoke, listen: false });
    const controller = new AbortController();
    const run = client.upload('f', { file: bytes(20) }, {
      chunkBytes: 4,
      onProgress: (p) => {
        if (p.loaded === 8) controller.abort(new Error('stop'));
      },
      signal: controller.signal,
    });
    const error = await run.catch((e: unknown) => e);
    expect((error as MizanError).code).toBe('aborted');
    expect(((error as MizanError).cause as Error).message).toBe('stop');
    expect(b.sent.map((s) => s.cmd).slice(-1)).toEqual(['plugin:mizan|upload_cancel']);
    expect(b.sent.filter((s) => s.cmd === 'plugin:mizan|upload_chunk')).toHaveLength(2);
    expect(b.pending.size).toBe(0);

    // Aborted before it starts: nothing is sent.
    const sentBefore = b.sent.length;
    await expect(client.upload('f', { file: bytes(3) }, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(MizanError);
    expect(b.sent).toHaveLength(sentBefore);
  });

  it('a failed chunk cancels, the error is typed', async () => {
    const b = backend();
    const failing = (async (cmd: string, body?: unknown, options?: InvokeOptions) => {
      if (cmd === 'plugin:mizan|upload_chunk' && b.sent.length > 2) {
        b.sent.push({ cmd, body, headers: options?.headers });
        throw { code: 'invalid_args', message: 'out of order', fn: null, details: {}, invalidate: [] };
      }
      return b.invoke(cmd, body as Record<string, unknown>, options);
    }) as InvokeFn;
    const client = createMizanClient({ invoke: failing, listen: false });
    const error = await client.upload('f', { file: bytes(20) }, { chunkBytes: 4 }).catch((e: unknown) => e);
    expect((error as MizanError).code).toBe('invalid_args');
    expect(b.sent.at(-1)!.cmd).toBe('plugin:mizan|upload_cancel');
    expect(b.pending.size).toBe(0);
  });

  it('applies the envelope targets as a call does', async () => {
    const target: Target = { context: 'notes', params: { note_id: 1 } };
    const b = backend(() => ({ result: 3, invalidate: [target] }));
    const client = createMizanClient({ invoke: b.invoke, listen: false });
    const seen: Target[][] = [];
    client.onInvalidate((targets) => {
      seen.push([...targets]);
    });
    expect(await client.upload('attach', { note_id: 1, file: bytes(3) })).toBe(3);
    expect(seen).toEqual([[target]]);
  });

  it('binary answers become a Uint8Array', async () => {
    const invoke = (async () => new Uint8Array([1, 2, 3]).buffer) as InvokeFn;
    const client = createMizanClient({ invoke, listen: false });
    const result = await client.call<Uint8Array>('download', { id: 1 });
    expect(result).toBeInstanceOf(Uint8Array);
    expect([...result]).toEqual([1, 2, 3]);
  });
});
