import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { executionName } from '../../functions/shared/ids.ts';
import { startDynamoDbLocal } from '../../local/dynamodb-local.ts';
import { readScenario, simulate } from '../../local/simulate.ts';
import { FIXTURES } from '../support/fixtures.ts';
import { checkoutEvent, hours, inbox, localStack } from '../support/local.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('durable waits', () => {
  it('survives a crash and a restart of everything during the 24 h wait, then sends once, on time', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'koszyk-ddb-'));
    dirs.push(dataDir);
    const T0 = new Date('2026-10-24T08:00:00Z');
    const email = 'restart@example.pl';
    const name = executionName('abandoned-cart', 'default', 'tok-restart');

    const db1 = await startDynamoDbLocal({ dataDir });
    const first = await localStack(T0, { dynamoEndpoint: db1.endpoint, tablePrefix: 'r-' });
    await first.request(checkoutEvent('c-restart', email, 'tok-restart', T0));
    // Written once, already waiting for the walk to the first reminder (the opening Wait is one transition).
    expect(await first.engine.describe('abandoned-cart', name)).toMatchObject({ status: 'WAITING', state: 'holdout', wakeAt: new Date(T0.getTime() + hours(1)).toISOString(), transitions: 1 });
    await first.engine.advanceTo(new Date(T0.getTime() + hours(2)));
    expect(await inbox(first.sesEndpoint!, email)).toHaveLength(1);
    // Killed mid-wait: no graceful shutdown, the database process goes down too.
    await first.stop({ crash: true });
    await db1.stop();

    const db2 = await startDynamoDbLocal({ dataDir });
    const second = await localStack(new Date(T0.getTime() + hours(3)), { dynamoEndpoint: db2.endpoint, tablePrefix: 'r-' });
    try {
      expect(await second.engine.describe('abandoned-cart', name)).toMatchObject({ status: 'WAITING', state: 'second-reminder', wakeAt: new Date(T0.getTime() + hours(24)).toISOString() });
      await second.engine.advanceTo(new Date(T0.getTime() + hours(24) - 1000));
      expect(await inbox(second.sesEndpoint!, email)).toHaveLength(1);
      await second.engine.advanceTo(new Date(T0.getTime() + hours(40)));
      const mails = await inbox(second.sesEndpoint!, email);
      expect(mails).toHaveLength(2);
      expect(mails[1]!.subject).toContain('Twój koszyk');
      const cart = await second.store.getCart('default', 'tok-restart');
      const sent = (await second.store.listDecisions('default', cart!.customerId!)).filter((d) => d.outcome === 'sent');
      expect(sent.map((d) => [d.step, d.at])).toEqual([
        // One arm of the first reminder's subject test.
        [expect.stringMatching(/^first-reminder(-b)?$/), new Date(T0.getTime() + hours(1)).toISOString()],
        ['second-reminder', new Date(T0.getTime() + hours(24)).toISOString()],
      ]);
    } finally {
      await second.stop();
      await db2.stop();
    }
  });

  it('re-runs a segment interrupted mid-flight without sending twice', async () => {
    const db = await startDynamoDbLocal();
    const T0 = new Date('2026-06-01T08:00:00Z');
    const email = 'midflight@example.pl';
    const s1 = await localStack(T0, { dynamoEndpoint: db.endpoint, tablePrefix: 'm-' });
    try {
      await s1.request(checkoutEvent('c-mid', email, 'tok-mid', T0));
      await s1.engine.advanceTo(new Date(T0.getTime() + hours(1)));
      expect(await inbox(s1.sesEndpoint!, email)).toHaveLength(1);
      // Simulate a crash right after the send but before the engine recorded the wait:
      // put the execution back to RUNNING at the first step, as a killed process leaves it.
      const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
      const { documentClient } = await import('../../functions/adapters/dynamo/client.ts');
      const client = documentClient({ endpoint: db.endpoint, region: 'eu-central-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
      await client.send(
        new UpdateCommand({
          TableName: 'm-koszyk-local-executions',
          Key: { pk: `EXEC#abandoned-cart#${executionName('abandoned-cart', 'default', 'tok-mid')}`, sk: 'EXEC' },
          UpdateExpression: 'SET #s = :r, #st = :step REMOVE #q, wakeAt',
          ExpressionAttributeNames: { '#s': 'status', '#st': 'state', '#q': 'queue' },
          ExpressionAttributeValues: { ':r': 'RUNNING', ':step': 'holdout' },
        }),
      );
      await s1.stop({ crash: true });
      const s2 = await localStack(new Date(T0.getTime() + hours(1)), { dynamoEndpoint: db.endpoint, tablePrefix: 'm-' });
      try {
        await s2.engine.advanceTo(new Date(T0.getTime() + hours(30)));
        const mails = await inbox(s2.sesEndpoint!, email);
        // The first reminder once (whichever arm of its subject test), then the second.
        expect(mails).toHaveLength(2);
        expect(mails[1]!.subject.slice(0, 5)).toBe('Twój ');
      } finally {
        await s2.stop();
      }
    } finally {
      await db.stop();
    }
  });
});

