import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { fixture } from '../support/fixtures.ts';
import { sesBounce } from '../../local/aws-events.ts';
import { productionPath } from './harness.ts';
import { apiEvent, emailOf, emailsTo, machineOf, shopifyCheckout, shopifyOrder, shopifyRequest, stripePaymentFailed, stripeRequest } from './shop.ts';
import { API_KEY, builtBy, DAY, HOUR, shippedBundleTests } from './shipped-bundles-support.ts';

/**
 * The production path: the CDK app synthesized once for this file, each function's bundle from
 * cdk.out run in its own process with the template's environment, the journeys' state machines
 * run from the template's definitions, and every AWS call answered (and recorded) by the stand-in.
 */
const p = productionPath();
const { address, watchAddress, secretArn, now, decisions, startedBy, startsOf, customerIdOf } = shippedBundleTests(p);

/** The first reminder: one arm or the other of abandoned-cart's subject test. */
const FIRST = /^first-reminder(-b)?$/;

describe('Shopify checkout to reminder', () => {
  it('takes the shared sample as Shopify signed it; dated 2022, long before this clock, it starts no reminders and the decision says why', async () => {
    // The sample byte for byte, with the signature it was published with.
    const { body, headers } = fixture('shopify', 'checkouts_create');
    const sample = JSON.parse(body.toString('utf8')) as { email: string; token: string; updated_at: string };
    expect(Date.parse(sample.updated_at)).toBeLessThan(p.clock.now() - 30 * 24 * HOUR);
    watchAddress(sample.email);
    const res = await p.http({ method: 'POST', url: '/webhooks/shopify', headers, body });
    expect(res.status).toBe(202);
    expect(startsOf('abandoned-cart', sample.token)).toEqual([]);
    await p.advance(2 * HOUR);
    expect(emailsTo(p.aws.calls, sample.email)).toEqual([]);
    expect(await decisions(sample.email)).toContainEqual(expect.objectContaining({ journey: 'abandoned-cart', step: 'first-wait', outcome: 'suppressed', reason: 'stale_trigger' }));
  });

  it('starts the journey from the signed webhook and sends the first reminder through SES an hour later, as the synthesized definition says', async () => {
    const email = address('zofia');
    const token = 'prod-consent';
    const started = p.clock.now();
    const res = await p.http(shopifyRequest('checkouts/create', shopifyCheckout({ token, email, consent: true, at: now() })));
    expect(res.status).toBe(202);
    expect(res.json()).toMatchObject({ status: 'accepted', events: [{ status: 'journey-started' }] });

    const starts = startsOf('abandoned-cart', token);
    expect(starts).toHaveLength(1);
    const start = starts[0]!;
    expect(start).toMatchObject({ caller: 'ingest', status: 200, request: { stateMachineArn: `${machineOf(p.app, 'abandoned-cart').arn}:live` } });
    const input = JSON.parse(String(start.request['input'])) as { firstAt: string; customerId: string };
    expect(input).toEqual({ version: 1, tenant: 'default', customerId: await customerIdOf(email), journey: 'abandoned-cart', key: token, firstAt: expect.any(String) });
    expect(start.request['name']).toMatch(/^abandoned-cart-[0-9a-f]{40}$/);
    const firstAt = Date.parse(input.firstAt);
    expect(firstAt - started).toBeGreaterThanOrEqual(HOUR);
    expect(firstAt - started).toBeLessThan(HOUR + 60_000);

    // Open and waiting in "first-wait: wait 1 h (start)": nothing sent yet.
    const exec = startedBy(start);
    await p.settled();
    expect(exec).toMatchObject({ status: 'RUNNING', wakeAt: firstAt, tasks: [] });
    await p.advance(HOUR - 60_000);
    expect(emailsTo(p.aws.calls, email)).toEqual([]);

    await p.advance(2 * 60_000);
    expect(exec.tasks).toHaveLength(1);
    const task = exec.tasks[0]!;
    // The payload is what the definition's Parameters build from the execution input and context.
    const parameters = machineOf(p.app, 'abandoned-cart').definition.States['holdout']!['Parameters'];
    expect(task.payload).toEqual(builtBy(parameters, input, { Execution: { Name: start.request['name'] } }));
    // One walk: the cart's value, the subject test, the first reminder, up to the 23 h wait.
    expect(task.payload).toMatchObject({
      version: 3,
      journey: 'abandoned-cart',
      entry: 'holdout',
      topic: 'marketing',
      hoursAfter: ['help-wait', 'second-wait'],
      executionName: start.request['name'],
      enrolment: input,
    });
    expect(task.outcome).toMatchObject({ ok: true, result: { continue: true, next: 'second-wait', outcome: 'waiting' } });

    const sent = emailsTo(p.aws.calls, email);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ caller: 'journey-step', status: 200 });
    // Signed on the function's clock at the Wait's end, not when the webhook came.
    expect(Date.parse(sent[0]!.signedAt!)).toBeGreaterThanOrEqual(Math.floor(firstAt / 1000) * 1000);
    const mail = emailOf(sent[0]!);
    const step = p.app.fn('journey-step');
    expect(mail).toMatchObject({
      from: 'sklep@example.com',
      to: [email],
      configurationSet: step.environment['SES_CONFIGURATION_SET'],
      tags: { journey: 'abandoned-cart', step: expect.stringMatching(/^first-reminder(-b)?$/) },
    });
    // The arm of the subject test decides the subject.
    expect(mail.subject).toBe(mail.tags['step'] === 'first-reminder' ? 'Zofio, Twoje zakupy czekają w koszyku' : 'Koszyk w sklepie Sklep wciąż na Ciebie czeka');
    expect(mail.text).toContain(`https://sklep.example.pl/checkouts/${token}/recover`);
    expect(mail.headers['List-Unsubscribe']).toMatch(new RegExp(`^<${step.environment['PUBLIC_URL']}/unsubscribe\\?token=[^>]+>$`));
    expect(mail.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');

    // Waiting for the second reminder, 24 h after the checkout.
    const nextAt = Date.parse((task.outcome as { result: { nextAt: string } }).result.nextAt);
    expect(exec).toMatchObject({ status: 'RUNNING', wakeAt: nextAt });
    expect(nextAt - started).toBeGreaterThanOrEqual(DAY);
    expect(nextAt - started).toBeLessThan(DAY + 60_000);

    // The order for that checkout stops the waiting execution: StopExecution from the ingest; and it
    // is the journey's conversion, which the bundled stats route reports with the order's total.
    const stats = async () => {
      const res = await p.http({ method: 'GET', url: '/v1/journeys/abandoned-cart/stats', headers: { Authorization: `Bearer ${API_KEY}` } });
      expect(res.status).toBe(200);
      return res.json<{ journeys: { converted: number; revenue: Record<string, string>; nodes: { node: string; converted: number }[]; cost: { transitions: number; invocations: number } }[] }>().journeys[0]!;
    };
    const before = await stats();
    const order = await p.http(shopifyRequest('orders/create', shopifyOrder({ id: '7000000000000000001', checkoutToken: token, email, at: now() })));
    expect(order.status).toBe(202);
    const after = await stats();
    expect(after.converted).toBe(before.converted + 1);
    expect(after.nodes).toContainEqual(expect.objectContaining({ node: expect.stringMatching(FIRST), converted: expect.any(Number) }));
    // Shopify's sample order comes voided: the same delivery cancels it, taking its revenue back.
    expect(after.revenue).toEqual(before.revenue);
    const exported = await p.http({ method: 'GET', url: `/v1/customers/export?email=${encodeURIComponent(email)}`, headers: { Authorization: `Bearer ${API_KEY}` } });
    expect(exported.json<{ conversions: unknown[] }>().conversions).toEqual([
      expect.objectContaining({ journey: 'abandoned-cart', subject: '7000000000000000001', reason: 'checkout_token', revenue: '404.95', currency: 'PLN', reversedBy: 'order.cancelled' }),
    ]);
    // On AWS the step's use is estimated: three transitions and one invocation for the reminder it ran.
    expect(before.cost.transitions).toBeGreaterThanOrEqual(3);
    expect(before.cost.invocations).toBeGreaterThanOrEqual(1);
    expect(p.aws.callsOf('states:StopExecution')).toContainEqual(expect.objectContaining({ caller: 'ingest', status: 200, request: expect.objectContaining({ executionArn: exec.executionArn }) }));
    const sfn = new SFNClient({ endpoint: p.aws.endpoint, region: p.app.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: exec.executionArn }))).status).toBe('ABORTED');
    sfn.destroy();
    await p.advance(2 * DAY);
    expect(emailsTo(p.aws.calls, email)).toHaveLength(1);
  });

  it('honours the one-click unsubscribe link the step signed: the ingest reads the same signing secret, and the second reminder is decided against', async () => {
    const email = address('unsubscribes');
    const token = 'prod-unsubscribe';
    expect((await p.http(shopifyRequest('checkouts/create', shopifyCheckout({ token, email, consent: true, at: now() })))).status).toBe(202);
    await p.advance(2 * HOUR);
    const [first] = emailsTo(p.aws.calls, email);
    const link = /^<([^>]+)>$/.exec(emailOf(first!).headers['List-Unsubscribe']!)![1]!;
    const { pathname, search } = new URL(link);

    const oneClick = await p.http({ method: 'POST', url: `${pathname}${search}`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    await p.advance(2 * DAY);
    expect(emailsTo(p.aws.calls, email)).toHaveLength(1);
    expect(await decisions(email)).toContainEqual(expect.objectContaining({ step: 'second-reminder', outcome: 'suppressed', reason: 'unsubscribed' }));
  });
});

