import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { signBase64Hmac } from '../../functions/ingest/signatures.ts';
import { documentClient } from '../../functions/adapters/dynamo/client.ts';
import { customerSk } from '../../functions/adapters/dynamo/keys.ts';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import { runStep } from '../../functions/app/run-step.ts';
import { silentLog } from '../../functions/shared/logger.ts';
import { LOCAL_CREDENTIALS } from '../../local/dynamodb-local.ts';
import { loadJourneys, loadTemplates } from '../../workflows/src/load.ts';
import { localHarness } from '../support/harness.ts';
import { apiEvent, CART, checkoutEvent, hours, inbox, SECRETS } from '../support/local.ts';

const harness = localHarness();
const T = new Date('2026-09-01T08:00:00Z');
const stack = (prefix: string) => harness.stack(T, { tablePrefix: prefix });
const auth = { authorization: `Bearer ${SECRETS.apiKey}` };

async function scanAll(table: string): Promise<string> {
  const db = documentClient({ endpoint: harness.endpoint, region: 'eu-central-1', credentials: LOCAL_CREDENTIALS });
  const out = await db.send(new ScanCommand({ TableName: table }));
  return JSON.stringify(out.Items ?? []);
}

describe('data-subject rights', () => {
  it('exports everything held on a customer and erases it: no personal data left in any table, journeys stopped', async () => {
    const s = await stack('p1-');
    const email = 'anna.nowak@example.pl';
    const phone = '+48600700800';
    await s.request(checkoutEvent('c-p1', email, 'tok-p1', T));
    await s.request(
      apiEvent({
        id: 'o-p1',
        type: 'order.placed',
        occurredAt: T.toISOString(),
        customer: { email, phone, firstName: 'Anna', consent: { emailMarketing: true } },
        order: { id: 'o-p1', checkoutToken: 'tok-other', total: '80.00', currency: 'PLN', items: [{ title: 'Dzbanek „Słońce”', quantity: 1, price: '80.00' }] },
      }),
    );
    await s.request(checkoutEvent('c-p2', email, 'tok-p2', new Date(T.getTime() + hours(2))));
    await s.engine.advanceTo(new Date(T.getTime() + hours(3)));

    const exported = await s.request({ method: 'GET', path: '/v1/customers/export', headers: auth, query: { email }, rawBody: Buffer.alloc(0) });
    expect(exported.status).toBe(200);
    const data = exported.body as Record<string, unknown[] | Record<string, unknown>>;
    expect(data['profile']).toMatchObject({ email, phone, firstName: 'Zofia' });
    expect(data['orders']).toEqual([expect.objectContaining({ id: 'o-p1', total: '80.00' })]);
    expect((data['carts'] as unknown[]).length).toBe(2);
    expect((data['consentLedger'] as unknown[]).length).toBeGreaterThan(0);
    expect((data['journeys'] as { journey: string }[]).map((j) => j.journey).sort()).toEqual(['abandoned-cart', 'abandoned-cart', 'post-purchase', 'second-order']);

    const erased = await s.request({ method: 'POST', path: '/v1/customers/erase', headers: auth, rawBody: Buffer.from(JSON.stringify({ email })) });
    // The open cart's reminders, post-purchase and the first order's wait for a second one.
    expect(erased).toMatchObject({ status: 200, body: { stoppedJourneys: 3 } });
    expect(await s.engine.describe('post-purchase', executionName('post-purchase', 'default', 'o-p1'))).toMatchObject({ status: 'STOPPED', stopReason: 'erasure' });

    await s.engine.advanceTo(new Date(T.getTime() + hours(24 * 30)));
    for (const table of ['p1-koszyk-state', 'p1-koszyk-local-executions']) {
      const dump = await scanAll(table);
      for (const pii of [email, phone, 'Zofia', 'Anna', 'Kubek', 'Dzbanek', 'sklep.example.pl/koszyk']) expect(dump, `${pii} in ${table}`).not.toContain(pii);
    }
    // What the law requires stays, with no contact data: the consent ledger.
    const after = await s.request({ method: 'GET', path: '/v1/customers/export', headers: auth, query: { email }, rawBody: Buffer.alloc(0) });
    expect((after.body as { profile: unknown }).profile).toBeNull();
    expect(((after.body as { consentLedger: unknown[] }).consentLedger).length).toBeGreaterThan(0);
    // And the erased address is never mailed again, even if a platform sends it back.
    await s.request(checkoutEvent('c-p3', email, 'tok-p3', new Date(T.getTime() + hours(24 * 30))));
    await s.engine.advanceTo(new Date(T.getTime() + hours(24 * 32)));
    expect((await inbox(s.sesEndpoint!, email, CART)).filter((m) => m.body.text?.includes('tok-p3'))).toHaveLength(0);
  });

  it('Shopify customers/redact and customers/data_request drive the same code', async () => {
    const s = await stack('p2-');
    const email = 'redact.me@example.pl';
    await s.request(checkoutEvent('c-r', email, 'tok-r', T));
    const send = (topic: string, body: object) => {
      const raw = Buffer.from(JSON.stringify(body));
      return s.request({ method: 'POST', path: '/webhooks/shopify', headers: { 'x-shopify-topic': topic, 'x-shopify-hmac-sha256': signBase64Hmac(raw, SECRETS.shopifySecret) }, rawBody: raw });
    };
    const request = await send('customers/data_request', { shop_id: 954889, shop_domain: 'sklep.myshopify.com', customer: { id: 191167, email, phone: null }, orders_requested: [], data_request: { id: 9999 } });
    expect(request).toMatchObject({ status: 200, body: { status: 'recorded' } });
    expect(await s.store.listTasks('default')).toEqual([expect.objectContaining({ kind: 'data-request', customerId: customerIdFor('default', { email }) })]);

    const redact = await send('customers/redact', { shop_id: 954889, shop_domain: 'sklep.myshopify.com', customer: { id: 191167, email, phone: null }, orders_to_redact: [] });
    expect(redact).toMatchObject({ status: 200, body: { status: 'erased', stoppedJourneys: 1 } });
    await s.engine.advanceTo(new Date(T.getTime() + hours(48)));
    expect(await inbox(s.sesEndpoint!, email)).toHaveLength(0);
    expect(await scanAll('p2-koszyk-state')).not.toContain(email);
  });
});

