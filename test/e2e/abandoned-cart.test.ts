import { describe, expect, it } from 'vitest';
import { EVENT_LEASE_SECONDS } from '../../functions/shared/config.ts';
import { executionName } from '../../functions/shared/ids.ts';
import { signBase64Hmac } from '../../functions/ingest/signatures.ts';
import { fixture } from '../support/fixtures.ts';
import { localHarness } from '../support/harness.ts';
import { CART, checkoutEvent, hours, inbox, orderEvent, SECRETS } from '../support/local.ts';

const harness = localHarness();
const T0 = new Date('2026-03-10T09:00:00Z');
const stack = (start = T0) => harness.stack(start);

describe('trigger API over HTTP', () => {
  it('verifies Shopify signatures, validates bodies and ignores unknown topics', async () => {
    const s = await stack();
    const { body, headers } = fixture('shopify', 'checkouts_create');
    const post = (h: Record<string, string>, b: Buffer | string) => fetch(`${s.apiUrl}/webhooks/shopify`, { method: 'POST', headers: h, body: b });

    const forged = await post({ ...headers, 'X-Shopify-Hmac-Sha256': signBase64Hmac(body, 'wrong') }, body);
    expect(forged.status).toBe(401);
    const reserialised = await post(headers, JSON.stringify(JSON.parse(body.toString())));
    expect(reserialised.status).toBe(401);

    const broken = '{"token": "abc", ';
    const malformed = await post({ ...headers, 'X-Shopify-Hmac-Sha256': signBase64Hmac(broken, SECRETS.shopifySecret) }, broken);
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toMatch(/not valid JSON/);

    const wrongShape = '{"token": "abc", "line_items": 5, "total_price": "1.00", "currency": "PLN"}';
    const invalid = await post({ ...headers, 'X-Shopify-Hmac-Sha256': signBase64Hmac(wrongShape, SECRETS.shopifySecret) }, wrongShape);
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { details: { path: string }[] }).details.map((d) => d.path)).toContain('line_items');

    const unknown = await post({ ...headers, 'X-Shopify-Topic': 'products/update', 'X-Shopify-Hmac-Sha256': signBase64Hmac('{}', SECRETS.shopifySecret) }, '{}');
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toMatchObject({ status: 'ignored' });

    expect((await fetch(`${s.apiUrl}/health`)).status).toBe(200);
  });

  it('starts one journey for the same delivery sent twice', async () => {
    // At the sample's own time (it is dated 2022-01-01): replayed years later it starts nothing.
    const s = await stack(new Date('2022-01-01T10:15:47Z'));
    const { body, headers } = fixture('shopify', 'checkouts_create');
    const first = await fetch(`${s.apiUrl}/webhooks/shopify`, { method: 'POST', headers, body });
    const second = await fetch(`${s.apiUrl}/webhooks/shopify`, { method: 'POST', headers, body });
    expect([first.status, second.status]).toEqual([202, 200]);
    expect(await second.json()).toMatchObject({ status: 'duplicate' });
    await s.engine.idle();
    expect(s.engine.counters.started).toBe(1);
    const exec = await s.engine.describe('abandoned-cart', executionName('abandoned-cart', 'default', '123123123'));
    expect(exec).toMatchObject({ status: 'WAITING', state: 'holdout' });
  });

  it('keeps dedupe claims for 8 days and treats an expired claim as gone, whatever TTL has deleted yet', async () => {
    const s = await stack();
    expect(await s.store.claimEvent('default', 'k-ttl', T0, EVENT_LEASE_SECONDS)).toMatchObject({ state: 'claimed' });
    await s.store.completeEvent('default', 'k-ttl', T0);
    expect(await s.store.claimEvent('default', 'k-ttl', new Date(T0.getTime() + hours(7 * 24)), EVENT_LEASE_SECONDS)).toEqual({ state: 'done' });
    expect(await s.store.claimEvent('default', 'k-ttl', new Date(T0.getTime() + hours(8 * 24 + 1)), EVENT_LEASE_SECONDS)).toMatchObject({ state: 'claimed' });
  });

  it('refuses the event API without the key and names the bad field', async () => {
    const s = await stack();
    const noKey = await fetch(`${s.apiUrl}/v1/events`, { method: 'POST', body: '{}' });
    expect(noKey.status).toBe(401);
    const bad = await fetch(`${s.apiUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRETS.apiKey}` },
      body: JSON.stringify({ id: 'e1', type: 'order.placed', occurredAt: T0.toISOString(), customer: { email: 'not-an-email' }, order: { id: 'o', total: '1', currency: 'PLN' } }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { details: { path: string; message: string }[] }).details).toContainEqual({ path: 'customer.email', message: 'must be an e-mail address' });
  });
});

