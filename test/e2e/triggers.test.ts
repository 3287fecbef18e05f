import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JourneyStats } from '../../functions/core/stats.ts';
import { customerIdFor } from '../../functions/shared/ids.ts';
import { readScenario, simulate } from '../../local/simulate.ts';
import { localHarness } from '../support/harness.ts';
import { apiEvent, hours, inbox } from '../support/local.ts';

/**
 * What starts a journey besides its trigger, end to end through the synthesized state machines on
 * DynamoDB Local under the virtual clock, and in the simulator: the birthday wishes of a date
 * trigger (the daily run, 09:00 in the customer's zone, consent respected), the second-order
 * reminder (a filter on the trigger and on its waitFor) and the coffee refill (a segment written as
 * conditions).
 */
const harness = localHarness();
const days = (n: number) => hours(24 * n);
const customer = (email: string, extra: Record<string, unknown> = {}) => ({ email, firstName: 'Zofia', locale: 'pl', consent: { emailMarketing: true }, ...extra });
const updated = (id: string, at: Date, c: Record<string, unknown>) => apiEvent({ id, type: 'customer.updated', occurredAt: at.toISOString(), customer: c });
const placed = (id: string, email: string, total: string, at: Date, extra: Record<string, unknown> = {}) =>
  apiEvent({ id: `placed-${id}`, type: 'order.placed', occurredAt: at.toISOString(), customer: customer(email, extra), order: { id, total, currency: 'PLN' } });
const subjects = async (endpoint: string, email: string, about: RegExp) => (await inbox(endpoint, email, about)).map((m) => m.subject);

describe('birthday wishes (trigger: date)', () => {
  const T = new Date('2026-05-15T08:00:00Z');
  const WISHES = /Wszystkiego najlepszego|Happy birthday/;

  it('wishes each customer at 09:00 on the day in their zone, once; without consent, the decision says why', async () => {
    const s = await harness.stack(T);
    for (const [id, c] of [
      ['u-1', customer('urodziny@example.pl', { attributes: { birthday: '1990-05-17' } })],
      ['u-2', customer('tokio@example.pl', { locale: 'en', timeZone: 'Asia/Tokyo', attributes: { birthday: '1988-05-17' } })],
      ['u-3', { email: 'bez.zgody@example.pl', firstName: 'Ola', attributes: { birthday: '1979-05-17' } }],
      ['u-4', customer('jutro@example.pl', { attributes: { birthday: '1990-05-18' } })],
    ] as const) {
      expect((await s.request(updated(id, T, c))).status).toBe(202);
    }
    // 09:00 in Tokyo on the 17th is midnight UTC, the moment of that day's run.
    await s.engine.advanceTo(new Date('2026-05-16T23:59:00Z'));
    expect(await inbox(s.sesEndpoint!, 'tokio@example.pl', WISHES)).toHaveLength(0);
    await s.engine.advanceTo(new Date('2026-05-17T00:00:00Z'));
    expect(await subjects(s.sesEndpoint!, 'tokio@example.pl', WISHES)).toEqual(['Happy birthday from Sklep Testowy!']);
    // 09:00 in Warsaw (summer time) is 07:00 UTC.
    await s.engine.advanceTo(new Date('2026-05-17T06:59:00Z'));
    expect(await inbox(s.sesEndpoint!, 'urodziny@example.pl', WISHES)).toHaveLength(0);
    await s.engine.advanceTo(new Date('2026-05-17T07:00:00Z'));
    const [wishes] = await inbox(s.sesEndpoint!, 'urodziny@example.pl', WISHES);
    expect(wishes?.subject).toBe('Wszystkiego najlepszego od Sklep Testowy!');
    expect(wishes?.body.text).toContain('URODZINY15');
    await s.engine.advanceTo(new Date('2026-05-19T12:00:00Z'));
    expect(await subjects(s.sesEndpoint!, 'jutro@example.pl', WISHES)).toEqual(['Wszystkiego najlepszego od Sklep Testowy!']);
    expect(await subjects(s.sesEndpoint!, 'urodziny@example.pl', WISHES)).toHaveLength(1);
    expect(await inbox(s.sesEndpoint!, 'bez.zgody@example.pl', WISHES)).toHaveLength(0);
    const decisions = await s.store.listDecisions('default', customerIdFor('default', { email: 'bez.zgody@example.pl' })!);
    expect(decisions).toContainEqual(expect.objectContaining({ journey: 'birthday', step: 'wishes', outcome: 'suppressed', reason: 'no_consent' }));
  });
});