describe('one customer, erased for good', () => {
  const ask = (s: Awaited<ReturnType<typeof stack>>, path: string, named: Record<string, string>) =>
    s.request({ method: path.endsWith('erase') ? 'POST' : 'GET', path, headers: auth, query: path.endsWith('erase') ? undefined : named, rawBody: path.endsWith('erase') ? Buffer.from(JSON.stringify(named)) : Buffer.alloc(0) });

  it('an SMS-only checkout and a later order by e-mail are one customer; erasing by the phone erases all; a late event brings nothing back', async () => {
    const s = await stack('p7-');
    const email = 'ola.telefon@example.pl';
    const phone = '+48600700900';
    const at = (h: number) => new Date(T.getTime() + hours(h)).toISOString();
    const items = [{ title: 'Czajnik „Wrzos”', quantity: 1, price: '120.00' }];
    await s.request(
      apiEvent({
        id: 'ph-1',
        type: 'checkout.abandoned',
        occurredAt: at(0),
        customer: { phone, firstName: 'Ola', consent: { smsMarketing: true } },
        checkout: { token: 'tok-ph', items, total: '120.00', currency: 'PLN', recoveryUrl: 'https://sklep.example.pl/koszyk/tok-ph' },
      }),
    );
    await s.request(
      apiEvent({
        id: 'ph-2',
        type: 'order.placed',
        occurredAt: at(1),
        customer: { email, phone: '+48 600 700 900', consent: { emailMarketing: true } },
        order: { id: 'o-ph', checkoutToken: 'tok-ph', total: '120.00', currency: 'PLN', items },
      }),
    );
    await s.engine.advanceTo(new Date(T.getTime() + hours(3)));

    const byEmail = (await ask(s, '/v1/customers/export', { email })).body as Record<string, unknown>;
    const byPhone = (await ask(s, '/v1/customers/export', { phone })).body as Record<string, unknown>;
    expect(byEmail['customerId']).toBe(customerIdFor('default', { phone }));
    expect(byPhone['customerId']).toBe(byEmail['customerId']);
    expect(byEmail['profile']).toMatchObject({ email, firstName: 'Ola' });
    expect(byEmail['orders']).toEqual([expect.objectContaining({ id: 'o-ph' })]);
    expect(byEmail['carts']).toEqual([expect.objectContaining({ token: 'tok-ph', status: 'ordered' })]);
    expect((byEmail['consents'] as { channel: string }[]).map((c) => c.channel).sort()).toEqual(['email', 'sms']);

    const erased = await ask(s, '/v1/customers/erase', { phone });
    // Post-purchase and the first order's wait for a second one.
    expect(erased).toMatchObject({ status: 200, body: { stoppedJourneys: 2 } });
    expect(await s.engine.describe('post-purchase', executionName('post-purchase', 'default', 'o-ph'))).toMatchObject({ status: 'STOPPED' });

    // A platform retrying an event dated before the erasure, by the e-mail or the phone: nothing comes back.
    const late = await s.request(
      apiEvent({ id: 'ph-late', type: 'order.placed', occurredAt: at(2), customer: { email, firstName: 'Ola' }, order: { id: 'o-late', total: '9.00', currency: 'PLN', items } }),
    );
    expect(late).toMatchObject({ status: 202, body: { events: [{ status: 'erased-before' }] } });
    const lateCheckout = await s.request(
      apiEvent({ id: 'ph-late-2', type: 'checkout.abandoned', occurredAt: at(2), customer: { phone, firstName: 'Ola' }, checkout: { token: 'tok-late', items, total: '120.00', currency: 'PLN' } }),
    );
    expect(lateCheckout).toMatchObject({ status: 202, body: { events: [{ status: 'erased-before' }] } });
    await s.engine.advanceTo(new Date(T.getTime() + hours(24 * 20)));
    for (const table of ['p7-koszyk-state', 'p7-koszyk-local-executions']) {
      const dump = await scanAll(table);
      for (const pii of [email, phone, '600700900', 'Ola', 'Czajnik', 'sklep.example.pl/koszyk']) expect(dump, `${pii} in ${table}`).not.toContain(pii);
    }
  });

  it('Shopify customers/redact with only the phone erases a customer first known by e-mail', async () => {
    const s = await stack('p8-');
    const email = 'redact.phone@example.pl';
    const phone = '+48600700901';
    await s.request(checkoutEvent('c-rp', email, 'tok-rp', T));
    await s.request(apiEvent({ id: 'c-rp-2', type: 'customer.updated', occurredAt: T.toISOString(), customer: { email, phone, consent: { smsMarketing: true } } }));
    const raw = Buffer.from(JSON.stringify({ shop_id: 954889, shop_domain: 'sklep.myshopify.com', customer: { id: 191168, email: null, phone }, orders_to_redact: [] }));
    const redact = await s.request({ method: 'POST', path: '/webhooks/shopify', headers: { 'x-shopify-topic': 'customers/redact', 'x-shopify-hmac-sha256': signBase64Hmac(raw, SECRETS.shopifySecret) }, rawBody: raw });
    expect(redact).toMatchObject({ status: 200, body: { status: 'erased', stoppedJourneys: 1 } });
    await s.engine.advanceTo(new Date(T.getTime() + hours(48)));
    expect(await inbox(s.sesEndpoint!, email)).toHaveLength(0);
    const dump = await scanAll('p8-koszyk-state');
    for (const pii of [email, phone, 'Zofia', 'Kubek']) expect(dump).not.toContain(pii);
  });
});

