import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import type { EnrolDeps } from '../../functions/app/enrolment.ts';
import { acceptEvents } from '../../functions/app/ingest-event.ts';
import { journeysStats } from '../../functions/app/journey-stats.ts';
import { withStats } from '../../functions/app/measure.ts';
import type { StateStore } from '../../functions/app/ports.ts';
import { handleFeedback } from '../../functions/app/record-feedback.ts';
import type { DomainEvent } from '../../functions/core/domain.ts';
import type { Decision } from '../../functions/core/model.ts';
import type { StatsJourney } from '../../functions/core/stats.ts';
import { customerIdFor } from '../../functions/shared/ids.ts';
import { silentLog } from '../../functions/shared/logger.ts';
import { COST_PRICES } from '../../functions/shared/prices.ts';
import { loadJourneys } from '../../workflows/src/load.ts';
import { RecordingRunner } from '../support/recording-runner.ts';

/**
 * Counting where facts are recorded: the store decorator (enrolments, decisions, experiment arms),
 * conversions of decisions that carry variants (as a journey graph's split and holdout nodes will
 * write them), and delivery feedback. Each fact counts once, however often it is written again.
 */
const TENANT = 'default';
const T = new Date('2026-03-30T10:00:00Z');
const plus = (minutes: number) => new Date(T.getTime() + minutes * 60_000).toISOString();
const CART_GRAPH = { id: 'abandoned-cart', name: 'Abandoned-cart recovery', nodes: [{ id: 'keep-out', holdout: { percent: 50 } }, { id: 'first-reminder' }, { id: 'second-reminder' }] };

function decision(executionName: string, step: string, at: string, extra: Partial<Decision> = {}): Decision {
  return { at, journey: 'abandoned-cart', step, executionName, channel: 'email', outcome: 'sent', topic: 'marketing', template: 'cart-reminder-1', locale: 'pl', ...extra };
}

function setup(o: { journeys?: StatsJourney[]; estimateUsage?: boolean } = {}) {
  const raw = new MemoryStore();
  const store = withStats(raw, { journeys: o.journeys ?? [], log: silentLog, estimateUsage: o.estimateUsage });
  const deps: EnrolDeps = { config: { tenant: TENANT }, store, journeys: loadJourneys(), runner: new RecordingRunner(), clock: { now: () => new Date(plus(24 * 60)) }, log: silentLog };
  const stats = async (journey = 'abandoned-cart') =>
    (await journeysStats({ tenant: TENANT, store, journeys: o.journeys ?? [{ id: journey, name: journey }], prices: COST_PRICES, now: T }, journey))!.journeys[0]!;
  return { raw, store, deps, stats };
}

const order = (n: number, email: string, total: string): DomainEvent =>
  ({ key: `api:o-${n}`, source: 'api', type: 'order.placed', occurredAt: plus(24 * 60), customer: { email }, order: { id: `o-${n}`, total, currency: 'PLN', items: [] } }) as DomainEvent;