describe('abandoned-cart recovery end to end', () => {
  it('sends the 1 h and 24 h reminders through SES, Polish, with the cart and a one-click unsubscribe', async () => {
    const s = await stack();
    const email = 'zofia.both@example.pl';
    expect((await s.request(checkoutEvent('c-both', email, 'tok-both', T0))).status).toBe(202);

    await s.engine.advanceTo(new Date(T0.getTime() + hours(1) - 1000));
    expect(await inbox(s.sesEndpoint!, email)).toHaveLength(0);
    await s.engine.advanceTo(new Date(T0.getTime() + hours(1)));
    const first = await inbox(s.sesEndpoint!, email);
    expect(first.map((e) => e.subject)).toEqual(['Zofio, Twoje zakupy czekają w koszyku']);
    expect(first[0]!.headers).toContainEqual({ name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' });
    expect(first[0]!.headers?.find((h) => h.name === 'List-Unsubscribe')?.value).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/unsubscribe\?token=/);

    await s.engine.advanceTo(new Date(T0.getTime() + hours(30)));
    const all = await inbox(s.sesEndpoint!, email);
    expect(all).toHaveLength(2);
    expect(all[1]!.subject).toBe('Twój koszyk: 1 produkt na 99,80\u00a0zł');
    expect(all[1]!.body.text).toContain('Kubek „Żuraw”: 2 × 49,90\u00a0zł = 99,80\u00a0zł');
    expect(all[1]!.body.text).toContain('https://sklep.example.pl/koszyk/tok-both');
    const exec = await s.engine.describe('abandoned-cart', executionName('abandoned-cart', 'default', 'tok-both'));
    expect(exec?.status).toBe('SUCCEEDED');
    // Billable transitions for the whole journey (Wait, Task, Choice, Wait, Task).
    expect(exec?.transitions).toBe(5);
  });

  it('stops at once when the order arrives: no reminder after a purchase', async () => {
    const s = await stack();
    const email = 'zofia.buys@example.pl';
    await s.request(checkoutEvent('c-buy', email, 'tok-buy', T0));
    await s.engine.advanceTo(new Date(T0.getTime() + hours(2)));
    expect(await inbox(s.sesEndpoint!, email)).toHaveLength(1);
    expect((await s.request(orderEvent('o-buy', email, 'tok-buy', new Date(T0.getTime() + hours(2))))).status).toBe(202);
    const exec = await s.engine.describe('abandoned-cart', executionName('abandoned-cart', 'default', 'tok-buy'));
    expect(exec).toMatchObject({ status: 'STOPPED', stopReason: 'order.placed' });
    await s.engine.advanceTo(new Date(T0.getTime() + hours(72)));
    expect(await inbox(s.sesEndpoint!, email, CART)).toHaveLength(1);
  });

  it('starts nothing when the order arrived before its checkout event', async () => {
    const s = await stack();
    const email = 'zofia.early@example.pl';
    await s.request(orderEvent('o-early', email, 'tok-early', T0));
    const res = await s.request(checkoutEvent('c-early', email, 'tok-early', new Date(T0.getTime() - 60_000)));
    expect(res.body).toMatchObject({ events: [{ status: 'already-ordered' }] });
    await s.engine.advanceTo(new Date(T0.getTime() + hours(48)));
    expect(await inbox(s.sesEndpoint!, email, CART)).toHaveLength(0);
    expect(await s.engine.describe('abandoned-cart', executionName('abandoned-cart', 'default', 'tok-early'))).toBeUndefined();
  });

  it('sends nothing without marketing consent and records why', async () => {
    const s = await stack();
    const email = 'no.consent@example.pl';
    await s.request(checkoutEvent('c-nc', email, 'tok-nc', T0, { consent: false }));
    await s.engine.advanceTo(new Date(T0.getTime() + hours(48)));
    expect(await inbox(s.sesEndpoint!, email)).toHaveLength(0);
    const cart = await s.store.getCart('default', 'tok-nc');
    const decisions = await s.store.listDecisions('default', cart!.customerId!);
    expect(decisions.map((d) => [d.step, d.outcome, d.reason])).toEqual([
      ['first-reminder', 'suppressed', 'no_consent'],
      ['second-reminder', 'suppressed', 'no_consent'],
    ]);
  });

  it('one-click unsubscribe: GET only shows a page, POST stops the next reminder', async () => {
    const s = await stack();
    const email = 'zofia.leaves@example.pl';
    await s.request(checkoutEvent('c-leave', email, 'tok-leave', T0));
    await s.engine.advanceTo(new Date(T0.getTime() + hours(1)));
    const [mail] = await inbox(s.sesEndpoint!, email);
    const link = /<([^>]+)>/.exec(mail!.headers!.find((h) => h.name === 'List-Unsubscribe')!.value)![1]!;

    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
    const forged = await fetch(link.replace(/token=./, 'token=X'), { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    expect(forged.status).toBe(400);
    await s.engine.advanceTo(new Date(T0.getTime() + hours(2)));
    const cart = await s.store.getCart('default', 'tok-leave');
    expect((await s.store.getConsent('default', cart!.customerId!, 'email', 'marketing'))?.granted).toBe(true);

    const post = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(post.status).toBe(200);
    await s.engine.advanceTo(new Date(T0.getTime() + hours(48)));
    expect(await inbox(s.sesEndpoint!, email)).toHaveLength(1);
    const decisions = await s.store.listDecisions('default', cart!.customerId!);
    expect(decisions.at(-1)).toMatchObject({ step: 'second-reminder', outcome: 'suppressed', reason: 'unsubscribed' });
  });

  it('keeps personal data out of the logs', async () => {
    const s = await stack();
    const email = 'private.person@example.pl';
    await s.request(checkoutEvent('c-pii', email, 'tok-pii', T0));
    await s.engine.advanceTo(new Date(T0.getTime() + hours(2)));
    await s.request(orderEvent('o-pii', email, undefined, new Date(T0.getTime() + hours(2))));
    expect(await inbox(s.sesEndpoint!, email)).toHaveLength(1);
    await s.engine.advanceTo(new Date(T0.getTime() + hours(48)));
    expect(s.log.lines.some((l) => l.includes('MESSAGE_SENT'))).toBe(true);
    const all = s.log.lines.join('\n');
    for (const secret of [email, 'Zofia', 'Kubek', 'sklep.example.pl/koszyk']) expect(all).not.toContain(secret);
  });
});

describe('store requests', () => {
  it('a new checkout by a new address costs 2 state-table reads, 11 writes and one engine write; a reminder 5 reads and 11 writes', async () => {
    const requests: string[] = [];
    // 13:00 in Warsaw: no daily run (win-back, coffee refill, birthdays) falls in the hour measured.
    const T0 = new Date('2026-03-10T12:00:00Z');
    const s = await harness.stack(T0, {
      tablePrefix: 'budget-',
      onDynamoCapacity: (table, kind) => requests.push(`${table.replace('budget-koszyk-', '')} ${kind}`),
    });
    const count = () => {
      const c: Record<string, number> = {};
      for (const r of requests.splice(0)) c[r] = (c[r] ?? 0) + 1;
      return c;
    };
    // The first request of the minute leases the key's rate-limit block; later ones spend it.
    await s.request(checkoutEvent('budget-0', 'budget0@example.pl', 'tok-budget-0', T0));
    await s.engine.idle();
    count();
    // The identity lookup (references and erasure markers, one batch) and the consent state (its
    // write is conditional on what was read); event lease, profile, the address's reference and the
    // customer's record of it, consent state with its ledger line (one transaction), cart, cart reference, enrolment, event done; the execution;
    // the journey's counters: `entered` and, from the local engine (on AWS Step Functions counts them), the
    // opening Wait's transition.
    await s.request(checkoutEvent('budget-1', 'budget1@example.pl', 'tok-budget-1', T0));
    await s.engine.idle();
    expect(count()).toEqual({ 'state read': 2, 'state write': 11, 'local-executions write': 1 });
    await s.engine.advanceTo(new Date(T0.getTime() + hours(1)));
    const reminder = count();
    expect(await inbox(s.sesEndpoint!, 'budget1@example.pl', CART)).toHaveLength(1);
    // Per reminder (two carts woke): one batch read of the context, the suppression entry and the
    // frequency count, the customer id's erasure marker once more when the step is done, and the decision log once (recipients of the split's arm are counted per
    // customer); the A/B split's arm on the enrolment, the send claim, its completion and the
    // decision; the decision's counters and the engine's transitions (one addition each); the edges
    // the walk went along, on the enrolment and then in the counters; and the feedback function's
    // count of the delivery the local SES reports (its lease, the addition, done).
    expect({ reads: reminder['state read'], writes: reminder['state write'] }).toEqual({ reads: 10, writes: 22 });
  });
});

