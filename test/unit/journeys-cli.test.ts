import { mkdtempSync, readFileSync } from 'node:fs';
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

  it('draws a journey as Mermaid and SVG from the synthesized state machine', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graph-'));
    const out = capture();
    expect(await main(['graph', 'abandoned-cart', dir], out, capture())).toBe(0);
    expect(out.text).toContain('s0(["Wait 1 h before first-reminder"])');
    expect(out.text).toContain('-->|no|');
    const svg = readFileSync(join(dir, 'abandoned-cart.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Still wanted after first-reminder?');
  });

  it('names unknown journeys and commands', async () => {
    const err = capture();
    expect(await main(['graph', 'nope'], capture(), err)).toBe(2);
    expect(err.text).toContain('unknown journey "nope"');
    expect(await main(['frobnicate'], capture(), capture())).toBe(2);
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
