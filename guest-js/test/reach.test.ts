import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalParams, reaches, type Target } from '../src/index.js';
import { bundleKey } from '../src/canonical.js';

interface ReachCase {
  name: string;
  target: Target;
  bundle: Target;
  reaches: boolean;
}

// The one copy of the vectors lives in the repository's tests/ folder.
const vectorsPath = join(dirname(fileURLToPath(import.meta.url)), '../../tests/vectors/scoping.json');
const vectors = JSON.parse(readFileSync(vectorsPath, 'utf8')) as { reach: ReachCase[] };

describe('reach vectors (tests/vectors/scoping.json)', () => {
  it('has cases', () => {
    expect(vectors.reach.length).toBeGreaterThan(0);
  });
  it.each(vectors.reach.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(reaches(c.target, c.bundle)).toBe(c.reaches);
    // The same answer once both sides went through canonicalisation.
    expect(
      reaches(
        { context: c.target.context, params: canonicalParams(c.target.params) },
        { context: c.bundle.context, params: canonicalParams(c.bundle.params) },
      ),
    ).toBe(c.reaches);
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops white space', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}');
  });
  it('sorts by code point like UTF-8 bytes', () => {
    expect(canonicalJson({ '\uFF21': 1, '\u{1F600}': 2, a: 3 })).toBe('{"a":3,"\uFF21":1,"\u{1F600}":2}');
  });
  it('leaves null and undefined params out', () => {
    expect(canonicalParams({ user_id: null, page: undefined, org: 1 })).toEqual({ org: 1 });
    expect(bundleKey('user', canonicalParams({ b: 2, a: 1, c: null }))).toBe(bundleKey('user', canonicalParams({ a: 1, b: 2 })));
  });
  it('keeps strings and numbers apart', () => {
    expect(canonicalJson({ id: '5' })).not.toBe(canonicalJson({ id: 5 }));
  });
});
