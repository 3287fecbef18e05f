import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import type { EnrolDeps } from '../../functions/app/enrolment.ts';
import { acceptEvents } from '../../functions/app/ingest-event.ts';
import type { EmailMessage } from '../../functions/app/ports.ts';
import { runGraphStep } from '../../functions/app/run-graph.ts';
import type { DomainEvent } from '../../functions/core/domain.ts';
import { GraphPayload } from '../../functions/core/step-payload.ts';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import { silentLog } from '../../functions/shared/logger.ts';
import { JourneyConfig, journeyFlow } from '../../workflows/src/journey.ts';
import { ConfigError, loadJourneys, loadTemplates, WORKFLOWS_DIR } from '../../workflows/src/load.ts';
import { RecordingRunner } from '../support/recording-runner.ts';

/**
 * Journey graphs over the catalogue: a journey on a shop's event branches on the event's
 * properties and the profile's custom attributes (checked against workflows/events when it
 * loads), and a graph may wait for a shop's event or for a delivery that names only its order.
 */
const T = new Date('2026-11-26T10:00:00Z');
const EMAIL = 'zofia@example.pl';
const ZOFIA = customerIdFor('default', { email: EMAIL })!;

const QUIZ_TIPS = [
  'id: quiz-tips',
  'name: Tips after the quiz',
  'trigger: quiz.completed',
  'topic: marketing',
  'nodes:',
  '  - id: by-result',
  '    branch:',
  '      cases:',
  '        - if: { all: [{ field: event.result, is: espresso }, { field: profile.attributes.roast, is: dark }] }',
  '          next: dark-espresso',
  '        - if: { field: event.score, gte: 50 }',
  '          next: high-score',
  '      otherwise: end',
  '  - id: dark-espresso',
  '    send: { channel: email, template: winback-offer }',
  '    next: remember',
  '  - id: high-score',
  '    send: { channel: email, template: winback-miss-you }',
  '    next: remember',
  '  - id: remember',
  '    update: { set: { roast: medium } }',
];
const WELCOME = [
  'id: welcome',
  'name: Welcome',
  'trigger: customer.created',
  'topic: marketing',
  'nodes:',
  '  - id: quiz-or-not',
  '    waitFor: { event: quiz.completed, timeout: P3D, onEvent: done, onTimeout: nudge }',
  '  - id: nudge',
  '    send: { channel: email, template: winback-miss-you }',
  '    next: end',
  '  - id: done',
  '    exit: true',
];

function workflows(journeys: Record<string, string[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'catalogue-graph-'));
  for (const d of ['events', 'templates']) cpSync(join(WORKFLOWS_DIR, d), join(dir, d), { recursive: true });
  mkdirSync(join(dir, 'journeys'));
  for (const [id, lines] of Object.entries(journeys)) writeFileSync(join(dir, 'journeys', `${id}.yaml`), lines.join('\n'));
  return join(dir, 'journeys');
}

