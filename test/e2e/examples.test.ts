import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readScenario, simulate } from '../../local/simulate.ts';

/**
 * What the examples show, line by line: the abandoned cart's branches and subject test, a
 * conversion credited to the arm that sent it, a delivery delay, and a Shopify order followed from
 * its fulfilment to its delivery. Each example is also replayed by test/repo/standalone.test.ts.
 */
const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

async function run(name: string, days: number): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  await simulate(readScenario(join(EXAMPLES, name)), { forSeconds: days * 86_400, backend: 'memory', write: (l) => lines.push(l) });
  return lines;
}

const sends = (lines: Record<string, unknown>[], to: string) => lines.filter((l) => (l['type'] === 'message' && l['to'] === to) || l['type'] === 'task');

describe('examples/api-branches.jsonl', () => {
  it('branches on the cart value and SMS consent, splits the reminder, credits the order to its arm and notices a late delivery', async () => {
    const lines = await run('api-branches.jsonl', 10);
    expect(lines.filter((l) => l['type'] === 'ingest').every((l) => l['status'] === 202)).toBe(true);
    const steps = (to: string) => sends(lines, to).filter((l) => l['type'] === 'message').map((l) => `${l['step']}${l['variant'] ? `/${l['variant']}` : ''}`);
    // 649 zł with SMS consent and a mobile number: the help offer by SMS, then the reminder.
    expect(steps('+48601234567')).toEqual(['help-sms']);
    expect(steps('zofia.nowak@example.pl')).toEqual(['first-reminder-b/b', 'second-reminder/b']);
    // 720 zł with e-mail consent only: the help offer by e-mail.
    expect(steps('aleksandra.wisniewska@example.pl')).toEqual(['help-email', 'first-reminder-b/b', 'second-reminder/b']);
    // Under 500 zł: straight to the reminder, in either arm of the subject test; Jan orders after his.
    expect(steps('jan.zielinski@example.pl')).toEqual(['first-reminder/a', 'how-to-use']);
    expect(steps('piotr.lewandowski@example.pl')).toEqual(['first-reminder-b/b', 'second-reminder/b']);
    expect(lines.filter((l) => l['type'] === 'conversion')).toEqual([
      { type: 'conversion', at: '2026-11-23T17:30:00.000Z', journey: 'abandoned-cart', customerId: expect.stringMatching(/^c_/), orderId: 'br-ord-3', revenue: '99.80', currency: 'PLN', step: 'first-reminder', variant: 'a' },
    ]);
    // Shipped, no delivery within 5 days: an apology and a task for the staff.
    expect(lines.filter((l) => l['journey'] === 'delivery-delay').map((l) => [l['type'], l['step'], l['at']])).toEqual([
      ['message', 'apology', '2026-11-29T14:00:00.000Z'],
      ['task', 'chase-carrier', '2026-11-29T14:00:00.000Z'],
    ]);
    const cart = (lines.at(-1)!['journeys'] as { journey: string; converted: number; experiments: { node: string; arms: { variant: string; recipients: number; conversions: number }[] }[] }[]).find((j) => j.journey === 'abandoned-cart')!;
    expect(cart.converted).toBe(1);
    expect(cart.experiments.find((e) => e.node === 'subject-test')!.arms).toMatchObject([
      { variant: 'a', recipients: 1, conversions: 1 },
      { variant: 'b', recipients: 3, conversions: 0 },
    ]);
  }, 120_000);
});

describe('examples/shopify-delivery.jsonl', () => {
  it('follows a Shopify order from its fulfilment to its delivery: the follow-up starts on delivery, no delay notice', async () => {
    const lines = await run('shopify-delivery.jsonl', 14);
    expect(lines.filter((l) => l['type'] === 'ingest').map((l) => l['status'])).toEqual([202, 202, 202]);
    const followUp = lines.filter((l) => l['journey'] === 'order-follow-up').map((l) => [l['step'], l['at']]);
    // Delivery reported on 26 November: the check-in three days later, then the survey and the review request.
    expect(followUp).toEqual([
      ['check-in', '2026-11-29T13:02:40.000Z'],
      ['csat-survey', '2026-12-01T13:02:40.000Z'],
      ['review-request', '2026-12-04T13:02:40.000Z'],
    ]);
    expect(lines.some((l) => l['journey'] === 'delivery-delay' && l['type'] !== 'summary')).toBe(false);
  }, 120_000);
});