describe('the counting store', () => {
  it('counts an enrolment entered and finished once, however often it is written again', async () => {
    const { store, stats } = setup();
    const enrolment = { journey: 'abandoned-cart', key: 'tok-1', executionName: 'abandoned-cart-1', startedAt: plus(0) };
    expect(await store.createEnrolment(TENANT, 'c_1', enrolment)).toBe(true);
    expect(await store.createEnrolment(TENANT, 'c_1', enrolment)).toBe(false);
    expect(await store.endEnrolment(TENANT, 'c_1', 'abandoned-cart', 'tok-1', 'completed', 'last-step', plus(90))).toBe(true);
    expect(await store.endEnrolment(TENANT, 'c_1', 'abandoned-cart', 'tok-1', 'stopped', 'erasure', plus(91))).toBe(false);
    expect(await stats()).toMatchObject({ entered: 1, finished: 1, active: 0 });
  });

  it('counts an enrolment finished under the definition version it started on, whenever it ends', async () => {
    const { store, stats } = setup();
    await store.createEnrolment(TENANT, 'c_1', { journey: 'abandoned-cart', key: 'tok-1', executionName: 'abandoned-cart-1', startedAt: plus(0), version: 'aaaaaaaaaaaa' });
    await store.createEnrolment(TENANT, 'c_2', { journey: 'abandoned-cart', key: 'tok-2', executionName: 'abandoned-cart-2', startedAt: plus(5), version: 'bbbbbbbbbbbb' });
    // Both end after the second version is out: each under its own.
    await store.endEnrolment(TENANT, 'c_1', 'abandoned-cart', 'tok-1', 'completed', 'last-step', plus(90));
    await store.endEnrolment(TENANT, 'c_2', 'abandoned-cart', 'tok-2', 'goal-reached', 'goal', plus(95));
    expect((await stats()).versions.map((v) => [v.version, v.entered, v.finished])).toEqual([
      ['aaaaaaaaaaaa', 1, 1],
      ['bbbbbbbbbbbb', 1, 1],
    ]);
  });

  it('counts a decision once: a resumed step writing it again adds nothing; on AWS each step adds its estimated cost', async () => {
    const { store, stats } = setup({ estimateUsage: true });
    const sent = decision('abandoned-cart-1', 'first-reminder', plus(60));
    expect(await store.recordDecision(TENANT, 'c_1', sent)).toBe(true);
    expect(await store.recordDecision(TENANT, 'c_1', sent)).toBe(false);
    await store.recordDecision(TENANT, 'c_1', decision('abandoned-cart-1', 'second-reminder', plus(120), { channel: 'sms', segments: 2 }));
    await store.recordDecision(TENANT, 'c_2', decision('abandoned-cart-2', 'first-reminder', plus(60), { outcome: 'suppressed', reason: 'no_consent' }));
    await store.recordDecision(TENANT, 'c_3', decision('abandoned-cart-3', 'first-reminder', plus(60), { outcome: 'deferred', reason: 'quiet_hours', until: plus(600) }));
    expect(await stats()).toMatchObject({
      sent: 2,
      suppressed: { no_consent: 1 },
      cost: { transitions: 9, invocations: 3, emails: 1, smsParts: 2 },
      nodes: [
        { node: 'first-reminder', sent: 1, suppressed: 1, converted: 0 },
        { node: 'second-reminder', sent: 1, suppressed: 0, converted: 0 },
      ],
    });
  });

  it('keeps the fact when its counter cannot be written, and says so without personal data', async () => {
    const raw = new MemoryStore();
    const failing = new Proxy(raw, { get: (t, name) => (name === 'addCounts' ? () => Promise.reject(Object.assign(new Error('throttled'), { name: 'ThrottlingException' })) : Reflect.get(t, name, t)) }) as StateStore;
    const lines: string[] = [];
    const log = { info() {}, error() {}, warn: (code: string, fields?: Record<string, unknown>) => lines.push(JSON.stringify({ code, ...fields })) };
    const store = withStats(failing, { journeys: [], log });
    expect(await store.recordDecision(TENANT, 'c_1', decision('abandoned-cart-1', 'first-reminder', plus(60)))).toBe(true);
    expect(await raw.listDecisions(TENANT, 'c_1')).toHaveLength(1);
    expect(lines).toEqual([JSON.stringify({ code: 'STATS_NOT_COUNTED', journey: 'abandoned-cart', error: 'ThrottlingException' })]);
  });
});

