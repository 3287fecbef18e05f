import { afterEach, describe, expect, it } from 'vitest';
import type { StatsReport, StatsSource } from '../../functions/ingest/dashboard/stats.ts';
import type { HttpResponse } from '../../functions/ingest/http.ts';
import { customerIdFor } from '../../functions/shared/ids.ts';
import type { LocalStackOptions } from '../../local/stack.ts';
import { apiEvent, checkoutEvent, hours, memoryStack, SECRETS } from '../support/local.ts';
import { STATS } from '../support/stats.ts';

/**
 * The dashboard's server side through the ingest function (local stack, memory backend): sign-in,
 * the session cookie, CSRF on every change, and the JSON its pages read.
 */
const T0 = new Date('2026-11-24T08:00:00Z');

let s: Awaited<ReturnType<typeof memoryStack>>;
afterEach(async () => {
  await s?.stop();
});

async function stack(extra: Partial<LocalStackOptions> = {}) {
  s = await memoryStack(T0, { extraCredentials: { apiKeys: ['shop-b::key-of-shop-b'], shopifySecrets: [], wooSecrets: [], stripeSecrets: [] }, ...extra });
  return s;
}

type Headers = Record<string, string>;
const get = (path: string, headers: Headers = {}, query: Record<string, string> = {}) => s.request({ method: 'GET', path, query, headers, rawBody: Buffer.alloc(0) });
const post = (path: string, body: string, headers: Headers) => s.request({ method: 'POST', path, headers, rawBody: Buffer.from(body) });
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const html = (r: HttpResponse) => r.body as string;
const nonceIn = (r: HttpResponse) => /name="nonce" value="([^"]+)"/.exec(html(r))![1]!;

async function signIn(key: string, headers: Headers = {}): Promise<HttpResponse> {
  const form = await get('/dashboard');
  return post('/dashboard/sign-in', new URLSearchParams({ key, nonce: nonceIn(form), lang: 'pl' }).toString(), { ...FORM, ...headers });
}

/** Signed in: the cookie to send and the CSRF token the shell gives the client. */
async function staff(key = SECRETS.apiKey): Promise<{ cookie: string; csrf: string; json: Headers }> {
  const res = await signIn(key);
  expect(res.status).toBe(303);
  const cookie = res.cookies![0]!.split(';')[0]!;
  const shell = html(await get('/dashboard', { cookie }));
  const csrf = /<meta name="koszyk-csrf" content="([^"]+)">/.exec(shell)![1]!;
  return { cookie, csrf, json: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrf } };
}