describe('Stripe dunning', () => {
  it('verifies the Stripe-Signature against the secret in Secrets Manager and sends the first dunning e-mail at once', async () => {
    const email = address('jan.dunning');
    const invoiceId = 'in_prod_dunning_1';
    const t = Math.floor(p.clock.now() / 1000);
    const stale = await p.http(stripeRequest(stripePaymentFailed({ invoiceId, email, at: now() }), t - 600));
    expect(stale.status).toBe(401);

    const res = await p.http(stripeRequest(stripePaymentFailed({ invoiceId, email, at: now() }), t));
    expect(res.status).toBe(202);
    const [start] = startsOf('dunning', invoiceId);
    expect(start).toMatchObject({ caller: 'ingest', request: { stateMachineArn: `${machineOf(p.app, 'dunning').arn}:live` } });
    await p.settled();
    const exec = startedBy(start!);
    expect(exec.tasks.map((x) => x.state)).toEqual(['email-reminder']);
    const sent = emailsTo(p.aws.calls, email);
    expect(sent).toHaveLength(1);
    expect(emailOf(sent[0]!)).toMatchObject({ subject: expect.stringMatching(/^Płatność 129,00\szł nie powiodła się$/), tags: { journey: 'dunning', step: 'email-reminder' } });
    // Service mail: no marketing unsubscribe headers.
    expect(emailOf(sent[0]!).headers['List-Unsubscribe']).toBeUndefined();
  });
});

