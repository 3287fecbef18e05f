import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatsRow } from '../../functions/core/measurement.ts';
import { journeyStats } from '../../functions/core/stats.ts';
import { journeyView } from '../../functions/ingest/dashboard/journey-view.ts';
import { COST_PRICES } from '../../functions/shared/prices.ts';
import { loadJourneys } from '../../workflows/src/load.ts';
import { memoryStack, SECRETS } from '../support/local.ts';
import { DESKTOP, launch, openPage, PHONE } from './browser.ts';

/**
 * Every shipped journey's graph on its dashboard page, with a five-digit count on every edge (the
 * widest text a shop will see) beside the branches' conditions and the splits' weights: the browser
 * lays the text out, and no edge's count or label may overlap another's, nor a node, nor leave the
 * drawing.
 */
const T0 = new Date('2026-11-24T08:00:00Z');
const JOURNEYS = loadJourneys();
let browser: Browser;
let s: Awaited<ReturnType<typeof memoryStack>>;

/** Counters that put 12 345 customers on every edge and node of every journey. */
function busyStats() {
  const journeys = JOURNEYS.map((j) => {
    const view = journeyView(j);
    const rows: StatsRow[] = [
      { day: '2026-11-24', version: 'aaaaaaaaaaaa', node: '-', variant: '-', counts: { entered: 12_345, finished: 12_000, ...Object.fromEntries(view.graph.edges.map((e) => [`edge:${e.from}>${e.to}`, 12_345])) } },
      ...view.graph.nodes.map((n) => ({ day: '2026-11-24', version: 'aaaaaaaaaaaa', node: n.id, variant: '-', counts: { sent: 12_345, 'suppressed:no_consent': 1_234, converted: 123 } })),
    ];
    return journeyStats(j, rows, COST_PRICES);
  });
  return { generatedAt: T0.toISOString(), journeys };
}

interface Box {
  name: string;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The graph's edge texts, node boxes and the drawing itself, as the browser laid them out. */
async function graphBoxes(page: Page): Promise<{ texts: Box[]; nodes: Box[]; svg: Box }> {
  return (await page.evaluate(`(() => {
    const box = (el, name) => { const r = el.getBoundingClientRect(); return { name, left: r.left, top: r.top, right: r.right, bottom: r.bottom }; };
    const svg = document.querySelector('svg.graph');
    return {
      texts: [...svg.querySelectorAll('text.edge-count, text.edge-label')].map((t) => box(t, t.closest('[data-edge]').getAttribute('data-edge') + ' "' + t.textContent + '"')),
      nodes: [...svg.querySelectorAll('g.node rect')].map((r) => box(r, 'node ' + r.closest('[data-node]').getAttribute('data-node'))),
      svg: box(svg, 'svg'),
    };
  })()`)) as { texts: Box[]; nodes: Box[]; svg: Box };
}

const overlap = (a: Box, b: Box) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;

beforeAll(async () => {
  [browser, s] = await Promise.all([launch(), memoryStack(T0, { stats: async () => busyStats() })]);
});

afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe('the journey graph’s edge texts', () => {
  it.each([
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ])('overlap nothing on any shipped journey (%s)', async (_name, size) => {
    const { page, problems } = await openPage(browser, size);
    try {
      await page.goto(`${s.apiUrl}/dashboard`);
      await page.getByLabel('Klucz dostępu').fill(SECRETS.apiKey);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: 'Ścieżki' }).waitFor();
      const found: string[] = [];
      let labelled = 0;
      for (const j of JOURNEYS) {
        await page.goto(`${s.apiUrl}/dashboard#/journeys/${j.id}`);
        await page.getByRole('heading', { level: 1, name: j.name }).waitFor();
        await page.locator('svg.graph g[data-edge] .edge-count').first().waitFor();
        const { texts, nodes, svg } = await graphBoxes(page);
        expect(texts.length, j.id).toBeGreaterThanOrEqual(journeyView(j).graph.edges.length);
        labelled += texts.filter((t) => !t.name.endsWith('×"')).length;
        for (const [i, a] of texts.entries()) {
          for (const b of texts.slice(i + 1)) if (overlap(a, b)) found.push(`${j.id}: ${a.name} overlaps ${b.name}`);
          for (const n of nodes) if (overlap(a, n)) found.push(`${j.id}: ${a.name} overlaps ${n.name}`);
          if (a.left < svg.left - 0.5 || a.right > svg.right + 0.5 || a.top < svg.top - 0.5 || a.bottom > svg.bottom + 0.5) found.push(`${j.id}: ${a.name} leaves the drawing`);
        }
      }
      // Branch conditions and split weights were there to collide.
      expect(labelled).toBeGreaterThan(10);
      expect(found).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await page.context().close();
    }
  });
});