describe('experiments fed with decisions that carry their variant', () => {
  it('measures a holdout: members convert on their would-be sends, each arm counts its recipients once', async () => {
    const { store, deps, stats } = setup({ journeys: [CART_GRAPH] });
    const emails = Array.from({ length: 20 }, (_, i) => `klient${i}@example.pl`);
    for (const [i, email] of emails.entries()) {
      const id = customerIdFor(TENANT, { email })!;
      await store.upsertCustomer(TENANT, id, { email }, plus(0));
      const held = i % 2 === 0;
      const extra: Partial<Decision> = held ? { outcome: 'suppressed', reason: 'holdout', variant: 'holdout' } : {};
      await store.recordDecision(TENANT, id, decision(`abandoned-cart-${i}`, 'first-reminder', plus(60), extra));
      await store.recordDecision(TENANT, id, decision(`abandoned-cart-${i}`, 'second-reminder', plus(120), extra));
      // A resumed step rewriting its decision counts nothing.
      await store.recordDecision(TENANT, id, decision(`abandoned-cart-${i}`, 'second-reminder', plus(120), extra));
    }
    // Of the 10 held out, 2 order; of the 10 messaged, 6 do (and one of them twice: two orders, two conversions).
    const buyers = [0, 2, 1, 3, 5, 7, 9, 11];
    for (const [n, i] of buyers.entries()) await acceptEvents([order(n, emails[i]!, '100.00')], deps);
    await acceptEvents([order(99, emails[11]!, '50.00')], deps);
    // Redelivered: nothing more.
    await acceptEvents([order(0, emails[0]!, '100.00')], deps);
    const s = await stats();
    expect(s.converted).toBe(9);
    expect(s.revenue).toEqual({ PLN: '850.00' });
    expect(s.suppressed).toEqual({ holdout: 20 });
    expect(s.experiments).toEqual([
      {
        node: 'keep-out',
        kind: 'holdout',
        arms: [
          { variant: 'holdout', recipients: 10, conversions: 2, rate: 0.2, revenuePerRecipient: '20.00', delivered: 0, clicked: 0, clickRate: 0, bounced: 0, complained: 0 },
          { variant: 'messaged', recipients: 10, conversions: 7, rate: 0.7, revenuePerRecipient: '65.00', delivered: 0, clicked: 0, clickRate: 0, bounced: 0, complained: 0 },
        ],
        // Revenue per recipient 65 against 20 zł, Welch's interval from each conversion's revenue and its square.
        difference: { rate: 0.5, low: expect.any(Number), high: expect.any(Number), revenue: { perRecipient: '45.00', low: '2.79', high: '87.21', verdict: 'better' } },
        verdict: 'better',
        neededPerArm: null,
      },
    ]);
    expect(s.experiments[0]!.difference!.low).toBeGreaterThan(0);
  });

  it('measures a split whose arms send twice: one recipient per execution, conversions credited to the last message’s arm', async () => {
    const { store, deps, stats } = setup();
    const emails = Array.from({ length: 8 }, (_, i) => `split${i}@example.pl`);
    for (const [i, email] of emails.entries()) {
      const id = customerIdFor(TENANT, { email })!;
      const variant = i < 4 ? 'a' : 'b';
      await store.recordDecision(TENANT, id, decision(`abandoned-cart-${i}`, `first-${variant}`, plus(60), { variant, version: 'v1' }));
      await store.recordDecision(TENANT, id, decision(`abandoned-cart-${i}`, `second-${variant}`, plus(120), { variant, version: 'v1' }));
    }
    await acceptEvents([order(1, emails[0]!, '10.00')], deps);
    await acceptEvents([order(2, emails[4]!, '30.00')], deps);
    await acceptEvents([order(3, emails[5]!, '30.00')], deps);
    const [split] = (await stats()).experiments;
    expect(split).toMatchObject({
      node: 'split',
      kind: 'split',
      arms: [
        { variant: 'a', recipients: 4, conversions: 1, rate: 0.25, revenuePerRecipient: '2.50' },
        { variant: 'b', recipients: 4, conversions: 2, rate: 0.5, revenuePerRecipient: '15.00' },
      ],
      verdict: 'not_enough_data',
    });
    expect(split!.neededPerArm).toBeGreaterThan(4);
  });
});

