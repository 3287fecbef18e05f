import { afterEach, describe, expect, it } from 'vitest';
import type { Conversion } from '../../functions/core/measurement.ts';
import type { JourneyStats, Stats } from '../../functions/core/stats.ts';
import { journeyVersion } from '../../functions/core/journey-version.ts';
import { customerIdFor } from '../../functions/shared/ids.ts';
import { loadJourneys } from '../../workflows/src/load.ts';
import { VirtualClock } from '../../local/clock.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import { apiEvent, checkoutEvent, hours, memoryLog, SECRETS } from '../support/local.ts';

/**
 * Conversions and journey stats through the whole stack in memory (the ingest, the engine and the
 * feedback function the local senders report deliveries to): what the shop reads at
 * GET /v1/journeys/{id}/stats after carts, reminders, orders, a redelivery and a refund.
 */
const T0 = new Date('2026-06-01T08:00:00Z');
const A = 'zofia.konwersja@example.pl';
const B = 'jan.okno@example.pl';
const C = 'ewa.wczesna@example.pl';
const at = (ms: number) => new Date(T0.getTime() + ms);
const days = (n: number) => hours(24 * n);
const order = (id: string, email: string, orderId: string, token: string | undefined, when: Date, total = '228.80') =>
  apiEvent({ id, type: 'order.placed', occurredAt: when.toISOString(), customer: { email }, order: { id: orderId, checkoutToken: token, total, currency: 'PLN' } });
const orderChange = (id: string, type: 'order.refunded' | 'order.cancelled', orderId: string, when: Date) =>
  apiEvent({ id, type, occurredAt: when.toISOString(), customer: {}, order: { id: orderId } });

let stack: LocalStack<'memory'> | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function start(conversions: (Conversion & { customerId: string })[]) {
  stack = await startLocalStack({ clock: new VirtualClock(T0), log: memoryLog(), secrets: SECRETS, backend: 'memory', senders: 'in-process', onConversion: (c) => conversions.push(c) });
  return stack;
}

async function stats(s: LocalStack<'memory'>, journey = 'abandoned-cart'): Promise<JourneyStats> {
  const res = await s.request({ method: 'GET', path: `/v1/journeys/${journey}/stats`, headers: { authorization: `Bearer ${SECRETS.apiKey}` }, rawBody: Buffer.alloc(0) });
  expect(res.status).toBe(200);
  const body = res.body as Stats;
  expect(body.generatedAt).toBe(s.clock.now().toISOString());
  return body.journeys[0]!;
}

