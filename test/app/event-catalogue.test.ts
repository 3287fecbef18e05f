import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import { handleRequest, type IngestDeps } from '../../functions/ingest/ingest.ts';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import { buildCatalogue, type Catalogue, EventFile } from '../../workflows/src/catalogue.ts';
import { JourneyConfig } from '../../workflows/src/journey.ts';
import { loadCatalogue, loadJourneys } from '../../workflows/src/load.ts';
import { apiEvent, memoryLog, SECRETS } from '../support/local.ts';
import { RecordingRunner } from '../support/recording-runner.ts';

/**
 * POST /v1/events with the shipped catalogue (workflows/events: quiz.completed, and the birthday and
 * roast attributes), through the ingest's route on the memory backend.
 */
const T = new Date('2026-11-26T12:00:00Z');
const EMAIL = 'zofia@example.pl';
const ZOFIA = customerIdFor('default', { email: EMAIL })!;
const QUIZ_MAIL = 'zofia.quiz@example.pl';

const quizJourney = JourneyConfig.parse({
  id: 'quiz-follow-up',
  name: 'After the quiz',
  trigger: 'quiz.completed',
  topic: 'marketing',
  steps: [{ id: 'tips', after: 'PT1H', channel: 'email', template: 'followup-check-in' }],
});

function setup(catalogue: Catalogue = loadCatalogue()) {
  const store = new MemoryStore();
  const runner = new RecordingRunner();
  const log = memoryLog();
  const deps: IngestDeps = {
    config: { tenant: 'default', apiKeys: [SECRETS.apiKey], shopifySecrets: [], wooSecrets: [], stripeSecrets: [], unsubscribeSecret: 'x'.repeat(20), maxBodyBytes: 262_144 },
    store,
    journeys: [...loadJourneys(), quizJourney],
    catalogue,
    runner,
    clock: { now: () => T },
    log,
  };
  const send = (body: Record<string, unknown>) => handleRequest(apiEvent(body), deps);
  const admin = (method: string, path: string) => handleRequest({ method, path, headers: { authorization: `Bearer ${SECRETS.apiKey}` }, query: { customerId: ZOFIA }, rawBody: Buffer.alloc(0) }, deps);
  return { store, runner, log, send, admin };
}

const quiz = (key: string, properties: unknown, extra: Record<string, unknown> = {}) => ({
  type: 'quiz.completed',
  key,
  occurredAt: T.toISOString(),
  customer: { email: EMAIL, consent: { emailMarketing: true } },
  properties,
  ...extra,
});

describe('a catalogue event', () => {
  it('starts the journeys on it, keyed by its key: the declared properties reach the input but for the personal one, which stays on the enrolment', async () => {
    const s = setup();
    const res = await s.send(quiz('quiz-1', { score: 87, result: 'espresso', email: QUIZ_MAIL, favourite: 'undeclared' }));
    expect(res).toMatchObject({ status: 202, body: { events: [{ key: 'api:quiz.completed:quiz-1', status: 'journey-started' }] } });
    const name = executionName('quiz-follow-up', 'default', 'quiz-1');
    expect(s.runner.started.get(name)).toEqual({ version: 1, tenant: 'default', customerId: ZOFIA, journey: 'quiz-follow-up', key: 'quiz-1', firstAt: expect.any(String), properties: { score: 87, result: 'espresso' } });
    expect((await s.store.getEnrolment('default', ZOFIA, 'quiz-follow-up', 'quiz-1'))?.properties).toStrictEqual({ score: 87, result: 'espresso', email: QUIZ_MAIL });
    expect(s.log.lines.join('\n')).not.toContain(QUIZ_MAIL);
    // The same key again is a duplicate; another key is another completion.
    expect(await s.send(quiz('quiz-1', { result: 'filter' }))).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    expect(await s.send(quiz('quiz-2', { result: 'filter' }))).toMatchObject({ status: 202, body: { events: [{ status: 'journey-started' }] } });
    expect(s.runner.started.get(executionName('quiz-follow-up', 'default', 'quiz-2'))).not.toHaveProperty('properties.email');
  });

  it('is exported with the customer and erased with them, their journey on it stopped', async () => {
    const s = setup();
    await s.send(quiz('quiz-1', { result: 'decaf', email: QUIZ_MAIL }));
    expect((await s.admin('GET', '/v1/customers/export')).body).toMatchObject({ journeys: [{ key: 'quiz-1', properties: { email: QUIZ_MAIL } }] });
    expect(await s.admin('POST', '/v1/customers/erase')).toMatchObject({ status: 200, body: { erased: [ZOFIA], stoppedJourneys: 1 } });
    expect(JSON.stringify((await s.admin('GET', '/v1/customers/export')).body)).not.toContain(QUIZ_MAIL);
  });

  it('refuses what the catalogue does not allow with 400 naming the field, writing nothing', async () => {
    const s = setup();
    const refused = async (body: Record<string, unknown>) => {
      const res = await s.send(body);
      expect(res.status).toBe(400);
      return (res.body as { details: { path: string; message: string }[] }).details;
    };
    expect(await refused(quiz('q', { score: 'high', result: 'espresso' }))).toEqual([{ path: 'properties.score', message: expect.stringContaining('expected number') }]);
    expect(await refused(quiz('q', { result: 'latte' }))).toEqual([{ path: 'properties.result', message: expect.stringContaining('"espresso"') }]);
    expect(await refused(quiz('q', { score: 3 }))).toEqual([{ path: 'properties.result', message: expect.any(String) }]);
    expect(await refused(quiz('q', { result: 'espresso', email: 42 }))).toEqual([{ path: 'properties.email', message: expect.stringContaining('expected string') }]);
    expect(await refused({ ...quiz('q', { result: 'filter' }), key: undefined })).toEqual([{ path: 'key', message: expect.any(String) }]);
    expect(await refused(quiz('q', [1, 2]))).toEqual([{ path: 'properties', message: expect.any(String) }]);
    const [unknown] = await refused({ ...quiz('q', {}), type: 'quiz.complete' });
    expect(unknown).toEqual({ path: 'type', message: expect.stringMatching(/^"quiz\.complete" is not an event of the catalogue \(did you mean "quiz\.completed"\?\); the events are cart\.updated, .*, quiz\.completed$/) });
    expect(await refused({ ...quiz('q', {}), type: undefined })).toEqual([{ path: 'type', message: expect.stringMatching(/^required/) }]);
    expect(s.runner.started.size).toBe(0);
    expect(await s.store.getCustomer('default', ZOFIA)).toBeUndefined();
  });

  it('cuts long text, as every free text, and refuses properties too large for an execution’s input with 413', async () => {
    const s = setup();
    await s.send(quiz('quiz-1', { result: 'espresso', email: `${'a'.repeat(600)}@example.pl` }));
    expect((await s.store.getEnrolment('default', ZOFIA, 'quiz-follow-up', 'quiz-1'))?.properties?.['email']).toHaveLength(500);

    const wide = EventFile.parse({ name: 'survey.answered', description: 'x', properties: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`answer${i}`, { type: 'string' }])) });
    const big = setup(buildCatalogue([{ file: 'survey.answered', event: wide }]).catalogue);
    const answers = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`answer${i}`, 'x'.repeat(500)]));
    expect(await big.send({ ...quiz('s-1', answers), type: 'survey.answered' })).toMatchObject({ status: 413, body: { details: [{ path: expect.stringMatching(/^properties\.answer\d$/) }] } });
    expect(await big.store.getCustomer('default', ZOFIA)).toBeUndefined();
  });

  it('is unknown to an installation whose catalogue lacks it', async () => {
    const s = setup(buildCatalogue([]).catalogue);
    expect(await s.send(quiz('q', { result: 'espresso' }))).toMatchObject({ status: 400, body: { error: 'unknown event type' } });
  });
});

