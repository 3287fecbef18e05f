import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as keys from '../../functions/adapters/dynamo/keys.ts';

/**
 * docs/data-model.md and functions/adapters/dynamo/keys.ts describe the same table: every item kind
 * of keys.ts has a section in the doc with its key shape, and the doc names no kind or key prefix
 * that keys.ts lacks.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const doc = readFileSync(join(ROOT, 'docs', 'data-model.md'), 'utf8');
/** The state table's part; the local engine's own table follows it. */
const stateDoc = doc.split(/^## Local engine table/m)[0]!;

type KeyFn = (...args: string[]) => unknown;

/** A builder's parameter names, read from its source. */
function params(fn: KeyFn): string[] {
  const m = /^(?:function\s*\w*\s*)?\(([^)]*)\)|^(\w+)\s*=>/.exec(fn.toString());
  const names = (m?.[1] ?? m?.[2] ?? '')
    .split(',')
    .map((p) => p.replace(/[=:?].*$/s, '').trim())
    .filter(Boolean);
  expect(names, `parameters of ${fn.toString().slice(0, 60)}`).toHaveLength(fn.length);
  return names;
}

/** What a builder makes of `{name}` for each parameter: the shape the doc spells. A hashed address reads `{hash}`. */
function shape<T>(fn: KeyFn): T {
  const out = fn(...params(fn).map((p) => `{${p}}`));
  return JSON.parse(JSON.stringify(out).replace(/[0-9a-f]{64}/g, '{hash}')) as T;
}

/** The text under a heading, up to the next heading. */
function section(heading: RegExp): string | undefined {
  const at = stateDoc.search(heading);
  if (at < 0) return undefined;
  const rest = stateDoc.slice(at);
  const body = rest.indexOf('\n') + 1;
  const next = rest.slice(body).search(/^#{1,4} /m);
  return next < 0 ? rest : rest.slice(0, body + next);
}

const kinds = Object.keys(keys.items) as keys.ItemKind[];
const documentedKinds = [...stateDoc.matchAll(/^#### `items\.(\w+)`/gm)].map((m) => m[1]!);

/** Every string keys.ts can produce, from each builder with placeholders, and its constants. */
function spelledByKeys(): string {
  const out: unknown[] = [Object.values(keys.customerSk), keys.lastOrderIndex.name, keys.lastOrderIndex.partitionKey, keys.lastOrderIndex.sortKey];
  for (const group of [keys.items, keys.partitions, keys.customerRanges, { day: keys.lastOrderIndex.day }, { dateDay: keys.dateIndex.day }]) {
    for (const fn of Object.values(group)) out.push(shape(fn as KeyFn));
  }
  out.push(keys.customerRanges.enrolments());
  return JSON.stringify(out);
}

describe('docs/data-model.md and keys.ts', () => {
  it('documents every item kind with its key shape', () => {
    for (const kind of kinds) {
      const text = section(new RegExp(`^#### \`items\\.${kind}\``, 'm'));
      expect(text, `docs/data-model.md has no section for items.${kind}`).toBeDefined();
      const { pk, sk } = shape<keys.ItemKey>(keys.items[kind] as KeyFn);
      expect(text, `items.${kind}'s key`).toContain(`- key: \`${pk}\` / \`${sk}\``);
      for (const field of ['attributes', 'TTL', 'written by', 'read by']) expect(text, `items.${kind}'s ${field}`).toMatch(new RegExp(`^- ${field}: `, 'm'));
    }
  });

  it('documents no item kind that keys.ts lacks, and each once', () => {
    expect(documentedKinds.filter((k) => !(k in keys.items))).toEqual([]);
    expect(documentedKinds).toHaveLength(new Set(documentedKinds).size);
    expect(new Set(documentedKinds)).toEqual(new Set(kinds));
  });

  it('spells no key prefix or sort key that keys.ts does not make', () => {
    const spelled = spelledByKeys();
    const prefixes = new Set([...stateDoc.matchAll(/\b[A-Z]{3,}#/g)].map((m) => m[0]));
    expect([...prefixes].filter((p) => !spelled.includes(`"${p}`))).toEqual([]);
    const constants = new Set([...stateDoc.matchAll(/`([A-Z]{3,})`/g)].map((m) => m[1]!));
    expect([...constants].filter((c) => !spelled.includes(`"${c}"`))).toEqual([]);
  });

  it('names every export of keys.ts, the partitions, sort-key prefixes, query ranges and the index', () => {
    for (const name of Object.keys(keys)) expect(stateDoc, name).toContain(name);
    for (const [name, fn] of Object.entries(keys.partitions)) expect(stateDoc).toContain(`\`partitions.${name}\`: \`${shape<string>(fn as KeyFn)}\``);
    for (const sk of Object.values(keys.customerSk)) expect(stateDoc).toContain(`\`${sk}\``);
    const bounds = (v: unknown): string[] => (typeof v === 'string' ? [v] : Object.values(v as Record<string, string>));
    const ranges = [keys.customerRanges.enrolments(), ...Object.values(keys.customerRanges).flatMap((fn) => bounds(shape(fn as KeyFn)))];
    for (const bound of ranges) expect(stateDoc).toContain(`"${bound}"`);
    const index = keys.lastOrderIndex;
    for (const name of [index.name, index.partitionKey, index.sortKey, shape<string>(index.day as KeyFn)]) expect(stateDoc).toContain(`\`${name}\``);
    expect(stateDoc).toContain(`\`${shape<string>(keys.dateIndex.day as KeyFn)}\``);
  });
});