describe('signing in to the dashboard', () => {
  it('shows a sign-in form, refuses a wrong key, and signs in with the shop’s key into a secure session', async () => {
    await stack();
    const form = await get('/dashboard');
    expect(form.status).toBe(200);
    expect(html(form)).toContain('<label for="key">Klucz dostępu</label>');
    expect(form.headers!['content-security-policy']).toContain("script-src 'self'");
    const wrong = await signIn('not-the-key');
    expect(wrong.status).toBe(401);
    expect(html(wrong)).toContain('Ten klucz jest nieprawidłowy.');
    expect(wrong.cookies).toBeUndefined();
    expect(s.log.lines.join('\n')).not.toContain('not-the-key');

    const ok = await signIn(SECRETS.apiKey);
    expect(ok.status).toBe(303);
    expect(ok.headers!['location']).toBe('/dashboard?lang=pl');
    expect(ok.cookies).toEqual([expect.stringMatching(/^__Host-koszyk-staff=[\w-]+\.[\w-]+; Path=\/; Max-Age=28800; HttpOnly; Secure; SameSite=Strict$/)]);
    const { cookie } = await staff();
    const shell = await get('/dashboard', { cookie });
    expect(html(shell)).toMatch(/<script type="module" src="\/dashboard\/app\.js\?v=[0-9a-f]{16}"><\/script>/);
    expect(html(shell)).toContain('<meta name="koszyk-shop" content="Sklep Testowy">');
  });

  it('refuses a sign-in posted without the form’s nonce or from another site, and more than 30 tries a minute', async () => {
    await stack();
    expect((await post('/dashboard/sign-in', `key=${SECRETS.apiKey}`, FORM)).status).toBe(403);
    expect((await signIn(SECRETS.apiKey, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    for (let i = 0; i < 30; i++) expect((await signIn('guess')).status).toBe(401);
    expect((await signIn(SECRETS.apiKey)).status).toBe(429);
    s.clock.set(new Date(T0.getTime() + 60_000));
    expect((await signIn(SECRETS.apiKey)).status).toBe(303);
  });

  it('a session expires after 8 hours; a forged cookie is no session', async () => {
    await stack();
    const { cookie } = await staff();
    expect((await get('/dashboard/api/tasks', { cookie })).status).toBe(200);
    const forged = cookie.replace(/\.[\w-]+$/, '.AAAA');
    expect((await get('/dashboard/api/tasks', { cookie: forged })).status).toBe(401);
    s.clock.set(new Date(T0.getTime() + hours(8)));
    expect((await get('/dashboard/api/tasks', { cookie })).status).toBe(401);
    expect(html(await get('/dashboard', { cookie }))).toContain('Zaloguj się do panelu');
  });

  it('signing out needs the CSRF token and clears the cookie', async () => {
    await stack();
    const { cookie, csrf } = await staff();
    expect((await post('/dashboard/sign-out', '', { ...FORM, cookie })).status).toBe(403);
    const out = await post('/dashboard/sign-out', `csrf=${csrf}`, { ...FORM, cookie });
    expect(out.status).toBe(303);
    expect(out.cookies).toEqual(['__Host-koszyk-staff=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict']);
  });

  it('serves the built client under its version, for good', async () => {
    await stack();
    const shell = html(await get('/dashboard', (await staff()).json));
    const version = /app\.js\?v=([0-9a-f]+)/.exec(shell)![1]!;
    const js = await get('/dashboard/app.js', {}, { v: version });
    expect(js.headers).toMatchObject({ 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable' });
    expect((js.body as string).length).toBeGreaterThan(10_000);
    expect((await get('/dashboard/app.css', {}, { v: version })).headers!['content-type']).toBe('text/css; charset=utf-8');
  });
});

describe('the journeys the dashboard reads', () => {
  it('lists every journey with an empty state when no statistics are wired, and the statistics when they are', async () => {
    await stack({ stats: async () => undefined });
    const { cookie } = await staff();
    expect((await get('/dashboard/api/journeys')).status).toBe(401);
    const none = await get('/dashboard/api/journeys', { cookie });
    expect(none.body).toMatchObject({ stats: null });
    const views = (none.body as { journeys: { id: string; graph: { nodes: { id: string }[] } }[] }).journeys;
    expect(views.map((j) => j.id).sort()).toEqual(['abandoned-cart', 'birthday', 'coffee-refill', 'delivery-delay', 'dunning', 'order-follow-up', 'post-purchase', 'second-order', 'welcome', 'win-back']);
    // A journey graph's nodes, between the start and the end, as its file lists them.
    expect(views.find((j) => j.id === 'abandoned-cart')!.graph.nodes.map((n) => n.id)).toEqual([
      '(start)', 'first-wait', 'holdout', 'cart-value', 'help-channel', 'help-sms', 'help-email', 'help-wait', 'subject-test', 'first-reminder', 'first-reminder-b', 'second-wait', 'second-reminder', '(end)',
    ]);
    expect(views.find((j) => j.id === 'post-purchase')!.graph.nodes.map((n) => n.id)).toEqual(['(start)', 'how-to-use', 'care-tips', '(end)']);
    await s.stop();

    const asked: string[] = [];
    const source: StatsSource = async (tenant) => {
      asked.push(tenant);
      return STATS;
    };
    await stack({ stats: source });
    const wired = await get('/dashboard/api/journeys', { cookie: (await staff('key-of-shop-b')).cookie });
    expect((wired.body as { stats: StatsReport }).stats).toEqual(STATS);
    expect(asked).toEqual(['shop-b']);
    await s.stop();

    await stack({ stats: async () => ({ generatedAt: 'x', journeys: [{ journey: 'abandoned-cart' }] }) as unknown as StatsReport });
    expect((await get('/dashboard/api/journeys', { cookie: (await staff()).cookie })).body).toMatchObject({ stats: null, statsError: 'the statistics do not have the expected shape' });
  });
});

describe('changes from the dashboard', () => {
  async function dunningCall(): Promise<void> {
    const failed = apiEvent({
      id: 'pf-1',
      type: 'payment.failed',
      occurredAt: T0.toISOString(),
      customer: { email: 'marta@example.pl', phone: '+48600100200', firstName: 'Marta' },
      payment: { invoiceId: 'inv-7', amount: '1234.50', currency: 'PLN' },
    });
    expect((await s.request(failed)).status).toBe(202);
    await s.engine.advanceTo(new Date(T0.getTime() + hours(24 * 7 + 1)));
  }

  it('lists an open task with whom to call about what, and marks it done only with the CSRF token', async () => {
    await stack();
    await dunningCall();
    const { cookie, json } = await staff();
    const tasks = (await get('/dashboard/api/tasks', { cookie })).body as { tasks: { at: string; id: string; customer: unknown; subjectOf: unknown }[] };
    expect(tasks.tasks).toEqual([
      expect.objectContaining({ kind: 'call', journey: 'dunning', customer: { firstName: 'Marta', phone: '+48600100200', email: 'marta@example.pl' }, subjectOf: { kind: 'invoice', id: 'inv-7', amount: '1234.50', currency: 'PLN' } }),
    ]);
    const ref = JSON.stringify({ at: tasks.tasks[0]!.at, id: tasks.tasks[0]!.id });
    expect((await post('/dashboard/api/tasks/done', ref, { ...json, 'x-csrf-token': 'forged' })).status).toBe(403);
    expect((await post('/dashboard/api/tasks/done', ref, { cookie, 'content-type': 'application/json' })).status).toBe(403);
    expect((await post('/dashboard/api/tasks/done', `at=x&id=y`, { cookie, ...FORM, 'x-csrf-token': json['x-csrf-token']! })).status).toBe(415);
    expect((await post('/dashboard/api/tasks/done', ref, { ...json, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await s.store.listTasks('default'))[0]!.status).toBe('open');
    expect(await post('/dashboard/api/tasks/done', '{"id":"x"}', json)).toMatchObject({ status: 400, body: { error: 'name the task by its "at" and "id"' } });
    expect((await post('/dashboard/api/tasks/done', ref, json)).status).toBe(200);
    expect((await post('/dashboard/api/tasks/done', ref, json)).status).toBe(409);
    expect((await s.store.listTasks('default'))[0]).toMatchObject({ status: 'done', doneAt: s.clock.now().toISOString() });
    expect((await get('/dashboard/api/tasks', { cookie })).body).toEqual({ tasks: [] });
  });

  it('the API marks a task done with the bearer key too', async () => {
    await stack();
    await dunningCall();
    const [task] = await s.store.listTasks('default');
    const bearer = { authorization: `Bearer ${SECRETS.apiKey}`, 'content-type': 'application/json' };
    expect((await post('/v1/tasks/done', JSON.stringify({ at: task!.at, id: task!.id }), {})).status).toBe(401);
    expect((await post('/v1/tasks/done', JSON.stringify({ at: task!.at, id: task!.id }), bearer)).status).toBe(200);
    expect((await post('/v1/tasks/done', JSON.stringify({ at: task!.at, id: task!.id }), bearer)).status).toBe(409);
  });

  it('finds a customer by e-mail or phone, exports them, and erases them only when the confirmation repeats their address', async () => {
    await stack();
    const email = 'zofia@example.pl';
    expect((await s.request(checkoutEvent('co-1', email, 'tok-1', T0))).status).toBe(202);
    const id = customerIdFor('default', { email })!;
    const { cookie, json } = await staff();
    expect(await get('/dashboard/api/customer', { cookie }, { q: 'not an address' })).toMatchObject({ status: 400, body: { error: 'q must be an e-mail address or a phone number' } });
    expect((await get('/dashboard/api/customer', { cookie }, { q: 'nobody@example.pl' })).status).toBe(404);
    const found = await get('/dashboard/api/customer', { cookie }, { q: 'Zofia@Example.pl' });
    expect(found.headers!['cache-control']).toBe('no-store');
    expect(found.body).toMatchObject({ customerId: id, data: { profile: { email, firstName: 'Zofia' }, journeys: [expect.objectContaining({ journey: 'abandoned-cart' })] } });
    const exported = await get('/dashboard/api/customer/export', { cookie }, { id });
    expect(exported.headers!['content-disposition']).toBe(`attachment; filename="${id}.json"`);
    expect(exported.body).toMatchObject({ customerId: id, profile: { email } });
    expect((await get('/dashboard/api/customer/export', { cookie }, { id: '../etc' })).status).toBe(400);

    expect(await post('/dashboard/api/customer/erase', JSON.stringify({ customerId: id, confirm: 'someone@example.pl' }), json)).toMatchObject({
      status: 400,
      body: { error: 'confirm must repeat the customer’s e-mail address or phone number' },
    });
    expect(await s.store.getCustomer('default', id)).toBeDefined();
    const erased = await post('/dashboard/api/customer/erase', JSON.stringify({ customerId: id, confirm: ' ZOFIA@example.pl ' }), json);
    expect(erased).toMatchObject({ status: 200, body: { erased: [id], stoppedJourneys: 1 } });
    expect(await s.store.getCustomer('default', id)).toBeUndefined();
    expect(s.log.lines.join('\n')).not.toContain(email);
  });

  it('a shop’s key opens that shop’s dashboard only', async () => {
    await stack();
    await dunningCall();
    const b = await staff('key-of-shop-b');
    expect((await get('/dashboard/api/tasks', { cookie: b.cookie })).body).toEqual({ tasks: [] });
    expect((await get('/dashboard/api/customer', { cookie: b.cookie }, { q: 'marta@example.pl' })).status).toBe(404);
  });
});