describe('custom attributes', () => {
  const updated = (id: string, attributes: unknown, type = 'customer.updated', at = T) => ({ id, type, occurredAt: at.toISOString(), customer: { email: EMAIL, attributes } });

  it('are set by customer.created and customer.updated, one by one, undeclared ones dropped; null removes one', async () => {
    const s = setup();
    expect(await s.send(updated('c-1', { birthday: '1990-05-17', shoeSize: 38 }, 'customer.created'))).toMatchObject({ status: 202 });
    expect((await s.store.getCustomer('default', ZOFIA))?.attributes).toStrictEqual({ birthday: '1990-05-17' });
    await s.send(updated('c-2', { roast: 'dark' }, 'customer.updated', new Date(T.getTime() + 1000)));
    expect((await s.store.getCustomer('default', ZOFIA))?.attributes).toStrictEqual({ birthday: '1990-05-17', roast: 'dark' });
    await s.send(updated('c-3', { birthday: null }, 'customer.updated', new Date(T.getTime() + 2000)));
    expect((await s.store.getCustomer('default', ZOFIA))?.attributes).toStrictEqual({ roast: 'dark' });
    // Other events carry none: attributes on an order are dropped at the door.
    await s.send({ id: 'o-1', type: 'order.placed', occurredAt: new Date(T.getTime() + 3000).toISOString(), customer: { email: EMAIL, attributes: { roast: 'light' } }, order: { id: 'o-1', total: '1.00', currency: 'PLN' } });
    expect((await s.store.getCustomer('default', ZOFIA))?.attributes).toStrictEqual({ roast: 'dark' });
  });

  it('are refused naming the attribute when of the wrong type or value', async () => {
    const s = setup();
    expect(await s.send(updated('c-1', { birthday: 'tomorrow' }))).toMatchObject({ status: 400, body: { details: [{ path: 'customer.attributes.birthday', message: expect.stringMatching(/^must be a date/) }] } });
    expect(await s.send(updated('c-2', { roast: 'burnt' }))).toMatchObject({ status: 400, body: { details: [{ path: 'customer.attributes.roast' }] } });
    expect(await s.send(updated('c-3', 'dark'))).toMatchObject({ status: 400, body: { details: [{ path: 'customer.attributes' }] } });
    expect(await s.store.getCustomer('default', ZOFIA)).toBeUndefined();
  });

  it('are exported with the profile and erased with it, and never logged', async () => {
    const s = setup();
    await s.send(updated('c-1', { birthday: '1990-05-17T10:00:00+02:00', roast: 'light' }));
    expect((await s.admin('GET', '/v1/customers/export')).body).toMatchObject({ profile: { attributes: { birthday: '1990-05-17T10:00:00+02:00', roast: 'light' } } });
    expect(s.log.lines.join('\n')).not.toContain('1990');
    await s.admin('POST', '/v1/customers/erase');
    expect(await s.store.getCustomer('default', ZOFIA)).toBeUndefined();
    expect(JSON.stringify((await s.admin('GET', '/v1/customers/export')).body)).not.toContain('1990');
  });
});