function problems(journeys: Record<string, string[]>): string[] {
  try {
    loadJourneys(workflows(journeys));
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => p.replace(/^.*\/journeys\//, ''));
    throw e;
  }
  return expect.unreachable('loaded');
}

describe('a graph over the catalogue, as it loads', () => {
  it('reads the trigger’s properties and the declared attributes, and awaits a shop’s event', () => {
    expect(loadJourneys(workflows({ 'quiz-tips': QUIZ_TIPS, welcome: WELCOME })).map((j) => j.id)).toEqual(['quiz-tips', 'welcome']);
  });

  it('names the line and the likely name of a field, an awaited event or an attribute the catalogue lacks, and a value of the wrong type', () => {
    const typos = QUIZ_TIPS.map((l) => l.replace('field: event.score', 'field: event.scor').replace('set: { roast: medium }', 'set: { roast: burnt, rost: dark }'));
    expect(problems({ 'quiz-tips': typos, welcome: WELCOME.map((l) => l.replace('event: quiz.completed', 'event: quiz.complete')) }).sort()).toEqual(
      [
        'quiz-tips.yaml:11: nodes.0.branch.cases.1.if.field: no field "event.scor" in this journey (did you mean "event.score"?)',
        'quiz-tips.yaml:21: nodes.3.update.set.roast: "burnt" is not a string of light, medium, dark, as roast is declared',
        'quiz-tips.yaml:21: nodes.3.update.set.rost: no attribute "rost" in workflows/events/attributes.yaml (did you mean "roast"?)',
        'welcome.yaml:7: nodes.0.waitFor.event: no event "quiz.complete" in the catalogue (did you mean "quiz.completed"?)',
      ].sort(),
    );
    // A property of another event is no field of this journey.
    const onWelcome = [...WELCOME.slice(0, 5), '  - id: scored', '    branch: { cases: [{ if: { field: event.score, gt: 1 }, next: done }], otherwise: done }', '  - id: done', '    exit: true'];
    expect(problems({ welcome: onWelcome })).toEqual(['welcome.yaml:7: nodes.0.branch.cases.0.if.field: no field "event.score" in this journey']);
  });
});

function world(journeys: JourneyConfig[]) {
  const store = new MemoryStore();
  const emails: EmailMessage[] = [];
  const runner = new RecordingRunner();
  let now = T;
  const enrol: EnrolDeps = { config: { tenant: 'default' }, store, journeys, runner, clock: { now: () => now }, log: silentLog };
  const step = {
    config: { shopName: 'Sklep', publicUrl: 'https://api.example.pl', unsubscribeSecret: 'secret-0123456789-0123456789', frequencyCap: { max: 10, days: 7 } },
    store,
    mailer: {
      send: async (m: EmailMessage) => {
        emails.push(m);
        return { messageId: `m-${emails.length}` };
      },
    },
    sms: { send: async () => ({ messageId: 'sms' }) },
    events: { taskCreated: async () => undefined },
    templates: loadTemplates(),
    journeys,
    clock: { now: () => now },
    log: silentLog,
  };
  const walk = (journey: JourneyConfig, key: string, entry: string) => {
    const flow = journeyFlow(journey)!;
    return runGraphStep(
      GraphPayload.parse({
        version: 3,
        journey: journey.id,
        trigger: journey.trigger,
        topic: journey.topic,
        entry,
        deferrable: flow.deferrable(entry),
        segment: JSON.stringify(flow.segment(entry).nodes),
        executionName: executionName(journey.id, 'default', key),
        enrolment: { version: 1, tenant: 'default', customerId: ZOFIA, journey: journey.id, key, firstAt: now.toISOString() },
      }),
      step,
    );
  };
  return { store, emails, runner, enrol, walk, at: (t: Date) => (now = t) };
}

const base = (key: string, at = T) => ({ key, source: 'api' as const, occurredAt: at.toISOString(), customer: { email: EMAIL, firstName: 'Zofia', consent: { emailMarketing: true } } });
const quiz = (key: string, result: string, score: number, at = T): DomainEvent => ({ ...base(`api:quiz.completed:${key}`, at), type: 'custom', name: 'quiz.completed', subjectKey: key, properties: { result, score }, personal: {} });
const roast = (value: string): DomainEvent => ({ ...base('c-1'), type: 'customer.updated', customer: { ...base('c-1').customer, attributes: { roast: value } } });

describe('a graph over the catalogue, as it runs', () => {
  it('branches on the event’s properties and the profile’s attributes, and its update sets a declared attribute', async () => {
    const [tips] = loadJourneys(workflows({ 'quiz-tips': QUIZ_TIPS }));
    const w = world([tips!]);
    await acceptEvents([roast('dark')], w.enrol);
    await acceptEvents([quiz('q-1', 'espresso', 10)], w.enrol);
    expect(await w.walk(tips!, 'q-1', 'by-result')).toMatchObject({ continue: false });
    expect(w.emails.map((m) => m.subject)).toEqual(['Kod WRACAM10: -10% na kolejne zakupy']);
    expect((await w.store.getCustomer('default', ZOFIA))?.attributes).toEqual({ roast: 'medium' });
    // Now medium: the espresso case no longer holds, the score decides.
    await acceptEvents([quiz('q-2', 'espresso', 80)], w.enrol);
    await w.walk(tips!, 'q-2', 'by-result');
    await acceptEvents([quiz('q-3', 'espresso', 20)], w.enrol);
    await w.walk(tips!, 'q-3', 'by-result');
    expect(w.emails.map((m) => m.subject)).toEqual(['Kod WRACAM10: -10% na kolejne zakupy', 'Zofio, tęsknimy!']);
  });

  it('a shop’s event ends the wait for it: the continuation starts at the event branch', async () => {
    const [welcome] = loadJourneys(workflows({ welcome: WELCOME }));
    const w = world([welcome!]);
    await acceptEvents([{ ...base('c-0'), type: 'customer.created' }], w.enrol);
    expect(await w.walk(welcome!, ZOFIA, 'quiz-or-not')).toMatchObject({ continue: true, next: 'quiz-or-not' });
    w.at(new Date(T.getTime() + 86_400_000));
    await acceptEvents([quiz('q-1', 'filter', 5, new Date(T.getTime() + 86_400_000))], w.enrol);
    expect([...w.runner.started.values()].find((i) => i.entry)).toMatchObject({ entry: 'done', key: ZOFIA });
    expect(w.runner.stopped).toEqual([executionName('welcome', 'default', ZOFIA)]);
  });

  it('a delivery naming only its order ends the wait of its owner’s journey about that order', async () => {
    const shipping = JourneyConfig.parse({
      id: 'shipping',
      name: 'Shipping',
      trigger: 'order.placed',
      topic: 'service',
      nodes: [
        { id: 'arrived', waitFor: { event: 'order.delivered', timeout: 'P5D', onEvent: 'thanks', onTimeout: 'sorry' } },
        { id: 'sorry', send: { channel: 'email', template: 'followup-check-in' }, next: 'end' },
        { id: 'thanks', exit: true },
      ],
    });
    const w = world([shipping]);
    const order = (id: string): DomainEvent => ({ ...base(`o-${id}`), type: 'order.placed', order: { id, total: '10.00', currency: 'PLN', items: [] } });
    await acceptEvents([order('5794123456789012345'), order('5794123456789012346')], w.enrol);
    await w.walk(shipping, '5794123456789012345', 'arrived');
    await w.walk(shipping, '5794123456789012346', 'arrived');
    const delivered: DomainEvent = { key: 'shopify:fulfillments/update:1', source: 'shopify', occurredAt: T.toISOString(), customer: {}, type: 'order.delivered', order: { id: '5794123456789012345' } };
    expect((await acceptEvents([delivered], w.enrol)).events).toEqual([{ key: delivered.key, status: 'delivery-recorded' }]);
    expect([...w.runner.started.values()].filter((i) => i.entry)).toEqual([expect.objectContaining({ entry: 'thanks', key: '5794123456789012345', customerId: ZOFIA })]);
    expect(w.runner.stopped).toEqual([executionName('shipping', 'default', '5794123456789012345')]);
  });
});
