import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { journeySchema, main } from '../../local/journeys-cli.ts';
import { toMermaid } from '../../workflows/src/graph.ts';
import { WORKFLOWS_DIR } from '../../workflows/src/load.ts';

function capture() {
  const chunks: string[] = [];
  return {
    write(s: string) {
      chunks.push(s);
    },
    get text() {
      return chunks.join('');
    },
  };
}

describe('journeys CLI', () => {
  it('validates every shipped journey', async () => {
    const out = capture();
    expect(await main(['validate'], out, capture())).toBe(0);
    expect(out.text).toContain('ok  dunning: 4 steps, trigger payment.failed');
  });

  it('renders every template a step can send with sample data, naming file, locale, variable and step', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'workflows-'));
    cpSync(join(WORKFLOWS_DIR, 'journeys'), join(dir, 'journeys'), { recursive: true });
    cpSync(join(WORKFLOWS_DIR, 'templates'), join(dir, 'templates'), { recursive: true });
    cpSync(join(WORKFLOWS_DIR, 'events'), join(dir, 'events'), { recursive: true });
    // A misspelt variable in the English text of the second cart reminder only.
    const file = join(dir, 'templates', 'cart-reminder-2.yaml');
    const source = readFileSync(file, 'utf8');
    const en = source.indexOf('\nen:');
    writeFileSync(file, source.slice(0, en) + source.slice(en).replace('{{cart.recoveryUrl}}', '{{cart.recoveryLink}}'));
    const err = capture();
    expect(await main(['validate', dir], capture(), err)).toBe(1);
    expect(err.text.trim().split('\n')).toEqual([expect.stringMatching(/cart-reminder-2\.yaml: en\.(text|html) line \d+, column \d+: \{\{cart\.recoveryLink\}\} is not in the data \(did you mean "recoveryUrl"\?\) \(journey abandoned-cart, step second-reminder\)$/)]);
    // The shipped files pass the same check.
    expect(await main(['validate', WORKFLOWS_DIR], capture(), capture())).toBe(0);
  });

  it('draws a journey as Mermaid and SVG from the synthesized state machine', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graph-'));
    const out = capture();
    expect(await main(['graph', 'abandoned-cart', dir], out, capture())).toBe(0);
    // Branches labelled with their conditions, splits with their weights, waits in human units.
    expect(out.text).toContain('n0(["first-wait: wait 1 h"])');
    expect(out.text).toContain('n1 -->|"all but 0% holdout"| n2');
    expect(out.text).toContain('n2 -->|"cart.total ≥ 500"| n3');
    expect(out.text).toContain('n2 -->|"otherwise"| n7');
    expect(out.text).toContain('-->|"b 50%"|');
    // The cost of each path: the most common one stays at 5 billable transitions.
    expect(out.text).toContain('%% 5 transitions: first-wait → holdout → cart-value → subject-test → first-reminder → second-wait → second-reminder');
    expect(out.text).toContain('%% 8 transitions: first-wait → holdout → cart-value → help-channel → help-sms → help-wait → subject-test → first-reminder → second-wait → second-reminder');
    const svg = readFileSync(join(dir, 'abandoned-cart.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('After holdout');
  });

  it('names unknown journeys and commands', async () => {
    const err = capture();
    expect(await main(['graph', 'nope'], capture(), err)).toBe(2);
    expect(err.text).toContain('unknown journey "nope"');
    expect(await main(['frobnicate'], capture(), capture())).toBe(2);
  });

  it('lists the event catalogue: every event, the trigger it is, the shop’s properties and attributes; a bad file by its line', async () => {
    const out = capture();
    expect(await main(['events'], out, capture())).toBe(0);
    const lines = out.text.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^order\.fulfilled +built-in +trigger order\.fulfilled +An order shipped/));
    expect(lines).toContainEqual(expect.stringMatching(/^order\.cancelled +built-in +no trigger +/));
    expect(lines).toContainEqual(expect.stringMatching(/^schedule +built-in +trigger schedule +Not an event/));
    expect(out.text).toContain('quiz.completed      shop      trigger quiz.completed    The customer finished the coffee quiz.\n    score: number\n');
    expect(out.text).toContain('    email: string, personal\n');
    expect(out.text).toMatch(/\ncustomer attributes\n {4}birthday: date, personal\n {4}roast: string, one of light\|medium\|dark\n$/);
    const dir = mkdtempSync(join(tmpdir(), 'workflows-'));
    cpSync(join(WORKFLOWS_DIR, 'events'), join(dir, 'events'), { recursive: true });
    writeFileSync(join(dir, 'events', 'attributes.yaml'), 'attributes:\n  roast:\n    type: strin\n');
    const err = capture();
    expect(await main(['events', dir], capture(), err)).toBe(1);
    expect(err.text).toMatch(/attributes\.yaml:3: attributes\.roast\.type: "strin" is not one of string, number, boolean, date \(did you mean "string"\?\)\n$/);
  });

  it('keeps the committed JSON Schema in step with the journey schema', () => {
    expect(readFileSync(join(WORKFLOWS_DIR, 'journey.schema.json'), 'utf8')).toBe(journeySchema());
  });

  it('draws a Choice with yes and no edges', () => {
    const text = toMermaid({
      StartAt: 'A',
      States: { A: { Type: 'Choice', Choices: [{ Next: 'B' }], Default: 'C' }, B: { Type: 'Succeed' }, C: { Type: 'Fail' } },
    });
    expect(text).toContain('s0 -->|yes| s1');
    expect(text).toContain('s0 -->|no| s2');
  });
});