describe('SES bounce feedback', () => {
  it('suppresses a permanently bounced address: the dunning ladder sends it nothing more, and the staff task goes to EventBridge', async () => {
    const email = address('bounces');
    const invoiceId = 'in_prod_bounce_1';
    expect((await p.http(stripeRequest(stripePaymentFailed({ invoiceId, email, at: now() }), Math.floor(p.clock.now() / 1000)))).status).toBe(202);
    await p.settled();
    const [first] = emailsTo(p.aws.calls, email);
    expect(first).toBeDefined();

    const [topic] = p.app.subscriptions.filter((s) => s.fn.handlerName === 'feedback').map((s) => s.topicArn);
    const bounce = sesBounce(email, { messageId: String((first!.response as { MessageId: string }).MessageId), from: 'sklep@example.com', at: now() });
    const customerId = await customerIdOf(email);
    const [delivered] = await p.publish(topic!, bounce);
    expect(delivered).toMatchObject({ ok: true, result: [{ kind: 'bounce', suppressed: 1 }] });

    await p.advance(11 * DAY);
    const exec = startedBy(startsOf('dunning', invoiceId)[0]!);
    expect(exec.status).toBe('SUCCEEDED');
    expect(emailsTo(p.aws.calls, email)).toHaveLength(1);
    expect(await decisions(email)).toContainEqual(expect.objectContaining({ step: 'final-notice', outcome: 'suppressed', reason: 'suppressed_address' }));
    const tasks = p.aws.callsOf('events:PutEvents').filter((c) => c.caller === 'journey-step' && JSON.stringify(c.request).includes(customerId));
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ status: 200, request: { Entries: [{ Source: 'koszyk.journeys', DetailType: 'StaffTaskCreated', EventBusName: 'default' }] } });
  });
});

