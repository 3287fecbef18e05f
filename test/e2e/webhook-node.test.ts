import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import { type SynthesizedApp, synthesizeApp } from '../../local/definitions.ts';
import { loadJourneys } from '../../workflows/src/load.ts';
import { localHarness } from '../support/harness.ts';
import { apiEvent, inbox, SECRETS } from '../support/local.ts';

/**
 * A journey's webhook node end to end: the journey (a fixture written here, with the port of a shop
 * endpoint on 127.0.0.1) synthesized by the CDK app into its state machine and run in the local
 * engine on DynamoDB Local. The endpoint checks the signature and the idempotency key as a shop
 * would, and answers a code; a later template reads it. A 5xx first goes through the state
 * machine's Retry with the same key; a 4xx is the shop's final word and the journey goes on.
 */
const harness = localHarness();
const T = new Date('2026-06-02T10:00:00Z');
const WEBHOOK_SECRET = 'whsec-e2e-0123456789abcdef';

interface Call {
  key: string | undefined;
  signed: boolean;
  body: { journey: string; node: string; key: string; customer: { email: string | null } };
}
const calls: Call[] = [];
let server: Server;
let workflows: string;
let synthesized: SynthesizedApp;

/** A shop's endpoint: a valid signature or 401; then by the customer's address: a code, a 503 first, or a refusal. */
function shopEndpoint(): Server {
  const answered = new Map<string, number>();
  return createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const [t, v1] = String(req.headers['x-koszyk-signature'] ?? '').split(',').map((p) => p.split('=')[1] ?? '');
      const expected = createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${raw}`).digest();
      const given = Buffer.from(v1 ?? '', 'hex');
      const signed = given.length === expected.length && timingSafeEqual(given, expected);
      const body = JSON.parse(raw) as Call['body'];
      const key = req.headers['idempotency-key'] as string | undefined;
      calls.push({ key, signed, body });
      if (!signed) return void res.writeHead(401).end();
      const email = body.customer.email ?? '';
      const n = (answered.get(key!) ?? 0) + 1;
      answered.set(key!, n);
      if (email.startsWith('odmowa')) return void res.writeHead(422, { 'content-type': 'application/json' }).end('{"error":"not a member"}');
      if (email.startsWith('awaria') && n === 1) return void res.writeHead(503).end();
      // The same key answers the same code, as an idempotent endpoint does.
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ code: `KOD-${key!.length}-${email.slice(0, 3).toUpperCase()}`, internal: 'not declared' }));
    });
  });
}

beforeAll(async () => {
  server = shopEndpoint();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  workflows = mkdtempSync(join(tmpdir(), 'webhook-e2e-'));
  mkdirSync(join(workflows, 'journeys'));
  mkdirSync(join(workflows, 'templates'));
  writeFileSync(
    join(workflows, 'journeys', 'loyalty-code.yaml'),
    [
      'id: loyalty-code',
      'name: A code from the loyalty programme',
      'trigger: order.placed',
      'topic: service',
      'nodes:',
      '  - id: get-code',
      `    webhook: { url: "http://127.0.0.1:${port}/koszyk/codes", fields: [code] }`,
      '  - id: thanks',
      '    send: { channel: email, template: loyalty-thanks }',
      '',
    ].join('\n'),
  );
  const thanks = (hello: string, code: string, none: string) => `subject: "${hello}"\n  text: |\n    {{#if webhook.code}}${code} {{webhook.code}}{{else}}${none}{{/if}}\n`;
  writeFileSync(join(workflows, 'templates', 'loyalty-thanks.yaml'), `pl:\n  ${thanks('Dziękujemy za zakupy', 'Twój kod:', 'Do zobaczenia!')}en:\n  ${thanks('Thank you', 'Your code:', 'See you!')}`);
  synthesized = await synthesizeApp({ journeys: loadJourneys(join(workflows, 'journeys')), cacheDir: false });
}, 240_000);

afterAll(() => {
  server?.close();
  if (workflows) rmSync(workflows, { recursive: true, force: true });
});

describe('a webhook node through the state machine', () => {
  it('calls the shop signed, once per execution and node; a 5xx is retried with the same key; a 4xx goes on without the field', async () => {
    const s = await harness.stack(T, { workflowsDir: workflows, synthesized, secrets: { ...SECRETS, webhookSecret: WEBHOOK_SECRET } });
    const placed = (id: string, email: string) =>
      apiEvent({ id, type: 'order.placed', occurredAt: T.toISOString(), customer: { email, firstName: 'Zofia', locale: 'pl' }, order: { id, total: '99.00', currency: 'PLN' } });
    for (const [id, email] of [
      ['o-ok', 'zwykly@example.pl'],
      ['o-retry', 'awaria@example.pl'],
      ['o-refused', 'odmowa@example.pl'],
    ]) {
      expect((await s.request(placed(id!, email!))).status).toBe(202);
    }
    await s.engine.idle();

    const keyOf = (order: string) => `${executionName('loyalty-code', 'default', order)}:get-code`;
    // Every call signed; one per execution, but the one the 503 answered, which the Retry repeated with its key.
    expect(calls.every((c) => c.signed)).toBe(true);
    expect(calls.map((c) => c.key).sort()).toEqual([keyOf('o-ok'), keyOf('o-retry'), keyOf('o-retry'), keyOf('o-refused')].sort());
    expect(calls.find((c) => c.key === keyOf('o-ok'))?.body).toMatchObject({ journey: 'loyalty-code', node: 'get-code', key: 'o-ok', customer: { email: 'zwykly@example.pl' } });

    const text = async (email: string) => (await inbox(s.sesEndpoint!, email)).map((m) => m.body.text?.trim());
    expect(await text('zwykly@example.pl')).toEqual([`Twój kod: KOD-${keyOf('o-ok').length}-ZWY`]);
    expect(await text('awaria@example.pl')).toEqual([`Twój kod: KOD-${keyOf('o-retry').length}-AWA`]);
    expect(await text('odmowa@example.pl')).toEqual(['Do zobaczenia!']);
    for (const [order, email, status] of [
      ['o-ok', 'zwykly@example.pl', 'SUCCEEDED'],
      ['o-retry', 'awaria@example.pl', 'SUCCEEDED'],
      ['o-refused', 'odmowa@example.pl', 'SUCCEEDED'],
    ] as const) {
      expect(await s.engine.describe('loyalty-code', executionName('loyalty-code', 'default', order)), order).toMatchObject({ status });
      const enrolment = await s.store.getEnrolment('default', customerIdFor('default', { email })!, 'loyalty-code', order);
      // Only the declared field is kept; a refusal keeps nothing.
      expect(enrolment?.data, order).toEqual(order === 'o-refused' ? undefined : { 'get-code': { code: expect.stringMatching(/^KOD-/) } });
    }
    // Nothing of the answer or the customer in the log.
    expect(s.log.lines.some((l) => /KOD-|zwykly|awaria|odmowa/.test(l))).toBe(false);
  });
});
