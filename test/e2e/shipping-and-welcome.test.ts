import { describe, expect, it } from 'vitest';
import { customerIdFor } from '../../functions/shared/ids.ts';
import { localHarness } from '../support/harness.ts';
import { apiEvent, hours, inbox } from '../support/local.ts';

/**
 * The journeys that start on shipping and on a new customer, end to end on DynamoDB Local under
 * the virtual clock: the delivery-delay notice (a waitFor raced by the delivery and its timeout)
 * and the welcome series (a branch on whether the customer ordered meanwhile).
 */
const harness = localHarness();
const T = new Date('2026-05-11T08:00:00Z');
const days = (n: number) => hours(24 * n);
const at = (ms: number) => new Date(T.getTime() + ms);
const customer = (email: string, extra: Record<string, unknown> = {}) => ({ email, firstName: 'Zofia', locale: 'pl', ...extra });

const placed = (id: string, email: string, when: Date) =>
  apiEvent({ id: `placed-${id}`, type: 'order.placed', occurredAt: when.toISOString(), customer: customer(email), order: { id, total: '210.00', currency: 'PLN' } });
const shipped = (id: string, when: Date) =>
  apiEvent({ id: `shipped-${id}`, type: 'order.fulfilled', occurredAt: when.toISOString(), customer: {}, order: { id, trackingUrl: `https://tracking.example.pl/${id}` } });
const delivered = (id: string, when: Date) => apiEvent({ id: `delivered-${id}`, type: 'order.delivered', occurredAt: when.toISOString(), customer: {}, order: { id } });
const DELAY = /jeszcze w drodze/;

describe('delivery-delay notice', () => {
  it('shipped and not delivered within 5 days: an apology with the tracking link, and a task for staff', async () => {
    const s = await harness.stack(T);
    const email = 'late.parcel@example.pl';
    expect((await s.request(placed('o-late', email, T))).status).toBe(202);
    await s.engine.advanceTo(at(hours(2)));
    expect((await s.request(shipped('o-late', at(hours(2))))).status).toBe(202);
    await s.engine.advanceTo(at(hours(2) + days(5) - 60_000));
    expect(await inbox(s.sesEndpoint!, email, DELAY)).toHaveLength(0);
    await s.engine.advanceTo(at(hours(2) + days(5) + 60_000));
    const [apology] = await inbox(s.sesEndpoint!, email, DELAY);
    expect(apology?.subject).toBe('Zamówienie o-late jeszcze w drodze — przepraszamy');
    expect(apology?.body.text).toContain('https://tracking.example.pl/o-late');
    expect(await s.store.listTasks('default')).toEqual([expect.objectContaining({ journey: 'delivery-delay', step: 'chase-carrier', subject: 'Sprawdź przesyłkę zamówienia o-late' })]);
  });

  it('delivered first: the wait ends at the delivery, nothing is sent, and the follow-up checks start', async () => {
    const s = await harness.stack(T);
    const email = 'on.time@example.pl';
    await s.request(placed('o-time', email, T));
    await s.engine.advanceTo(at(hours(2)));
    await s.request(shipped('o-time', at(hours(2))));
    await s.engine.advanceTo(at(days(2)));
    expect((await s.request(delivered('o-time', at(days(2))))).status).toBe(202);
    await s.engine.advanceTo(at(days(8)));
    expect(await inbox(s.sesEndpoint!, email, DELAY)).toHaveLength(0);
    expect(await s.store.listTasks('default')).toEqual([]);
    const customerId = customerIdFor('default', { email })!;
    expect(await s.store.getEnrolment('default', customerId, 'delivery-delay', 'o-time')).toMatchObject({ status: 'completed', endReason: 'exit' });
    // The delivery also started the follow-up: its check-in 3 days later.
    expect((await inbox(s.sesEndpoint!, email)).map((m) => m.subject)).toContain('Czy wszystko w porządku z zamówieniem o-time?');
  });
});

describe('welcome series', () => {
  const created = (id: string, email: string, when: Date) =>
    apiEvent({ id, type: 'customer.created', occurredAt: when.toISOString(), customer: customer(email, { consent: { emailMarketing: true } }) });

  it('welcomes at once, and three days later sends tips to those who have not ordered', async () => {
    const s = await harness.stack(T);
    expect((await s.request(created('new-1', 'nowa@example.pl', T))).status).toBe(202);
    expect((await s.request(created('new-2', 'kupila@example.pl', T))).status).toBe(202);
    // The same customer reported again (another platform, a redelivery): one welcome.
    expect((await s.request(created('new-1-again', 'nowa@example.pl', at(hours(1))))).status).toBe(202);
    await s.engine.idle();
    expect((await inbox(s.sesEndpoint!, 'nowa@example.pl')).map((m) => m.subject)).toEqual(['Witamy w sklepie Sklep Testowy']);
    await s.request(placed('o-first', 'kupila@example.pl', at(days(1))));
    await s.engine.advanceTo(at(days(4)));
    expect((await inbox(s.sesEndpoint!, 'nowa@example.pl')).map((m) => m.subject)).toEqual(['Witamy w sklepie Sklep Testowy', 'Od czego zacząć zakupy w sklepie Sklep Testowy?']);
    expect((await inbox(s.sesEndpoint!, 'kupila@example.pl')).map((m) => m.subject)).not.toContain('Od czego zacząć zakupy w sklepie Sklep Testowy?');
  });

  it('without marketing consent: no welcome, and the decision says why', async () => {
    const s = await harness.stack(T);
    await s.request(apiEvent({ id: 'new-3', type: 'customer.created', occurredAt: T.toISOString(), customer: customer('bez.zgody@example.pl') }));
    await s.engine.advanceTo(at(days(4)));
    expect(await inbox(s.sesEndpoint!, 'bez.zgody@example.pl')).toHaveLength(0);
    const decisions = await s.store.listDecisions('default', customerIdFor('default', { email: 'bez.zgody@example.pl' })!);
    expect(decisions).toContainEqual(expect.objectContaining({ journey: 'welcome', step: 'hello', outcome: 'suppressed', reason: 'no_consent' }));
  });
});
