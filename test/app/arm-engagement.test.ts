import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import type { EnrolDeps } from '../../functions/app/enrolment.ts';
import { acceptEvents } from '../../functions/app/ingest-event.ts';
import { journeysStats } from '../../functions/app/journey-stats.ts';
import { withStats } from '../../functions/app/measure.ts';
import type { EmailMessage } from '../../functions/app/ports.ts';
import { handleFeedback } from '../../functions/app/record-feedback.ts';
import { runGraphStep } from '../../functions/app/run-graph.ts';
import { bucket, pickVariant } from '../../functions/core/assign.ts';
import type { DomainEvent } from '../../functions/core/domain.ts';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import { silentLog } from '../../functions/shared/logger.ts';
import { COST_PRICES } from '../../functions/shared/prices.ts';
import { JourneyConfig, journeyFlow } from '../../workflows/src/journey.ts';
import { loadTemplates } from '../../workflows/src/load.ts';
import { graphPayload, graphStep } from '../support/graph-step.ts';
import { RecordingRunner } from '../support/recording-runner.ts';

/**
 * A split's arms and what became of their messages: each message carries the arm it was sent
 * under, so its delivery and click count under that arm whenever they arrive, even once the
 * enrolment has gone on through another split into another arm, or ended.
 */
const T = new Date('2026-06-02T10:00:00Z');
const DAY = 86_400_000;

const graph = JourneyConfig.parse({
  id: 'shipping',
  name: 'Shipping',
  trigger: 'order.placed',
  topic: 'marketing',
  nodes: [
    { id: 'subject', split: { variants: [{ name: 'a', weight: 50, next: 'mail-a' }, { name: 'b', weight: 50, next: 'mail-b' }] } },
    { id: 'mail-a', send: { channel: 'email', template: 'followup-check-in' }, next: 'pause' },
    { id: 'mail-b', send: { channel: 'email', template: 'followup-nps' }, next: 'pause' },
    { id: 'pause', wait: { for: 'P1D' } },
    { id: 'offer', split: { variants: [{ name: 'x', weight: 50, next: 'later' }, { name: 'y', weight: 50, next: 'later' }] } },
    { id: 'later', send: { channel: 'email', template: 'followup-check-in' } },
  ],
});
const flow = journeyFlow(graph)!;
const email = (n: number) => `arm${n}@example.pl`;
const idOf = (n: number) => customerIdFor('default', { email: email(n) })!;
const armOf = (n: number, split: string, names: string[]) => pickVariant(names.map((name) => ({ name, weight: 50 })), bucket('default', idOf(n), 'shipping', split)).name;

function world() {
  const store = withStats(new MemoryStore(), { journeys: [graph], log: silentLog });
  let now = T;
  const { step, emails } = graphStep({ store, journeys: [graph], templates: loadTemplates(), now: () => now });
  const enrol: EnrolDeps = { config: { tenant: 'default' }, store, journeys: [graph], runner: new RecordingRunner(), clock: { now: () => now }, log: silentLog };
  const walk = (n: number, entry: string) =>
    runGraphStep(graphPayload(flow, { journey: 'shipping', trigger: 'order.placed', topic: 'marketing', entry, executionName: executionName('shipping', 'default', `o-${n}`), customerId: idOf(n), key: `o-${n}`, firstAt: T.toISOString() }), step);
  const feedback = (eventType: string, m: EmailMessage) =>
    handleFeedback(
      { eventType, mail: { messageId: `m-${emails.indexOf(m) + 1}`, tags: Object.fromEntries(Object.entries(m.tags ?? {}).map(([k, v]) => [k, [v]])) } },
      { tenant: 'default', store, clock: { now: () => now }, log: silentLog },
    );
  const stats = async () => (await journeysStats({ tenant: 'default', store, journeys: [graph], prices: COST_PRICES, now }, 'shipping'))!.journeys[0]!;
  return { store, emails, enrol, walk, feedback, stats, at: (t: Date) => (now = t) };
}

const order = (n: number): DomainEvent =>
  ({
    key: `o-${n}`,
    source: 'api',
    type: 'order.placed',
    occurredAt: T.toISOString(),
    customer: { email: email(n), firstName: 'Ola', consent: { emailMarketing: true } },
    order: { id: `o-${n}`, total: '80.00', currency: 'PLN', items: [{ title: 'Kubek', quantity: 1, price: '80.00' }] },
  }) as DomainEvent;

describe('engagement of an experiment’s arms', () => {
  it('counts a delivery and a click of a message sent under arm b under b, though the enrolment went on into another arm and ended', async () => {
    // A customer the subject split puts in b, and one it puts in a.
    const inB = Array.from({ length: 40 }, (_, i) => i + 1).find((n) => armOf(n, 'subject', ['a', 'b']) === 'b')!;
    const inA = Array.from({ length: 40 }, (_, i) => i + 1).find((n) => armOf(n, 'subject', ['a', 'b']) === 'a')!;
    const w = world();
    for (const n of [inB, inA]) {
      await acceptEvents([order(n)], w.enrol);
      expect(await w.walk(n, 'subject')).toMatchObject({ continue: true, next: 'pause' });
    }
    const first = w.emails[0]!;
    expect(first.tags).toMatchObject({ journey: 'shipping', step: 'mail-b', variant: 'b' });
    // A day on: through the second split into x or y, the last message, the end.
    w.at(new Date(T.getTime() + DAY));
    expect(await w.walk(inB, 'offer')).toMatchObject({ continue: false });
    const enrolment = await w.store.getEnrolment('default', idOf(inB), 'shipping', `o-${inB}`);
    expect(enrolment).toMatchObject({ status: 'completed', variant: armOf(inB, 'offer', ['x', 'y']) });
    expect(w.emails.at(-1)!.tags).toMatchObject({ step: 'later', variant: enrolment!.variant });
    // Only now do the first message's delivery and click arrive.
    w.at(new Date(T.getTime() + 2 * DAY));
    await w.feedback('Delivery', first);
    await w.feedback('Click', first);
    await w.feedback('Click', first);
    await w.feedback('Delivery', w.emails[1]!);
    const s = await w.stats();
    const arms = (node: string) => Object.fromEntries(s.experiments.find((x) => x.node === node)!.arms.map((a) => [a.variant, [a.recipients, a.delivered, a.clicked, a.clickRate]]));
    expect(arms('subject')).toEqual({ a: [1, 1, 0, 0], b: [1, 1, 1, 1] });
    // The second split's arms saw none of it: its message was not delivered yet.
    expect(Object.values(arms('offer')).map(([, delivered, clicked]) => delivered! + clicked!)).toEqual([0, 0]);
    expect(s).toMatchObject({ delivered: 2, clicked: 1 });
  });
});
