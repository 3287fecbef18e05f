import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import type { EnrolDeps } from '../../functions/app/enrolment.ts';
import { acceptEvents } from '../../functions/app/ingest-event.ts';
import { type ProfileDeps, updateProfile, upsertProfile } from '../../functions/app/profile.ts';
import { type GraphDeps, runGraphStep } from '../../functions/app/run-graph.ts';
import { selectDates } from '../../functions/app/select-dates.ts';
import { GraphPayload } from '../../functions/core/step-payload.ts';
import { customerIdFor } from '../../functions/shared/ids.ts';
import { silentLog } from '../../functions/shared/logger.ts';
import { JourneyConfig, journeyFlow } from '../../workflows/src/journey.ts';
import { loadCatalogue, loadTemplates } from '../../workflows/src/load.ts';
import { dateOf } from '../../workflows/src/waits.ts';
import { RecordingRunner } from '../support/recording-runner.ts';

/**
 * The date index follows a declared date attribute whichever path writes it: an event's
 * `customer.attributes` (the ingest) or a journey's `update` node (the step function). Both go
 * through functions/app/profile.ts.
 */
const T = new Date('2026-05-10T08:00:00Z');
const catalogue = loadCatalogue();
const idOf = (email: string) => customerIdFor('default', { email })!;

const quiz = JourneyConfig.parse({
  id: 'quiz-birthday',
  name: 'Birthday from the quiz',
  trigger: 'customer.created',
  topic: 'service',
  nodes: [{ id: 'remember', update: { set: { birthday: '1991-05-17' }, tag: 'quiz' } }],
});
const wishes = JourneyConfig.parse({
  id: 'birthday',
  name: 'Birthday',
  trigger: 'date',
  date: { attribute: 'birthday', yearly: true },
  topic: 'marketing',
  nodes: [{ id: 'wishes', send: { channel: 'email', template: 'welcome-hello' } }],
});

describe('a date set by an update node', () => {
  it('is filed in the date index, so the date journey finds the customer; an erasure takes the entry out', async () => {
    const store = new MemoryStore();
    const runner = new RecordingRunner();
    let now = T;
    const clock = { now: () => now };
    const enrol: EnrolDeps = { config: { tenant: 'default' }, store, journeys: [quiz, wishes], catalogue, runner, clock, log: silentLog };
    const step: GraphDeps = {
      config: { shopName: 'Sklep', publicUrl: 'https://api.example.pl', unsubscribeSecret: 'secret-0123456789-0123456789' },
      store,
      mailer: { send: async () => ({ messageId: 'm' }) },
      sms: { send: async () => ({ messageId: 's' }) },
      events: { taskCreated: async () => undefined },
      templates: loadTemplates(),
      journeys: [quiz, wishes],
      catalogue,
      clock,
      log: silentLog,
    };
    const email = 'quiz@example.pl';
    await acceptEvents([{ key: 'c-1', source: 'api', type: 'customer.created', occurredAt: T.toISOString(), customer: { email } }], enrol);
    const [started] = [...runner.started.values()];
    expect(started).toMatchObject({ journey: 'quiz-birthday', customerId: idOf(email) });
    const flow = journeyFlow(quiz)!;
    const payload = GraphPayload.parse({
      version: 3,
      journey: 'quiz-birthday',
      trigger: 'customer.created',
      topic: 'service',
      entry: 'remember',
      segment: JSON.stringify(flow.segment('remember').nodes),
      executionName: 'exec-quiz',
      enrolment: started,
    });
    expect(await runGraphStep(payload, step)).toMatchObject({ outcome: 'completed' });
    expect((await store.getCustomer('default', idOf(email)))?.attributes).toEqual({ birthday: '1991-05-17' });
    expect((await store.customersByDate('default', 'birthday', '05-17')).items).toEqual([idOf(email)]);

    now = new Date('2026-05-17T00:00:00Z');
    expect(await selectDates(wishes, now, { ...enrol, journeys: [wishes] })).toMatchObject({ matched: 1, started: 1 });

    await store.eraseCustomer('default', idOf(email), now.toISOString());
    expect((await store.customersByDate('default', 'birthday', '05-17')).items).toEqual([]);
    // A walk after the erasure writes no profile, and so files nothing.
    expect(await updateProfile({ config: { tenant: 'default' }, store, catalogue, journeys: [] }, idOf(email), { attributes: { birthday: '1991-05-18' } }, now.toISOString())).toBe(false);
    expect((await store.customersByDate('default', 'birthday', '05-18')).items).toEqual([]);
  });
});

describe('the date index and the profiles', () => {
  const people = ['a@example.pl', 'b@example.pl', 'c@example.pl'];
  const dates = ['1990-05-17', '1985-05-18', '2001-12-24', '1996-02-29'];
  type Write = { via: 'event' | 'update'; who: number; date: string | null; roast: boolean };
  const write: fc.Arbitrary<Write> = fc.record({
    via: fc.constantFrom<Write['via']>('event', 'update'),
    who: fc.integer({ min: 0, max: people.length - 1 }),
    date: fc.option(fc.constantFrom(...dates), { nil: null }),
    roast: fc.boolean(),
  });

  it('agree after any sequence of writes through events and update nodes, in the engine clock order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(write, { minLength: 1, maxLength: 25 }), async (writes) => {
        const store = new MemoryStore();
        const deps: ProfileDeps = { config: { tenant: 'default' }, store, catalogue, journeys: [] };
        let minute = 0;
        for (const w of writes) {
          const at = new Date(T.getTime() + minute++ * 60_000).toISOString();
          const customerId = idOf(people[w.who]!);
          // An update node sets a value (it cannot remove one); other attributes beside the date are no date.
          const attributes = { ...(w.roast ? { roast: 'dark' } : {}), ...(w.date !== null || w.via === 'event' ? { birthday: w.date } : {}) };
          if (w.via === 'event') await upsertProfile(deps, customerId, { email: people[w.who], attributes }, at);
          else await updateProfile(deps, customerId, { attributes: attributes as Record<string, string> }, at);
        }
        for (const email of people) {
          const customerId = idOf(email);
          const held = dateOf((await store.getCustomer('default', customerId))?.attributes?.['birthday']);
          for (const day of ['05-17', '05-18', '12-24', '02-29']) {
            const filed = (await store.customersByDate('default', 'birthday', day)).items.includes(customerId);
            expect(filed, `${email} on ${day}`).toBe(held?.slice(5) === day);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