describe('survey answers', () => {
  it('count once per customer and subject, as last given: a changed score replaces the earlier one, a late older one changes nothing', async () => {
    const { store, stats } = setup({ journeys: [{ id: 'order-follow-up', name: 'Follow-up' }] });
    for (const [id, key] of [['c_1', 'o-1'], ['c_2', 'o-2']]) {
      await store.upsertCustomer(TENANT, id!, { firstName: 'Zofia' }, plus(0));
      await store.createEnrolment(TENANT, id!, { journey: 'order-follow-up', key: key!, executionName: `order-follow-up-${key}`, startedAt: plus(0), version: 'aaaaaaaaaaaa' });
    }
    await store.recordScore(TENANT, 'c_1', { journey: 'order-follow-up', subject: 'o-1', score: 10, at: plus(60) });
    await store.recordScore(TENANT, 'c_2', { journey: 'order-follow-up', subject: 'o-2', score: 8, at: plus(61) });
    expect((await stats('order-follow-up')).nps).toMatchObject({ responses: 2, promoters: 1, passives: 1, detractors: 0, score: 50, few: true });
    // She changes her mind: still one answer of hers, now a detractor's.
    await store.recordScore(TENANT, 'c_1', { journey: 'order-follow-up', subject: 'o-1', score: 4, at: plus(90) });
    // An older answer arriving after it (a slow request): kept as history, the later one stands.
    await store.recordScore(TENANT, 'c_1', { journey: 'order-follow-up', subject: 'o-1', score: 9, at: plus(80) });
    // A CSAT answer is counted apart; one about no enrolment of hers counts nothing.
    await store.recordScore(TENANT, 'c_1', { journey: 'order-follow-up', subject: 'o-1', score: 5, at: plus(95), question: 'csat' });
    await store.recordScore(TENANT, 'c_1', { journey: 'order-follow-up', subject: 'o-unknown', score: 0, at: plus(96) });
    const s = await stats('order-follow-up');
    expect(s.nps).toEqual({ responses: 2, promoters: 0, passives: 1, detractors: 1, score: -50, margin: null, few: true });
    expect(s.csat).toEqual({ responses: 1, satisfied: 1, score: 100, mean: 5, margin: null, few: true });
    expect(s.versions).toEqual([expect.objectContaining({ version: 'aaaaaaaaaaaa', entered: 2, nps: s.nps, csat: s.csat })]);
    // Every answer is kept under the customer, the replaced and uncounted ones too.
    expect(((await store.exportCustomer(TENANT, 'c_1'))['surveyAnswers'] as unknown[]).length).toBe(5);
  });
});