describe('scheduled win-back', () => {
  it('selects the customer whose last order was 180 days before the scheduled run and starts the journey, once per run', async () => {
    const email = address('dormant');
    const scheduled = now();
    const ordered = new Date(scheduled.getTime() - 180 * DAY);
    const order = await p.http(
      apiEvent(API_KEY, {
        id: 'prod-winback-order',
        type: 'order.placed',
        occurredAt: ordered.toISOString(),
        customer: { email, firstName: 'Anna', locale: 'pl', consent: { emailMarketing: true } },
        order: { id: 'prod-winback-1', total: '250.00', currency: 'PLN' },
      }),
    );
    expect(order.status).toBe(202);

    const run = await p.schedule('win-back', scheduled);
    expect(run).toMatchObject({ ok: true, result: [{ tenant: 'default', run: 'ran', journey: 'win-back', day: ordered.toISOString().slice(0, 10), matched: 1, started: 1 }] });
    const customerId = await customerIdOf(email);
    const key = `${scheduled.toISOString().slice(0, 10)}.${customerId}`;
    const [start] = startsOf('win-back', key);
    expect(start).toMatchObject({ caller: 'segment-select', status: 200, request: { stateMachineArn: `${machineOf(p.app, 'win-back').arn}:live` } });
    expect(JSON.parse(String(start!.request['input']))).toMatchObject({ journey: 'win-back', customerId, key });

    // EventBridge Scheduler retries a failed run with the same input: the shop's day is done, nobody is started twice.
    const again = await p.schedule('win-back', scheduled);
    expect(again).toMatchObject({ ok: true, result: [{ tenant: 'default', run: 'skipped', started: 0 }] });
    await p.advance(HOUR);
    expect(emailsTo(p.aws.calls, email).map((c) => emailOf(c).subject)).toEqual(['Anno, tęsknimy!']);
  });
});

