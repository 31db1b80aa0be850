import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** The modules reachable from a source entry through relative imports. */
function graph(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const text = readFileSync(join(src, file), 'utf8');
    seen.set(file, text);
    for (const m of text.matchAll(/from '\.\/([\w-]+)\.js'/g)) visit(`${m[1]}.ts`);
  };
  visit(entry);
  return seen;
}

describe('entry points', () => {
  it('the core imports neither React nor TanStack', () => {
    for (const [file, text] of graph('index.ts')) {
      expect(text, file).not.toMatch(/from 'react'|from '@tanstack\//);
    }
  });
  it('the react entry does not import TanStack, the tanstack entry does not import React', () => {
    for (const [file, text] of graph('react.ts')) expect(text, file).not.toMatch(/from '@tanstack\//);
    for (const [file, text] of graph('tanstack.ts')) expect(text, file).not.toMatch(/from 'react'/);
  });
});
