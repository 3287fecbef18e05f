import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { templateProblems } from '../../local/template-check.ts';
import { codesBefore } from '../../workflows/src/codes.ts';
import { journeyDiff } from '../../workflows/src/diff.ts';
import { Flow, resolveNext } from '../../workflows/src/flow.ts';
import { graphViolations } from '../../workflows/src/graph-check.ts';
import { JourneyConfig } from '../../workflows/src/journey.ts';
import { type ConfigError, loadJourneys, loadTemplates } from '../../workflows/src/load.ts';
import { nodeMermaid } from '../../workflows/src/node-graph.ts';
import type { JourneyNode } from '../../workflows/src/nodes.ts';

/** The `code` node in the journey model: its checks, its drawing and diff, and which templates may read its code. */
const send = (id: string, template = 't1', extra: Partial<JourneyNode> = {}): JourneyNode => ({ id, send: { channel: 'email', template }, ...extra });
const code = (id: string, pool: string, empty: string, next?: string): JourneyNode => ({ id, code: { pool, empty }, ...(next ? { next } : {}) });

describe('a code node', () => {
  it('goes on along next with a code and along empty without; a missing empty is named with the likely one', () => {
    expect(graphViolations([code('c', 'vip', 'plain', 'coded'), send('coded', 't1', { next: 'end' }), send('plain')], { topic: 'marketing' })).toEqual([]);
    expect(graphViolations([code('c', 'vip', 'plian', 'coded'), send('coded', 't1', { next: 'end' }), send('plain')], { topic: 'marketing' })).toEqual([{ path: 'nodes.0.code.empty', message: 'no node "plian" (did you mean "plain"?)' }]);
  });

  it('is refused in a journey file without a pool or empty, with its line; a bad pool name says what a name is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'code-node-'));
    mkdirSync(join(dir, 'journeys'));
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'templates', 't1.yaml'), 'pl:\n  subject: a\n  text: a\nen:\n  subject: a\n  text: a\n');
    const file = (lines: string[]) => writeFileSync(join(dir, 'journeys', 'j.yaml'), ['id: j', 'name: J', 'trigger: checkout', 'topic: marketing', 'nodes:', ...lines, ''].join('\n'));
    const problems = () => {
      try {
        loadJourneys(join(dir, 'journeys'));
        return [];
      } catch (e) {
        return (e as ConfigError).problems;
      }
    };
    file(['  - id: c', '    code: { pool: vip }', '  - id: s', '    send: { channel: email, template: t1 }']);
    expect(problems()).toEqual([expect.stringMatching(/j\.yaml:7: nodes\.0\.code\.empty: missing/)]);
    file(['  - id: c', '    code: { pool: VIP_Pool, empty: s }', '  - id: s', '    send: { channel: email, template: t1 }']);
    expect(problems()).toEqual([expect.stringMatching(/j\.yaml:7: nodes\.0\.code\.pool: use lower-case letters, digits and dashes/)]);
    file(['  - id: c', '    code: { pool: vip, empty: s }', '  - id: s', '    send: { channel: email, template: t1 }']);
    expect(problems()).toEqual([]);
  });

  it('gives a pool only to the sends every way to which claimed it', () => {
    const nodes = [
      { id: 'b', branch: { cases: [{ if: { field: 'profile.lifetimeSpend', gte: 1000 }, next: 'c' }], otherwise: 'plain' } },
      code('c', 'vip', 'plain', 'coded'),
      send('coded', 't1', { next: 'both' }),
      send('plain', 't1', { next: 'both' }),
      send('both'),
    ] as JourneyNode[];
    const before = codesBefore(nodes);
    expect([...before.get('coded')!]).toEqual(['vip']);
    expect([...before.get('plain')!]).toEqual([]);
    expect([...before.get('both')!]).toEqual([]);
    // A second claim of another pool on one way only: the meeting point has the first.
    const twice = [code('c', 'vip', 'end', 'd'), code('d', 'bday', 'x', 'y'), send('y', 't1', { next: 'z' }), send('x', 't1', { next: 'z' }), send('z')];
    expect([...codesBefore(twice).get('z')!]).toEqual(['vip']);
    expect([...codesBefore(twice).get('y')!].sort()).toEqual(['bday', 'vip']);
  });

  it('journeys validate refuses a template reading a code a send may meet without', () => {
    const templates = new Map(loadTemplates());
    templates.set('coded-note', { pl: { subject: 'Kod', text: 'Kod: {{codes.vip}} {{unsubscribeUrl}}' }, en: { subject: 'Code', text: 'Code: {{codes.vip}} {{unsubscribeUrl}}' } });
    const journey = (empty: string) =>
      JourneyConfig.parse({
        id: 'j',
        name: 'J',
        trigger: 'schedule',
        schedule: { dailyAt: '09:00' },
        segment: { noPurchaseForDays: 180 },
        topic: 'marketing',
        nodes: [code('c', 'vip', empty, 'coded'), send('coded', 'coded-note', { next: 'end' }), send('plain', 'winback-vip')],
      });
    expect(templateProblems([journey('plain')], templates, 'templates')).toEqual([]);
    // Empty leads to the coded note too: the code may be missing there.
    expect(templateProblems([journey('coded')], templates, 'templates')).toEqual([
      'templates/coded-note.yaml: pl.text line 1, column 8: {{codes.vip}} is not in the data (journey j, step coded)',
      'templates/coded-note.yaml: en.text line 1, column 9: {{codes.vip}} is not in the data (journey j, step coded)',
    ]);
  });

  it('is drawn with its pool and both ways, and a diff names it', () => {
    const flow = new Flow(resolveNext([code('c', 'winback-vip', 'plain', 'coded'), send('coded', 't1', { next: 'end' }), send('plain')]), 'marketing');
    const mermaid = nodeMermaid(flow);
    expect(mermaid).toContain('n0["c: a code from winback-vip"]');
    expect(mermaid).toContain('n0 -->|"a code from winback-vip"| n1');
    expect(mermaid).toContain('n0 -->|"winback-vip empty"| n2');
    const base = { id: 'j', name: 'J', trigger: 'checkout', topic: 'marketing' } as const;
    const before = JourneyConfig.parse({ ...base, nodes: [send('plain')] });
    const after = JourneyConfig.parse({ ...base, nodes: [code('c', 'vip', 'plain', 'coded'), send('coded', 't1', { next: 'end' }), send('plain')] });
    expect(journeyDiff('j', before, after)).toEqual(['j: nodes change for new enrolments only; customers already inside finish on the version they started with', '  + c (code)', '  + coded (send)']);
  });
});
