import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { productionPath } from './harness.ts';
import { apiEvent, emailOf, emailsTo, machineOf } from './shop.ts';

/**
 * A date journey on the production path: the bundled ingest files a customer's birthday in the
 * date index, EventBridge Scheduler's input (from the template) invokes the bundled selection
 * function, which may start the birthday journey's `live` alias, and its state machine waits for
 * the moment and wishes. Every AWS call is answered (and checked against the roles) by the stand-in.
 */
const p = productionPath();
const API_KEY = 'production-dates-api-key';
const HOUR = 3_600_000;
const EMAIL = 'urodziny.prod@example.pl';

beforeAll(() => {
  const arn = p.app.fn('ingest').environment['API_KEYS_SECRET_ARN'];
  if (!arn) throw new Error('the ingest function has no API_KEYS_SECRET_ARN');
  p.aws.setSecret(arn, API_KEY);
});

afterEach(async () => {
  await p.settled();
  p.executions.stopAll();
  expect(p.aws.calls.filter((c) => ['AccessDeniedException', 'UnknownOperationException'].includes(c.error ?? ''))).toEqual([]);
  expect(p.logs.filter(({ line }) => line.toLowerCase().includes(EMAIL))).toEqual([]);
});

describe('scheduled birthday wishes', () => {
  it('files the birthday, and the midnight run starts the journey for the day; it wishes at 09:00 in Warsaw, once', async () => {
    // Midnight UTC, as the template's schedule fires; the birthday is this day, 09:00 in Warsaw (summer time: 07:00 UTC).
    const midnight = new Date('2027-06-15T00:00:00Z');
    p.clock.advanceTo(midnight.getTime() - HOUR);
    const res = await p.http(
      apiEvent(API_KEY, {
        id: 'prod-birthday',
        type: 'customer.updated',
        occurredAt: new Date(p.clock.now()).toISOString(),
        customer: { email: EMAIL, firstName: 'Anna', locale: 'pl', consent: { emailMarketing: true }, attributes: { birthday: '1990-06-15' } },
      }),
    );
    expect(res.status).toBe(202);
    p.clock.advanceTo(midnight.getTime());
    const run = await p.schedule('birthday', midnight);
    expect(run).toMatchObject({ ok: true, result: [{ tenant: 'default', run: 'ran', journey: 'birthday', matched: 1, started: 1 }] });
    const starts = p.aws.callsOf('states:StartExecution').filter((c) => c.request['stateMachineArn'] === `${machineOf(p.app, 'birthday').arn}:live`);
    expect(starts).toHaveLength(1);
    expect(JSON.parse(String(starts[0]!.request['input']))).toMatchObject({ journey: 'birthday', key: expect.stringMatching(/^2027\.c_/), firstAt: '2027-06-15T07:00:00.000Z' });
    expect(await p.schedule('birthday', midnight)).toMatchObject({ ok: true, result: [{ run: 'skipped', started: 0 }] });

    await p.advance(7 * HOUR - 60_000);
    expect(emailsTo(p.aws.calls, EMAIL)).toHaveLength(0);
    await p.advance(2 * 60_000);
    expect(emailsTo(p.aws.calls, EMAIL).map((c) => emailOf(c).subject)).toEqual([expect.stringMatching(/^Wszystkiego najlepszego od /)]);
  });
});
