import { afterEach, describe, expect, it } from 'vitest';
import type { JourneyStats } from '../../functions/core/stats.ts';
import { journeyVersion } from '../../functions/core/journey-version.ts';
import { customerIdFor } from '../../functions/shared/ids.ts';
import { loadJourneys } from '../../workflows/src/load.ts';
import { apiEvent, hours, memoryStack, SECRETS } from '../support/local.ts';

/**
 * The shipped follow-up after a delivery asks CSAT about the order, end to end on the local stack
 * (memory backend): the customers' answers through the survey page, one changed, reach the journey's
 * figures once each, a low score opens a staff task, and every customer still gets the review request.
 */
const T = new Date('2026-07-01T10:00:00Z');
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const nonceIn = (html: string) => /name="nonce" value="([^"]+)"/.exec(html)![1]!;
let s: Awaited<ReturnType<typeof memoryStack>>;
afterEach(async () => {
  await s?.stop();
});

describe('the follow-up’s CSAT question and its figures', () => {
  it('counts each customer’s latest answer once, opens a task for a low one, and asks everyone for a review', async () => {
    s = await memoryStack(T);
    const people = ['ala@example.pl', 'ola@example.pl', 'ela@example.pl'];
    for (const [i, email] of people.entries()) {
      const event = apiEvent({ id: `d-${i}`, type: 'order.delivered', occurredAt: T.toISOString(), customer: { email, firstName: 'Ala', consent: { emailMarketing: true } }, order: { id: `o-${i}` } });
      expect((await s.request(event)).status).toBe(202);
    }
    await s.engine.advanceTo(new Date(T.getTime() + hours(24 * 5 + 1)));
    const link = (email: string) => {
      const mail = s.outbox!.emails.find((m) => m.destination.to.includes(email) && m.tags['step'] === 'csat-survey')!;
      expect(mail.subject).toBe('Jak oceniasz zakupy w sklepie Sklep Testowy?');
      return /(http:\/\/\S+\/survey\?\S+)/.exec(mail.body.text!)![1]!;
    };
    const answer = async (url: string, score: number, nonce: string) => (await fetch(url, { method: 'POST', headers: FORM, body: `score=${score}&nonce=${nonce}` })).status;
    // Ala is unhappy at first, then (the page still open) changes her answer; Ola is happy; Ela does not answer.
    const ala = link(people[0]!);
    expect(ala).toContain('q=csat');
    const alaNonce = nonceIn(await (await fetch(ala)).text());
    expect(await answer(ala, 2, alaNonce)).toBe(200);
    await s.engine.advanceTo(new Date(T.getTime() + hours(24 * 5 + 2)));
    expect(await answer(ala, 4, alaNonce)).toBe(200);
    const ola = link(people[1]!);
    expect(await answer(ola, 5, nonceIn(await (await fetch(ola)).text()))).toBe(200);

    const res = await s.request({ method: 'GET', path: '/v1/journeys/order-follow-up/stats', headers: { authorization: `Bearer ${SECRETS.apiKey}` }, rawBody: Buffer.alloc(0) });
    const stats = (res.body as { journeys: JourneyStats[] }).journeys[0]!;
    // Two answers, both now satisfied: Ala's 2 was replaced by her 4.
    const csat = { responses: 2, satisfied: 2, score: 100, mean: 4.5, margin: null, few: true };
    expect(stats.csat).toEqual(csat);
    expect(stats.nps).toBeUndefined();
    const version = journeyVersion(loadJourneys().find((j) => j.id === 'order-follow-up')!);
    expect(stats.versions).toEqual([expect.objectContaining({ version, entered: 3, csat })]);
    expect(stats.days.map((d) => d.csat?.responses ?? 0).reduce((a, b) => a + b, 0)).toBe(2);
    // Her first answer opened a task: a person calls, whatever she answered after.
    expect(await s.store.listTasks('default')).toEqual([expect.objectContaining({ kind: 'follow-up', journey: 'order-follow-up', customerId: customerIdFor('default', { email: people[0]! }) })]);

    await s.engine.advanceTo(new Date(T.getTime() + hours(24 * 20)));
    // No review gating: the review request goes to all three, whatever they answered or not.
    for (const email of people) expect(s.outbox!.emails.filter((m) => m.destination.to.includes(email)).map((m) => m.tags['step'])).toEqual(['check-in', 'csat-survey', 'review-request']);
  });
});