describe('measuring the abandoned-cart journey end to end', () => {
  it('credits the order of a reminded cart by its checkout token, once, and takes its revenue back on refund', async () => {
    const conversions: (Conversion & { customerId: string })[] = [];
    const s = await start(conversions);
    expect((await s.request(checkoutEvent('c-a', A, 'tok-a', T0))).status).toBe(202);
    await s.engine.advanceTo(at(hours(3)));
    expect(s.outbox!.sent.emails).toBe(1);
    expect((await s.request(order('o-a', A, 'ord-a', 'tok-a', at(hours(3))))).status).toBe(202);
    const zofia = customerIdFor('default', { email: A })!;
    expect(conversions).toEqual([
      expect.objectContaining({ journey: 'abandoned-cart', customerId: zofia, subject: 'ord-a', reason: 'checkout_token', step: 'first-reminder', revenue: '228.80', currency: 'PLN' }),
    ]);
    // The same delivery again is a duplicate; the same order under another event (orders/paid after
    // orders/create) is the same conversion.
    expect((await s.request(order('o-a', A, 'ord-a', 'tok-a', at(hours(3))))).status).toBe(200);
    expect((await s.request(order('o-a-paid', A, 'ord-a', 'tok-a', at(hours(3))))).status).toBe(202);
    expect(conversions).toHaveLength(1);
    expect(await stats(s)).toMatchObject({ entered: 1, finished: 1, active: 0, sent: 1, delivered: 1, converted: 1, revenue: { PLN: '228.80' } });

    await s.engine.advanceTo(at(hours(30)));
    expect((await s.request(orderChange('r-a', 'order.refunded', 'ord-a', at(hours(30))))).status).toBe(202);
    await s.engine.advanceTo(at(hours(31)));
    expect((await s.request(orderChange('r-a-again', 'order.cancelled', 'ord-a', at(hours(31))))).status).toBe(202);
    const after = await stats(s);
    expect(after).toMatchObject({ converted: 1, revenue: { PLN: '0.00' } });
    expect(after.days).toEqual([{ day: '2026-06-01', entered: 1, sent: 1, converted: 1, revenue: { PLN: '0.00' } }]);
    expect(after.nodes).toEqual([{ node: 'first-reminder', sent: 1, suppressed: 0, converted: 1, delivered: 1, clicked: 0, bounced: 0, complained: 0 }]);
    // Under the version of the journey file it started on; along the graph's edges to the reminder, then
    // to the wait after it, which the order ended.
    const version = journeyVersion(loadJourneys().find((j) => j.id === 'abandoned-cart')!);
    expect(after.versions).toEqual([{ version, firstDay: '2026-06-01', lastDay: '2026-06-01', entered: 1, finished: 1, sent: 1, delivered: 1, clicked: 0, bounced: 0, complained: 0, converted: 1, revenue: { PLN: '0.00' } }]);
    const path = ['(start)>first-wait', 'first-wait>holdout', 'holdout>cart-value', 'cart-value>subject-test'];
    expect(after.edges.slice(0, 4).map((e) => `${e.from}>${e.to}`)).toEqual(path);
    expect(after.edges.every((e) => e.executions === 1)).toBe(true);
    expect(after.edges.map((e) => e.to)).toContain('second-wait');
    expect(after.edges.map((e) => e.from)).not.toContain('second-wait');
    expect(await s.store.listConversions('default', zofia)).toEqual([expect.objectContaining({ subject: 'ord-a', reversedAt: at(hours(30)).toISOString(), reversedBy: 'order.refunded' })]);
  });

  it('credits no order placed after the attribution window, nor one placed before the first reminder', async () => {
    const conversions: (Conversion & { customerId: string })[] = [];
    const s = await start(conversions);
    await s.request(checkoutEvent('c-b', B, 'tok-b', T0));
    await s.request(checkoutEvent('c-c', C, 'tok-c', T0));
    // Ewa orders before the first reminder is due: the journey ends having sent her nothing.
    await s.engine.advanceTo(at(hours(0.5)));
    expect((await s.request(order('o-c', C, 'ord-c', 'tok-c', at(hours(0.5))))).status).toBe(202);
    // Jan gets both reminders (1 h, 24 h), then the journey is over; he orders 5 days and a minute after the last.
    await s.engine.advanceTo(at(days(1) + hours(1)));
    expect(s.outbox!.sent.emails).toBe(2);
    const late = at(days(6) + 60_000);
    await s.engine.advanceTo(late);
    expect((await s.request(order('o-b', B, 'ord-b', 'tok-b', late))).status).toBe(202);
    expect(conversions).toEqual([]);
    expect(await stats(s)).toMatchObject({ entered: 2, finished: 2, sent: 2, converted: 0, revenue: { PLN: '0.00' } });
  });

  it('credits an order within the window to the same customer without a checkout token, and exports and erases the conversion with the customer', async () => {
    const conversions: (Conversion & { customerId: string })[] = [];
    const s = await start(conversions);
    await s.request(checkoutEvent('c-d', A, 'tok-d', T0));
    await s.engine.advanceTo(at(days(1) + hours(1)));
    // An order placed in the shop without the cart (no token), four days after the last reminder.
    await s.engine.advanceTo(at(days(5)));
    expect((await s.request(order('o-d', A, 'ord-d', undefined, at(days(5)), '99.90'))).status).toBe(202);
    expect(conversions).toEqual([expect.objectContaining({ journey: 'abandoned-cart', reason: 'same_customer', step: 'second-reminder', revenue: '99.90' })]);
    const admin = { authorization: `Bearer ${SECRETS.apiKey}` };
    const exported = await s.request({ method: 'GET', path: '/v1/customers/export', query: { email: A }, headers: admin, rawBody: Buffer.alloc(0) });
    expect((exported.body as { conversions: unknown[] }).conversions).toEqual([expect.objectContaining({ subject: 'ord-d', journey: 'abandoned-cart', revenue: '99.90' })]);
    await s.request({ method: 'POST', path: '/v1/customers/erase', query: { email: A }, headers: admin, rawBody: Buffer.alloc(0) });
    expect(await s.store.listConversions('default', conversions[0]!.customerId)).toEqual([]);
    // The counters hold no one's data: the journey keeps its figures.
    expect(await stats(s)).toMatchObject({ converted: 1, revenue: { PLN: '99.90' } });
  });
});

