import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JourneyStats } from '../../functions/core/stats.ts';
import { readScenario, simulate } from '../../local/simulate.ts';

/**
 * The simulator's measurement lines: a `conversion` line as each conversion is recorded and, at the
 * end, a `summary` with each journey's figures as GET /v1/journeys/stats answers them. The lines
 * agree with each other and with what happened.
 */
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const T0 = Date.parse('2026-06-01T08:00:00Z');
const at = (h: number) => new Date(T0 + h * 3_600_000).toISOString();
const customer = (n: number) => ({ email: `miara${n}@example.pl`, firstName: 'Zofia', locale: 'pl', consent: { emailMarketing: true } });
const line = (body: Record<string, unknown>) => JSON.stringify({ at: body['occurredAt'], route: '/v1/events', headers: { authorization: 'Bearer local-api-key' }, body });
const checkout = (n: number, h: number, total: string) =>
  line({ id: `c${n}`, type: 'checkout.abandoned', occurredAt: at(h), customer: customer(n), checkout: { token: `t-${n}`, items: [{ title: 'Kubek', quantity: 1, price: total }], total, currency: 'PLN' } });
const order = (id: string, orderId: string, n: number, h: number, total: string, token?: string) =>
  line({ id, type: 'order.placed', occurredAt: at(h), customer: { email: customer(n).email }, order: { id: orderId, total, currency: 'PLN', ...(token ? { checkoutToken: token } : {}) } });

describe('simulator measurement lines', () => {
  it('prints each conversion as it is recorded and a summary with the stats API’s figures', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'koszyk-sim-measure-'));
    dirs.push(dir);
    const file = join(dir, 'measure.jsonl');
    writeFileSync(
      file,
      [
        checkout(1, 0, '120.00'),
        checkout(2, 0, '80.50'),
        checkout(3, 0, '45.00'),
        // 1 orders her cart after the first reminder; 2 orders before any reminder; 3 orders a
        // week after the last reminder; 1's order arrives twice, under two event ids.
        order('a', 'o-1', 1, 3, '120.00', 't-1'),
        order('a-paid', 'o-1', 1, 3.5, '120.00', 't-1'),
        order('b', 'o-2', 2, 0.5, '80.50', 't-2'),
        order('c', 'o-3', 3, 24 + 7 * 24, '45.00'),
      ].join('\n'),
    );
    const lines: Record<string, unknown>[] = [];
    await simulate(readScenario(file), { forSeconds: 9 * 86_400, backend: 'memory', write: (l) => lines.push(l) });

    const conversions = lines.filter((l) => l['type'] === 'conversion');
    expect(conversions).toEqual([
      { type: 'conversion', at: at(3), journey: 'abandoned-cart', customerId: expect.stringMatching(/^c_/), orderId: 'o-1', revenue: '120.00', currency: 'PLN', step: expect.stringMatching(/^first-reminder(-b)?$/), variant: expect.stringMatching(/^[ab]$/) },
    ]);
    // Written after the ingest line of the order that made it, as every line a request sets off.
    const i = lines.indexOf(conversions[0]!);
    expect(lines[i - 1]).toMatchObject({ type: 'ingest', at: at(3) });
    // Credited to the arm of the subject test whose reminder the customer got.
    expect(conversions[0]!['variant']).toBe(conversions[0]!['step'] === 'first-reminder' ? 'a' : 'b');
    const summary = lines.at(-1)!;
    expect(summary['type']).toBe('summary');
    const cart = (summary['journeys'] as JourneyStats[]).find((j) => j.journey === 'abandoned-cart')!;
    // Three carts; 1 and 2 ordered (goal reached), 3 got both reminders (completed).
    expect(cart).toMatchObject({ entered: 3, finished: 3, active: 0, sent: 3, delivered: 3, converted: 1, revenue: { PLN: '120.00' } });
    // The first reminders, in whichever arm, then the second.
    const firsts = cart.nodes.filter((n) => n.node.startsWith('first-reminder'));
    expect(firsts.reduce((n, x) => n + x.sent, 0)).toBe(2);
    expect(firsts.reduce((n, x) => n + x.converted, 0)).toBe(1);
    expect(cart.nodes.find((n) => n.node === 'second-reminder')).toEqual({ node: 'second-reminder', sent: 1, suppressed: 0, converted: 0, delivered: 1, clicked: 0, bounced: 0, complained: 0 });
    // The split's arms add up to the carts that reached it.
    const split = cart.experiments.find((e) => e.node === 'subject-test')!;
    expect(split.arms.reduce((n, a) => n + a.recipients, 0)).toBe(2);
    // The summary's figures are the lines': messages sent, conversions and their revenue.
    const messages = lines.filter((l) => l['type'] === 'message' && l['journey'] === 'abandoned-cart');
    expect(cart.sent).toBe(messages.length);
    expect(cart.cost.emails).toBe(messages.length);
    expect(cart.converted).toBe(conversions.filter((c) => c['journey'] === 'abandoned-cart').length);
    expect(cart.days.reduce((n, d) => n + d.converted, 0)).toBe(cart.converted);
    // The same comparison the API makes, revenue included: with one recipient in an arm there is a
    // difference but no interval to judge it by.
    expect(split.difference).not.toBeNull();
    expect(split.difference!.revenue).toEqual({ perRecipient: expect.stringMatching(/^-?\d+\.\d{2}$/), low: null, high: null, verdict: 'not_enough_data' });
    // Each message came back delivered under the arm it was sent under: an arm's deliveries are its
    // messages (the reminders after the split), none clicked.
    expect(split.arms.reduce((n, a) => n + a.delivered, 0)).toBe(3);
    for (const a of split.arms) {
      expect(a, a.variant).toMatchObject({ delivered: messages.filter((m) => m['variant'] === a.variant).length, clicked: 0, clickRate: 0, bounced: 0, complained: 0 });
    }
    // Everyone under the one version of the journey file: what entered, finished, was sent and
    // delivered (each message carries it back) and converted; and every cart along the graph's first edges.
    expect(cart.versions).toEqual([
      {
        version: expect.stringMatching(/^[0-9a-f]{12}$/),
        firstDay: expect.any(String),
        lastDay: expect.any(String),
        entered: 3,
        finished: 3,
        sent: 3,
        delivered: 3,
        clicked: 0,
        bounced: 0,
        complained: 0,
        converted: 1,
        revenue: { PLN: '120.00' },
      },
    ]);
    expect(cart.edges.slice(0, 2)).toEqual([
      { from: '(start)', to: 'first-wait', executions: 3 },
      // Cart 2 ordered within the first hour: its journey ended during the wait.
      { from: 'first-wait', to: 'holdout', executions: 2 },
    ]);
    // Each reminder is a Wait, the step and its choice; the opening Wait is the first transition.
    expect(cart.cost.invocations).toBe(3);
    expect(cart.cost.transitions).toBeGreaterThanOrEqual(3 * 2);
  });
});