describe('delivery feedback', () => {
  const ses = (eventType: string, messageId: string, tags: Record<string, string[]> = { journey: ['abandoned-cart'], step: ['first-reminder'], shop: [TENANT] }) => ({
    eventType,
    mail: { messageId, tags },
  });

  it('counts deliveries and clicks once per message, opens only when asked to, SMS deliveries by their context', async () => {
    const { store, stats } = setup();
    const deps = { tenant: TENANT, store, clock: { now: () => T }, log: silentLog };
    expect(await handleFeedback(ses('Delivery', 'm-1'), deps)).toEqual({ kind: 'engagement', engagement: 'delivered', counted: true });
    expect(await handleFeedback(ses('Delivery', 'm-1'), deps)).toEqual({ kind: 'engagement', engagement: 'delivered', counted: false });
    await handleFeedback(ses('Delivery', 'm-2'), deps);
    await handleFeedback(ses('Click', 'm-1'), deps);
    await handleFeedback(ses('Click', 'm-1'), deps);
    expect(await handleFeedback(ses('Open', 'm-1'), deps)).toEqual({ kind: 'ignored', reason: 'event type "open"' });
    expect(await handleFeedback(ses('Open', 'm-1'), { ...deps, countOpens: true })).toEqual({ kind: 'engagement', engagement: 'opened', counted: true });
    // Untagged (sent by something else): nothing to count it under.
    expect(await handleFeedback(ses('Delivery', 'm-3', {}), deps)).toEqual({ kind: 'engagement', engagement: 'delivered', counted: false });
    const sms = (eventType: string, messageId = 'sms-1') => ({ eventType, messageId, context: { journey: 'abandoned-cart', step: 'second-reminder', shop: TENANT } });
    expect(await handleFeedback(sms('TEXT_QUEUED'), deps)).toEqual({ kind: 'ignored', reason: 'SMS event "TEXT_QUEUED"' });
    expect(await handleFeedback(sms('TEXT_DELIVERED'), deps)).toEqual({ kind: 'engagement', engagement: 'delivered', counted: true });
    // Where carriers report acceptance as well as (or instead of) delivery: one delivery per message.
    expect(await handleFeedback(sms('TEXT_SUCCESSFUL'), deps)).toEqual({ kind: 'engagement', engagement: 'delivered', counted: false });
    const s = await stats();
    expect(s).toMatchObject({ delivered: 3, clicked: 1 });
    const rows = await store.journeyCounters(TENANT, 'abandoned-cart');
    expect(rows.map((r) => [r.node, r.counts])).toEqual([
      ['first-reminder', { delivered: 2, clicked: 1, opened: 1 }],
      ['second-reminder', { delivered: 1 }],
    ]);
  });

  it('counts deliveries, clicks and bounces under the definition version the message was sent under (its tag)', async () => {
    const { store, stats } = setup();
    const deps = { tenant: TENANT, store, clock: { now: () => T }, log: silentLog };
    const tags = (version?: string) => ({ journey: ['abandoned-cart'], step: ['first-reminder'], shop: [TENANT], ...(version ? { version: [version] } : {}) });
    await handleFeedback(ses('Delivery', 'm-1', tags('aaaaaaaaaaaa')), deps);
    await handleFeedback(ses('Click', 'm-1', tags('aaaaaaaaaaaa')), deps);
    await handleFeedback(ses('Delivery', 'm-2', tags('bbbbbbbbbbbb')), deps);
    const bounce = { ...ses('Bounce', 'm-3', tags('bbbbbbbbbbbb')), bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'hard@example.pl' }] } };
    await handleFeedback(bounce, deps);
    await handleFeedback({ eventType: 'TEXT_DELIVERED', messageId: 'sms-1', context: { journey: 'abandoned-cart', step: 'help-sms', shop: TENANT, version: 'bbbbbbbbbbbb' } }, deps);
    // Sent before messages carried their version, or a tag that is no version: under none.
    await handleFeedback(ses('Delivery', 'm-4', tags()), deps);
    await handleFeedback(ses('Delivery', 'm-5', tags('../../x')), deps);
    const rows = await store.journeyCounters(TENANT, 'abandoned-cart');
    expect(rows.map((r) => [r.version, r.node, r.counts])).toEqual([
      ['-', 'first-reminder', { delivered: 2 }],
      ['aaaaaaaaaaaa', 'first-reminder', { delivered: 1, clicked: 1 }],
      ['bbbbbbbbbbbb', 'first-reminder', { delivered: 1, bounced: 1 }],
      ['bbbbbbbbbbbb', 'help-sms', { delivered: 1 }],
    ]);
    const s = await stats();
    expect(s.versions.map((v) => [v.version, v.delivered, v.clicked, v.bounced])).toEqual([
      [null, 2, 0, 0],
      ['aaaaaaaaaaaa', 1, 1, 0],
      ['bbbbbbbbbbbb', 2, 0, 1],
    ]);
  });

  it('counts a bounce and a complaint beside suppressing the address', async () => {
    const { store } = setup();
    const deps = { tenant: TENANT, store, clock: { now: () => T }, log: silentLog };
    const bounce = { ...ses('Bounce', 'm-9'), bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'hard@example.pl' }] } };
    expect(await handleFeedback(bounce, deps)).toEqual({ kind: 'bounce', suppressed: 1 });
    expect(await handleFeedback(bounce, deps)).toEqual({ kind: 'bounce', suppressed: 1 });
    expect(await store.isSuppressed(TENANT, 'email', 'hard@example.pl')).toBe(true);
    expect((await store.journeyCounters(TENANT, 'abandoned-cart'))[0]!.counts).toEqual({ bounced: 1 });
  });

  it('counts an SMS the carrier finally gave up on as a bounce, and a temporary failure as nothing yet', async () => {
    const { store, stats } = setup();
    const deps = { tenant: TENANT, store, clock: { now: () => T }, log: silentLog };
    const sms = (eventType: string, messageId: string, isFinal?: boolean) => ({ eventType, messageId, ...(isFinal === undefined ? {} : { isFinal }), context: { journey: 'abandoned-cart', step: 'help-sms', shop: TENANT } });
    expect(await handleFeedback(sms('TEXT_CARRIER_UNREACHABLE', 'sms-7', false), deps)).toEqual({ kind: 'ignored', reason: 'SMS event "TEXT_CARRIER_UNREACHABLE"' });
    expect(await handleFeedback(sms('TEXT_DELIVERED', 'sms-7', true), deps)).toMatchObject({ engagement: 'delivered', counted: true });
    expect(await handleFeedback(sms('TEXT_INVALID', 'sms-8', true), deps)).toEqual({ kind: 'engagement', engagement: 'bounced', counted: true });
    expect(await handleFeedback(sms('TEXT_UNKNOWN', 'sms-8'), deps)).toEqual({ kind: 'engagement', engagement: 'bounced', counted: false });
    const s = await stats();
    expect(s).toMatchObject({ delivered: 1, bounced: 1, complained: 0 });
    expect(s.nodes).toEqual([expect.objectContaining({ node: 'help-sms', delivered: 1, bounced: 1 })]);
  });
});