describe('simulator', () => {
  // At the samples' own time (they are dated 2022-01-01): replayed years later they would start nothing.
  it('replays the real Shopify samples: reminders are decided against for lack of consent, nothing follows the order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'koszyk-sim-'));
    dirs.push(dir);
    const shop = join(FIXTURES, 'shopify');
    const file = join(dir, 'scenario.jsonl');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      file,
      [
        { at: '2022-01-01T10:15:47Z', route: '/webhooks/shopify', headersFile: join(shop, 'checkouts_create.headers.json'), bodyFile: join(shop, 'checkouts_create.json') },
        { at: '2022-01-01T10:16:30Z', route: '/webhooks/shopify', headersFile: join(shop, 'checkouts_create.headers.json'), bodyFile: join(shop, 'checkouts_create.json') },
        { at: '2022-01-01T12:00:00Z', route: '/webhooks/shopify', headersFile: join(shop, 'orders_create.headers.json'), bodyFile: join(shop, 'orders_create.json') },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n'),
    );
    const lines: Record<string, unknown>[] = [];
    await simulate(readScenario(file), { forSeconds: 7 * 86_400, write: (l) => lines.push(l) });
    expect(lines.map((l) => [l['type'], l['at'], l['status'] ?? l['reason'] ?? l['subject']])).toEqual([
      ['ingest', '2022-01-01T10:15:47.000Z', 202],
      ['ingest', '2022-01-01T10:16:30.000Z', 200],
      ['suppressed', '2022-01-01T11:15:47.000Z', 'no_consent'],
      ['ingest', '2022-01-01T12:00:00.000Z', 202],
      ['suppressed', '2022-01-02T10:15:47.000Z', 'no_consent'],
      ['summary', undefined, undefined],
    ]);
    expect(lines.filter((l) => l['type'] === 'message')).toEqual([]);
    // No message went out, so the order is no journey's conversion.
    const cart = (lines.at(-1)!['journeys'] as { journey: string }[]).find((j) => j.journey === 'abandoned-cart');
    expect(cart).toMatchObject({ entered: 1, sent: 0, suppressed: { no_consent: 2 }, converted: 0, revenue: { PLN: '0.00' } });
  });

  it('writes the same lines whether messages leave in this process or through the emulators', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'koszyk-sim-'));
    dirs.push(dir);
    const { writeFileSync } = await import('node:fs');
    const at = (h: number) => new Date(Date.parse('2026-06-01T08:00:00Z') + h * 3_600_000).toISOString();
    const customer = (n: number, extra: Record<string, unknown> = {}) => ({ email: `sim${n}@example.pl`, phone: `+4860010020${n}`, firstName: 'Żaneta', locale: 'pl', consent: { emailMarketing: true, smsMarketing: true }, ...extra });
    const events = [
      { id: 'e1', type: 'payment.failed', occurredAt: at(0), customer: customer(1), payment: { invoiceId: 'inv-1', amount: '1234.50', currency: 'PLN' } },
      { id: 'e2', type: 'order.delivered', occurredAt: at(1), customer: customer(2, { preferredChannel: 'sms' }), order: { id: 'o-2' } },
      { id: 'e3', type: 'checkout.abandoned', occurredAt: at(2), customer: customer(3), checkout: { token: 't-3', items: [{ title: 'Kubek', quantity: 2, price: '49.90' }], total: '99.80', currency: 'PLN' } },
    ];
    const file = join(dir, 'mixed.jsonl');
    writeFileSync(file, events.map((body) => JSON.stringify({ at: body.occurredAt, route: '/v1/events', headers: { authorization: 'Bearer local-api-key' }, body })).join('\n'));
    const run = async (senders: 'emulators' | 'in-process') => {
      const lines: string[] = [];
      await simulate(readScenario(file), { forSeconds: 14 * 86_400, backend: 'memory', senders, write: (l) => lines.push(JSON.stringify(l)) });
      return lines;
    };
    const inProcess = await run('in-process');
    expect(inProcess.filter((l) => l.includes('"channel":"sms"') && l.includes('"type":"message"')).length).toBeGreaterThanOrEqual(2);
    expect(inProcess.filter((l) => l.includes('"type":"task"'))).toHaveLength(1);
    expect(inProcess).toEqual(await run('emulators'));
  });

  it('names file, line and field of a bad scenario line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'koszyk-sim-'));
    dirs.push(dir);
    const { writeFileSync } = await import('node:fs');
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, `${JSON.stringify({ at: '2026-04-02T10:15:47Z', route: '/v1/events', body: {} })}\n${JSON.stringify({ at: 'yesterday', route: '/v1/events' })}\n`);
    expect(() => readScenario(file)).toThrow(`${file}:2: field "at"`);
  });
});