describe('retention', () => {
  it('marketing data carries a TTL three years after its last write; consent and its ledger three years after the statement', async () => {
    const s = await stack('p6-');
    const email = 'ttl@example.pl';
    await s.request(checkoutEvent('c-ttl', email, 'tok-ttl', T));
    const customerId = customerIdFor('default', { email })!;
    const items = await s.store.customerItems('default', customerId);
    const threeYears = Math.floor(T.getTime() / 1000) + 1095 * 86_400;
    expect(items.find((i) => i['sk'] === customerSk.profile)?.['expiresAt']).toBe(threeYears);
    expect(items.find((i) => String(i['sk']).startsWith(customerSk.enrolment))?.['expiresAt']).toBe(threeYears);
    expect((await s.store.getCart('default', 'tok-ttl')) as unknown as Record<string, unknown>).toMatchObject({ expiresAt: threeYears });
    const consents = items.filter((i) => [customerSk.consent, customerSk.consentLog].some((p) => String(i['sk']).startsWith(p)));
    expect(consents.map((i) => `${String(i['sk']).split('#')[0]}#`)).toEqual([customerSk.consent, customerSk.consentLog]);
    expect(consents.map((i) => i['expiresAt'])).toEqual([threeYears, threeYears]);
  });
});

describe('suppression and consent sources', () => {
  it('a hard bounce suppresses the address for every journey; a soft one does not', async () => {
    const s = await stack('p3-');
    const email = 'bounces@example.pl';
    const feedback = (body: object) => s.request({ method: 'POST', path: '/_local/feedback', headers: { ...auth, 'content-type': 'application/json' }, rawBody: Buffer.from(JSON.stringify(body)) });
    expect((await feedback({ eventType: 'Bounce', bounce: { bounceType: 'Transient', bouncedRecipients: [{ emailAddress: email }] } })).body).toMatchObject({ kind: 'ignored' });
    expect((await feedback({ eventType: 'Bounce', bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: email }] }, mail: {} })).body).toEqual({ kind: 'bounce', suppressed: 1 });
    await s.request(apiEvent({ id: 'pf-b', type: 'payment.failed', occurredAt: T.toISOString(), customer: { email }, payment: { invoiceId: 'inv-b', amount: '5.00', currency: 'PLN' } }));
    await s.engine.idle();
    expect(await inbox(s.sesEndpoint!, email)).toHaveLength(0);
    const decisions = await s.store.listDecisions('default', customerIdFor('default', { email })!);
    expect(decisions[0]).toMatchObject({ step: 'email-reminder', outcome: 'suppressed', reason: 'suppressed_address' });
  });

  it('an SMS STOP suppresses the number and withdraws SMS marketing consent', async () => {
    const s = await stack('p4-');
    const email = 'sms.stop@example.pl';
    const phone = '+48600900100';
    await s.request(apiEvent({ id: 'cu-1', type: 'customer.updated', occurredAt: T.toISOString(), customer: { email, phone, consent: { smsMarketing: true } } }));
    const res = await s.request({
      method: 'POST',
      path: '/_local/feedback',
      headers: { ...auth, 'content-type': 'application/json' },
      rawBody: Buffer.from(JSON.stringify({ originationNumber: phone, destinationNumber: '+48500000000', messageBody: 'STOP' })),
    });
    expect(res.body).toEqual({ kind: 'sms-opt-out', suppressed: 1 });
    const customerId = customerIdFor('default', { email })!;
    expect(await s.store.getConsent('default', customerId, 'sms', 'marketing')).toMatchObject({ granted: false, source: 'sms-opt-out' });
    expect(await s.store.isSuppressed('default', 'sms', phone)).toBe(true);
  });

  it('a marketing SMS carries a short opt-out link; opening it and confirming withdraws SMS consent', async () => {
    const s = await stack('p6-');
    const email = 'sms.link@example.pl';
    const phone = '+48600900200';
    await s.request(
      apiEvent({
        id: 'cu-sl',
        type: 'checkout.abandoned',
        occurredAt: T.toISOString(),
        customer: { email, phone, firstName: 'Zofia', locale: 'pl', consent: { emailMarketing: true, smsMarketing: true } },
        checkout: { token: 'tok-sl', items: [{ title: 'Kubek', quantity: 1, price: '49.90' }], total: '49.90', currency: 'PLN' },
      }),
    );
    const customerId = customerIdFor('default', { email })!;
    const texts: string[] = [];
    // A marketer's SMS step on the cart journey, run by the real step code against the same store.
    const result = await runStep(
      {
        version: 2,
        journey: 'abandoned-cart',
        trigger: 'checkout',
        step: 'sms-nudge',
        channel: 'sms',
        template: 'cart-reminder-1',
        topic: 'marketing',
        last: false,
        executionName: executionName('abandoned-cart', 'default', 'tok-sl'),
        enrolment: { version: 1, tenant: 'default', customerId, journey: 'abandoned-cart', key: 'tok-sl' },
      },
      {
        config: { shopName: 'Sklep', publicUrl: 'https://sklep.example.pl', unsubscribeSecret: SECRETS.unsubscribeSecret },
        store: s.store,
        mailer: { send: async () => ({ messageId: 'unused' }) },
        sms: {
          send: async (m) => {
            texts.push(m.text);
            return { messageId: 'sms-1' };
          },
        },
        events: { taskCreated: async () => undefined },
        templates: loadTemplates(),
        journeys: loadJourneys(),
        clock: s.clock,
        log: silentLog,
      },
    );
    expect(result.outcome).toBe('sent');
    // The template's {{unsubscribeUrl}} is the short link in an SMS: 39 characters, not the 200 of
    // a link carrying the token, and not repeated by the opt-out line.
    const links = texts[0]!.match(/https:\/\/sklep\.example\.pl\/u\/[A-Za-z0-9_-]{12}\b/g) ?? [];
    expect(links).toHaveLength(1);
    expect(texts[0]).not.toContain('token=');
    const link = [links[0], links[0]!.slice('https://sklep.example.pl'.length)];
    const page = await s.request({ method: 'GET', path: link![1]!, rawBody: Buffer.alloc(0) });
    expect(page.status).toBe(200);
    // Opening the page changes nothing; the form's POST does.
    expect(await s.store.getConsent('default', customerId, 'sms', 'marketing')).toMatchObject({ granted: true });
    const action = /action="([^"]+)"/.exec(String(page.body))![1]!;
    const [path, query] = action.split('?');
    const posted = await s.request({ method: 'POST', path: path!, query: Object.fromEntries(new URLSearchParams(query)), rawBody: Buffer.alloc(0) });
    expect(posted.status).toBe(200);
    expect(await s.store.getConsent('default', customerId, 'sms', 'marketing')).toMatchObject({ granted: false, source: 'unsubscribe-link' });
    expect((await s.request({ method: 'GET', path: '/u/AAAAAAAAAAAA', rawBody: Buffer.alloc(0) })).status).toBe(400);
  });

  it('Shopify consent webhooks move the consent state and append to the ledger', async () => {
    const s = await stack('p5-');
    const email = 'consent.flip@example.pl';
    const send = (state: string, at: string) => {
      const raw = Buffer.from(JSON.stringify({ customer_id: 1, email_address: email, email_marketing_consent: { state, opt_in_level: 'single_opt_in', consent_updated_at: at } }));
      return s.request({ method: 'POST', path: '/webhooks/shopify', headers: { 'x-shopify-topic': 'customers_email_marketing_consent/update', 'x-shopify-event-id': `ev-${state}-${at}`, 'x-shopify-hmac-sha256': signBase64Hmac(raw, SECRETS.shopifySecret) }, rawBody: raw });
    };
    expect((await send('subscribed', '2026-08-30T08:00:00Z')).status).toBe(202);
    expect((await send('unsubscribed', '2026-08-31T08:00:00Z')).status).toBe(202);
    // A stale redelivery of the older state does not win.
    expect((await send('subscribed', '2026-08-29T08:00:00Z')).status).toBe(202);
    const customerId = customerIdFor('default', { email })!;
    // The withdrawal counts from when the engine received it.
    expect(await s.store.getConsent('default', customerId, 'email', 'marketing')).toMatchObject({ granted: false, kind: 'withdrawal', at: T.toISOString() });
    const ledger = (await s.store.customerItems('default', customerId)).filter((i) => String(i['sk']).startsWith(customerSk.consentLog));
    expect(ledger).toHaveLength(3);
  });
});