describe('second-order reminder (a filter on the trigger and on the waitFor)', () => {
  const T = new Date('2026-03-02T09:00:00Z');
  const NUDGE = /sprawdza zamówienie/;

  it('a month after a first order, unless an order of 100 zł or more came; a small one does not count', async () => {
    const s = await harness.stack(T);
    await s.request(placed('o-1', 'maly@example.pl', '150.00', T));
    await s.request(placed('o-3', 'drugi@example.pl', '150.00', T));
    await s.engine.idle();
    await s.engine.advanceTo(new Date(T.getTime() + days(5)));
    expect((await s.request(placed('o-2', 'maly@example.pl', '40.00', new Date(T.getTime() + days(5))))).status).toBe(202);
    await s.engine.advanceTo(new Date(T.getTime() + days(10)));
    expect((await s.request(placed('o-4', 'drugi@example.pl', '120.00', new Date(T.getTime() + days(10))))).status).toBe(202);
    await s.engine.advanceTo(new Date(T.getTime() + days(31)));
    expect(await subjects(s.sesEndpoint!, 'maly@example.pl', NUDGE)).toEqual(['Jak się sprawdza zamówienie o-1?']);
    expect(await inbox(s.sesEndpoint!, 'drugi@example.pl', NUDGE)).toHaveLength(0);
    const drugi = customerIdFor('default', { email: 'drugi@example.pl' })!;
    expect(await s.store.getEnrolment('default', drugi, 'second-order', 'o-3')).toMatchObject({ status: 'completed', endReason: 'exit' });
    // Neither later order was a first one.
    expect(await s.store.getEnrolment('default', drugi, 'second-order', 'o-4')).toBeUndefined();
    expect(await s.store.getEnrolment('default', customerIdFor('default', { email: 'maly@example.pl' })!, 'second-order', 'o-2')).toBeUndefined();
  });
});

describe('coffee refill (a segment written as conditions)', () => {
  const D0 = new Date('2026-06-01T10:00:00Z');
  const REFILL = /Kawa na dnie/;

  it('28 days after the last order, the morning run reminds those whose roast is known', async () => {
    const s = await harness.stack(D0);
    await s.request(updated('r-1', D0, customer('kawa@example.pl', { attributes: { roast: 'dark' } })));
    await s.request(placed('k-1', 'kawa@example.pl', '89.00', D0));
    await s.request(placed('k-2', 'bez.kawy@example.pl', '89.00', D0));
    // 29 June, 10:00 in Warsaw is 08:00 UTC.
    await s.engine.advanceTo(new Date('2026-06-29T07:59:00Z'));
    expect(await inbox(s.sesEndpoint!, 'kawa@example.pl', REFILL)).toHaveLength(0);
    await s.engine.advanceTo(new Date('2026-06-29T08:00:00Z'));
    expect(await subjects(s.sesEndpoint!, 'kawa@example.pl', REFILL)).toEqual(['Kawa na dnie? Czas na świeże ziarna']);
    await s.engine.advanceTo(new Date('2026-07-02T08:00:00Z'));
    expect(await subjects(s.sesEndpoint!, 'kawa@example.pl', REFILL)).toHaveLength(1);
    expect(await inbox(s.sesEndpoint!, 'bez.kawy@example.pl', REFILL)).toHaveLength(0);
  });
});

describe('in the simulator', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('prints the birthday wishes and the second-order reminder as message lines, and counts them in the summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'koszyk-sim-triggers-'));
    dirs.push(dir);
    const file = join(dir, 'triggers.jsonl');
    const line = (body: Record<string, unknown>) => JSON.stringify({ at: body['occurredAt'], route: '/v1/events', headers: { authorization: 'Bearer local-api-key' }, body });
    const t0 = '2026-09-01T08:00:00Z';
    writeFileSync(
      file,
      [
        line({ id: 'b-1', type: 'customer.updated', occurredAt: t0, customer: customer('sto.lat@example.pl', { attributes: { birthday: '1991-09-03' } }) }),
        line({ id: 'o-1', type: 'order.placed', occurredAt: t0, customer: customer('raz@example.pl'), order: { id: 'o-1', total: '150.00', currency: 'PLN' } }),
        line({ id: 'o-2', type: 'order.placed', occurredAt: '2026-09-04T08:00:00Z', customer: customer('raz@example.pl'), order: { id: 'o-2', total: '20.00', currency: 'PLN' } }),
      ].join('\n'),
    );
    const lines: Record<string, unknown>[] = [];
    await simulate(readScenario(file), { forSeconds: 35 * 86_400, backend: 'memory', write: (l) => lines.push(l) });
    const messages = lines.filter((l) => l['type'] === 'message' && (l['journey'] === 'birthday' || l['journey'] === 'second-order'));
    expect(messages).toEqual([
      expect.objectContaining({ journey: 'birthday', step: 'wishes', at: '2026-09-03T07:00:00.000Z', to: 'sto.lat@example.pl', template: 'birthday-wishes', subject: 'Wszystkiego najlepszego od Sklep Testowy!' }),
      expect.objectContaining({ journey: 'second-order', step: 'nudge', to: 'raz@example.pl', template: 'second-order-nudge', subject: 'Jak się sprawdza zamówienie o-1?' }),
    ]);
    const summary = (lines.at(-1)!['journeys'] as JourneyStats[]).filter((j) => j.journey === 'birthday' || j.journey === 'second-order');
    expect(summary.map((j) => [j.journey, j.entered, j.sent])).toEqual([
      ['birthday', 1, 1],
      ['second-order', 1, 1],
    ]);
  });
});