describe('engagement through the whole stack', () => {
  it('counts bounces and complaints as SES reports them for its mailbox simulator, and stops mailing those addresses', async () => {
    const s = await start([]);
    await s.request(checkoutEvent('c-bounce', 'bounce@simulator.amazonses.com', 'tok-bounce', T0));
    await s.request(checkoutEvent('c-complaint', 'complaint@simulator.amazonses.com', 'tok-complaint', T0));
    await s.request(checkoutEvent('c-fine', A, 'tok-fine', T0));
    await s.engine.advanceTo(at(days(2)));
    const cart = await stats(s);
    // Three first reminders: one bounced for good, one delivered and complained about, one delivered.
    // The second reminder goes to the one left: a bounced or complaining address is not mailed again.
    expect(cart).toMatchObject({ sent: 4, delivered: 3, bounced: 1, complained: 1, suppressed: { suppressed_address: 2 } });
    expect(cart).not.toHaveProperty('opened');
    const firsts = cart.nodes.filter((n) => n.node.startsWith('first-reminder'));
    expect(firsts.reduce((n, x) => n + x.bounced, 0)).toBe(1);
    expect(firsts.reduce((n, x) => n + x.complained, 0)).toBe(1);
    expect(cart.nodes.find((n) => n.node === 'second-reminder')).toMatchObject({ sent: 1, delivered: 1, bounced: 0, complained: 0 });
  });
});

describe('GET /v1/journeys/stats', () => {
  it('answers every journey with the admin key, refuses without it, names a bad or unknown journey', async () => {
    const s = await start([]);
    const get = (path: string, key?: string) => s.request({ method: 'GET', path, headers: key ? { authorization: `Bearer ${key}` } : {}, rawBody: Buffer.alloc(0) });
    expect((await get('/v1/journeys/stats')).status).toBe(401);
    const all = (await get('/v1/journeys/stats', SECRETS.apiKey)).body as Stats;
    expect(all.journeys.map((j) => j.journey)).toEqual(['abandoned-cart', 'birthday', 'coffee-refill', 'delivery-delay', 'dunning', 'order-follow-up', 'post-purchase', 'second-order', 'welcome', 'win-back']);
    expect(all.journeys[0]).toEqual({
      journey: 'abandoned-cart',
      name: 'Abandoned-cart recovery',
      entered: 0,
      active: 0,
      finished: 0,
      sent: 0,
      delivered: 0,
      clicked: 0,
      bounced: 0,
      complained: 0,
      suppressed: {},
      converted: 0,
      revenue: { PLN: '0.00' },
      cost: { transitions: 0, invocations: 0, emails: 0, smsParts: 0, usd: 0 },
      days: [],
      nodes: [],
      // The subject test of the first reminder, with no one in it yet.
      experiments: [expect.objectContaining({ node: 'subject-test', kind: 'split', difference: null, verdict: 'not_enough_data' })],
      versions: [],
      edges: [],
    });
    expect(await get('/v1/journeys/no-such-journey/stats', SECRETS.apiKey)).toMatchObject({ status: 404, body: { error: 'no journey "no-such-journey" on this installation' } });
    const bad = await get('/v1/journeys/Bad%20Id/stats', SECRETS.apiKey);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ details: [{ path: 'id' }] });
  });
});