describe('when AWS fails', () => {
  const checkout = async (local: string) => {
    const email = address(local);
    const token = `prod-${local}`;
    expect((await p.http(shopifyRequest('checkouts/create', shopifyCheckout({ token, email, consent: true, at: now() })))).status).toBe(202);
    await p.settled();
    const exec = startedBy(startsOf('abandoned-cart', token)[0]!);
    return { email, exec, firstAt: Date.parse((JSON.parse(exec.input) as { firstAt: string }).firstAt) };
  };
  /** To the first reminder's time, and no further (a Retry's interval would be passed too). */
  const toFirstReminder = (firstAt: number) => p.advance(firstAt + 1000 - p.clock.now());

  it('SES throttling: the step gives the send back and fails, the definition retries it 20 s later, and the reminder goes out once', async () => {
    const { email, exec, firstAt } = await checkout('throttled');
    p.aws.fail({ operation: 'ses:SendEmail', error: 'TooManyRequestsException', status: 429, message: 'Maximum sending rate exceeded.', when: (r) => JSON.stringify(r).includes(email) });
    await toFirstReminder(firstAt);
    expect(exec.tasks.map((t) => (t.outcome.ok ? 'ok' : t.outcome.error.errorType))).toEqual(['TooManyRequestsException']);
    const refused = emailsTo(p.aws.calls, email);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.every((c) => c.status === 429)).toBe(true);
    // The Retry interval runs from the failure: IntervalSeconds 20 of the definition.
    const failed = exec.tasks[0]!;
    expect(exec.status).toBe('RUNNING');
    expect(exec.wakeAt! - (failed.at + failed.outcome.ms)).toBeGreaterThanOrEqual(20_000 - 50);
    expect(exec.wakeAt! - (failed.at + failed.outcome.ms)).toBeLessThan(20_000 + 500);

    p.aws.clearFaults();
    await p.advance(20_000);
    expect(exec.tasks.map((t) => (t.outcome.ok ? (t.outcome.result as { outcome: string }).outcome : t.outcome.error.errorType))).toEqual(['TooManyRequestsException', 'waiting']);
    expect(emailsTo(p.aws.calls, email).filter((c) => c.status === 200)).toHaveLength(1);
    expect((await decisions(email)).filter((d) => FIRST.test(String(d['step'])))).toEqual([expect.objectContaining({ outcome: 'sent' })]);
  });

  it('SES drops the connection without an answer: delivery is uncertain, recorded as such, never retried into a duplicate', async () => {
    const { email, exec, firstAt } = await checkout('dropped');
    p.aws.fail({ operation: 'ses:SendEmail', drop: 'reset', when: (r) => JSON.stringify(r).includes(email) });
    await toFirstReminder(firstAt);
    expect(exec.tasks).toHaveLength(1);
    expect(exec.tasks[0]!.outcome).toMatchObject({ ok: true, result: { outcome: 'waiting', next: 'second-wait' } });
    expect(emailsTo(p.aws.calls, email).every((c) => c.status === 'reset')).toBe(true);
    expect(await decisions(email)).toContainEqual(expect.objectContaining({ step: expect.stringMatching(FIRST), outcome: 'suppressed', reason: 'delivery_uncertain' }));
  });

  it('SES never answers: the step still ends within its timeout and records the send as uncertain', async () => {
    const { email, exec, firstAt } = await checkout('hung');
    p.aws.fail({ operation: 'ses:SendEmail', drop: 'hang', when: (r) => JSON.stringify(r).includes(email) });
    await toFirstReminder(firstAt);
    expect(exec.tasks).toHaveLength(1);
    const [task] = exec.tasks;
    // Lambda kills a step that outlives its Timeout: then no decision is recorded, and the
    // state machine's retry finds the send claimed and goes on (the reminder is silently lost).
    expect(task!.outcome, 'a provider call that never answers must be cut short before the function times out').toMatchObject({
      ok: true,
      result: { outcome: 'waiting', next: 'second-wait' },
    });
    expect(task!.outcome.ms).toBeLessThan(p.app.fn('journey-step').timeoutSeconds * 1000);
    expect(await decisions(email)).toContainEqual(expect.objectContaining({ step: expect.stringMatching(FIRST), outcome: 'suppressed', reason: 'delivery_uncertain' }));
  });

  it('Step Functions throttles StartExecution: the webhook answers 500, the delivery is given back, and the platform retry starts the journey', async () => {
    const email = address('sfn-throttled');
    const token = 'prod-sfn-throttled';
    const request = shopifyRequest('checkouts/create', shopifyCheckout({ token, email, consent: true, at: now() }), { eventId: 'prod-sfn-throttled-delivery' });
    p.aws.fail({ operation: 'states:StartExecution', error: 'ThrottlingException', message: 'Rate exceeded', when: (r) => String(r['input']).includes(token) });
    const refused = await p.http(request);
    expect(refused.status).toBe(500);
    expect(startsOf('abandoned-cart', token).every((c) => c.error === 'ThrottlingException')).toBe(true);

    p.aws.clearFaults();
    const retried = await p.http(request);
    expect(retried.status).toBe(202);
    expect(startsOf('abandoned-cart', token).filter((c) => c.status === 200)).toHaveLength(1);
  });

  it('Step Functions never answers StartExecution: the webhook is not acknowledged, and the platform retry still starts the journey', async () => {
    const email = address('sfn-hung');
    const token = 'prod-sfn-hung';
    const request = shopifyRequest('checkouts/create', shopifyCheckout({ token, email, consent: true, at: now() }), { eventId: 'prod-sfn-hung-delivery' });
    p.aws.fail({ operation: 'states:StartExecution', drop: 'hang', when: (r) => String(r['input']).includes(token) });
    const unanswered = await p.http(request);
    expect(unanswered.status).toBeGreaterThanOrEqual(500);

    p.aws.clearFaults();
    const retried = await p.http(request);
    // A delivery that was never acknowledged is not a duplicate: the journey starts now.
    expect(retried.json(), 'the delivery key must not stay claimed by an invocation that never finished').toMatchObject({ status: 'accepted' });
    expect(startsOf('abandoned-cart', token).filter((c) => c.status === 200)).toHaveLength(1);
  });

  it('Secrets Manager: a webhook secret never set refuses its route with 401; an outage answers 500 so the platform retries', async () => {
    const woo = await p.http({ method: 'POST', url: '/webhooks/woocommerce', headers: { 'Content-Type': 'application/json', 'X-WC-Webhook-Topic': 'order.created', 'X-WC-Webhook-Signature': 'c2lnbmF0dXJl' }, body: '{}' });
    expect(woo.status).toBe(401);
    expect(p.aws.callsOf('secretsmanager:GetSecretValue').filter((c) => c.request['SecretId'] === secretArn('ingest', 'WOOCOMMERCE_SECRET_ARN'))).toContainEqual(
      expect.objectContaining({ caller: 'ingest', error: 'ResourceNotFoundException' }),
    );

    // Past the functions' secret cache, Secrets Manager fails.
    await p.advance(10 * 60_000);
    p.aws.fail({ operation: 'secretsmanager:GetSecretValue', error: 'InternalServiceError', status: 500, message: 'An error occurred on the server side.' });
    const email = address('secrets-outage');
    const request = shopifyRequest('checkouts/create', shopifyCheckout({ token: 'prod-secrets-outage', email, consent: true, at: now() }));
    expect((await p.http(request)).status).toBe(500);
    p.aws.clearFaults();
    expect((await p.http(request)).status).toBe(202);
  });
});
