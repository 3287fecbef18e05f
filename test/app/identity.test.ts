import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/index.ts';
import type { EnrolDeps } from '../../functions/app/enrolment.ts';
import { acceptEvents } from '../../functions/app/ingest-event.ts';
import type { EmailMessage } from '../../functions/app/ports.ts';
import { RecordingRunner } from '../support/recording-runner.ts';
import { customerNamed, eraseCustomers } from '../../functions/app/privacy.ts';
import { handleFeedback } from '../../functions/app/record-feedback.ts';
import { runStep } from '../../functions/app/run-step.ts';
import { makeStepHandler } from '../../functions/journey-step/handler.ts';
import type { DomainEvent } from '../../functions/core/domain.ts';
import type { StepInput } from '../../functions/core/step-payload.ts';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import { silentLog } from '../../functions/shared/logger.ts';
import { loadJourneys, loadTemplates } from '../../workflows/src/load.ts';

/** One customer whatever identifier comes first; erasure complete and final, on the in-memory backend. */
const T = new Date('2026-03-30T10:00:00Z');
const at = (minutes: number) => new Date(T.getTime() + minutes * 60_000).toISOString();
const EMAIL = 'zofia@example.pl';
const PHONE = '+48600100200';

function deps(): EnrolDeps & { store: MemoryStore; runner: RecordingRunner; now: { t: Date } } {
  const now = { t: new Date(T.getTime() + 3_600_000) };
  return { config: { tenant: 'default' }, store: new MemoryStore(), journeys: loadJourneys(), runner: new RecordingRunner(), clock: { now: () => now.t }, log: silentLog, now };
}

type Customer = DomainEvent['customer'];
const checkout = (key: string, customer: Customer, token: string, when = at(0)): DomainEvent =>
  ({
    key,
    source: 'api',
    type: 'checkout.updated',
    occurredAt: when,
    customer,
    checkout: { token, items: [{ title: 'Kubek', quantity: 1, price: '49.90' }], total: '49.90', currency: 'PLN', completed: false },
  }) as DomainEvent;
const order = (key: string, customer: Customer, id: string, when = at(0)): DomainEvent =>
  ({ key, source: 'api', type: 'order.placed', occurredAt: when, customer, order: { id, total: '49.90', currency: 'PLN', items: [] } }) as DomainEvent;
const updated = (key: string, customer: Customer, when = at(0)): DomainEvent => ({ key, source: 'api', type: 'customer.updated', occurredAt: when, customer }) as DomainEvent;

const byPhone = customerIdFor('default', { phone: PHONE })!;
const byEmail = customerIdFor('default', { email: EMAIL })!;

describe('one customer whatever identifier comes first', () => {
  it('an SMS-only checkout and a later order with the e-mail are one customer: consent, orders and journeys together', async () => {
    const d = deps();
    await acceptEvents([checkout('e1', { phone: PHONE, consent: { smsMarketing: true } }, 'tok-1')], d);
    await acceptEvents([order('e2', { email: EMAIL, phone: '+48 600 100 200', firstName: 'Zofia', consent: { emailMarketing: true } }, 'o-1', at(5))], d);
    expect(await d.store.getCustomer('default', byEmail)).toBeUndefined();
    expect(await d.store.getCustomer('default', byPhone)).toMatchObject({ email: EMAIL, phone: '+48 600 100 200', firstName: 'Zofia', orderCount: 1 });
    expect(await d.store.getConsent('default', byPhone, 'email', 'marketing')).toMatchObject({ granted: true });
    expect(await d.store.getConsent('default', byPhone, 'sms', 'marketing')).toMatchObject({ granted: true });
    expect(await d.store.getEnrolment('default', byPhone, 'post-purchase', 'o-1')).toMatchObject({ status: 'active' });
    // Every later event finds the same customer, by either address.
    await acceptEvents([updated('e3', { email: 'ZOFIA@example.pl', consent: { emailMarketing: false } }, at(6))], d);
    expect(await d.store.getConsent('default', byPhone, 'email', 'marketing')).toMatchObject({ granted: false });
    expect(await customerNamed({ email: EMAIL }, d)).toBe(byPhone);
    expect(await customerNamed({ phone: PHONE }, d)).toBe(byPhone);
  });

  it('in the other order too: the number given later is the e-mail customer’s, and an SMS-only event finds them', async () => {
    const d = deps();
    await acceptEvents([checkout('e1', { email: EMAIL }, 'tok-1')], d);
    await acceptEvents([updated('e2', { email: EMAIL, phone: PHONE }, at(1))], d);
    await acceptEvents([updated('e3', { phone: PHONE, consent: { smsMarketing: true } }, at(2))], d);
    expect(await d.store.getConsent('default', byEmail, 'sms', 'marketing')).toMatchObject({ granted: true });
    expect(await d.store.getCustomer('default', byPhone)).toBeUndefined();
  });

  it('when the e-mail is one customer’s and the phone another’s, the e-mail decides and the phone stays with its holder', async () => {
    const d = deps();
    await acceptEvents([checkout('e1', { email: EMAIL }, 'tok-1')], d);
    await acceptEvents([checkout('e2', { phone: PHONE }, 'tok-2')], d);
    await acceptEvents([updated('e3', { email: EMAIL, phone: PHONE, firstName: 'Zofia', consent: { smsMarketing: false } }, at(1))], d);
    expect(await d.store.getCustomer('default', byEmail)).toMatchObject({ firstName: 'Zofia' });
    expect((await d.store.getCustomer('default', byEmail))?.phone).toBeUndefined();
    expect(await d.store.getConsent('default', byPhone, 'sms', 'marketing')).toMatchObject({ granted: false });
    expect(await d.store.getConsent('default', byEmail, 'sms', 'marketing')).toBeUndefined();
    expect(await customerNamed({ phone: PHONE }, d)).toBe(byPhone);
  });

  it('a complaint and an SMS STOP withdraw consent from the customer holding the address', async () => {
    const d = deps();
    await acceptEvents([checkout('e1', { phone: PHONE, consent: { smsMarketing: true } }, 'tok-1')], d);
    await acceptEvents([updated('e2', { email: EMAIL, phone: PHONE, consent: { emailMarketing: true } }, at(1))], d);
    const feedback = { tenant: 'default', store: d.store, clock: d.clock, log: silentLog };
    await handleFeedback({ eventType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: `Zofia <${EMAIL}>` }] } }, feedback);
    await handleFeedback({ originationNumber: '+48 600 100 200', messageBody: 'STOP' }, feedback);
    expect(await d.store.getConsent('default', byPhone, 'email', 'marketing')).toMatchObject({ granted: false, source: 'ses-complaint' });
    expect(await d.store.getConsent('default', byPhone, 'sms', 'marketing')).toMatchObject({ granted: false, source: 'sms-opt-out' });
    expect(await d.store.getConsent('default', byEmail, 'email', 'marketing')).toBeUndefined();
  });
});

describe('erasure is complete and final', () => {
  it('erasing by the phone finds what came with the e-mail, and by the e-mail what came with the phone', async () => {
    for (const named of [{ phone: '+48 600 100 200' }, { email: EMAIL }]) {
      const d = deps();
      await acceptEvents([checkout('e1', { phone: PHONE }, 'tok-1')], d);
      await acceptEvents([order('e2', { email: EMAIL, phone: PHONE, firstName: 'Zofia' }, 'o-1', at(5))], d);
      const result = await eraseCustomers(named, d);
      expect(result.erased).toContain(byPhone);
      // Post-purchase and the first order's wait for a second one.
      expect(result.stopped).toBe(2);
      const left = await d.store.exportCustomer('default', byPhone);
      expect(left).toMatchObject({ profile: null, addresses: [], carts: [], orders: [], journeys: [] });
      expect(JSON.stringify(left)).not.toMatch(/zofia|600100200|Kubek/i);
      expect(await d.store.getCart('default', 'tok-1')).toBeUndefined();
      expect(await d.store.identify('default', { email: EMAIL, phone: PHONE }, at(10))).toStrictEqual({ erasedAt: d.clock.now().toISOString() });
    }
  });

  it('a late event dated before the erasure brings nothing back; one dated after it is the customer returning', async () => {
    const d = deps();
    await acceptEvents([checkout('e1', { phone: PHONE }, 'tok-1')], d);
    await acceptEvents([updated('e2', { email: EMAIL, phone: PHONE }, at(1))], d);
    d.now.t = new Date(T.getTime() + 2 * 3_600_000);
    await eraseCustomers({ phone: PHONE }, d);
    // A platform's late retry of an order placed before the erasure, by either address.
    expect((await acceptEvents([order('late-1', { email: EMAIL }, 'o-late', at(30))], d)).events[0]!.status).toBe('erased-before');
    expect((await acceptEvents([checkout('late-2', { phone: PHONE, firstName: 'Zofia' }, 'tok-late', at(31))], d)).events[0]!.status).toBe('erased-before');
    for (const id of [byEmail, byPhone]) expect(await d.store.exportCustomer('default', id)).toMatchObject({ profile: null, orders: [], carts: [], journeys: [] });
    expect(await d.store.getCart('default', 'tok-late')).toBeUndefined();
    // A new event after the erasure: the customer is back, as a new customer.
    expect((await acceptEvents([order('new-1', { email: EMAIL }, 'o-new', at(180))], d)).events[0]!.status).toBe('order-recorded');
    expect(await d.store.getCustomer('default', byEmail)).toMatchObject({ email: EMAIL, orderCount: 1 });
  });

  it('a journey step racing an erasure sees it and writes nothing', async () => {
    const d = deps();
    await acceptEvents([checkout('e1', { email: EMAIL, firstName: 'Zofia', consent: { emailMarketing: true } }, 'tok-1')], d);
    const sent: EmailMessage[] = [];
    const input: StepInput = {
      version: 2,
      journey: 'abandoned-cart',
      trigger: 'checkout',
      step: 'reminder-1',
      channel: 'email',
      template: 'cart-reminder-1',
      topic: 'marketing',
      last: false,
      executionName: executionName('abandoned-cart', 'default', 'tok-1'),
      enrolment: { version: 1, tenant: 'default', customerId: byEmail, journey: 'abandoned-cart', key: 'tok-1' },
    };
    await d.store.eraseCustomer('default', byEmail, d.clock.now().toISOString());
    const result = await runStep(input, {
      config: { shopName: 'Sklep', publicUrl: 'https://sklep.example.pl', unsubscribeSecret: 'secret-0123456789-0123456789' },
      store: d.store,
      mailer: {
        send: async (m) => {
          sent.push(m);
          return { messageId: 'm-1' };
        },
      },
      sms: { send: async () => ({ messageId: 's-1' }) },
      events: { taskCreated: async () => undefined },
      templates: loadTemplates(),
      journeys: loadJourneys(),
      clock: d.clock,
      log: silentLog,
    });
    expect(result).toMatchObject({ continue: false, outcome: 'erased' });
    expect(sent).toEqual([]);
    expect(await d.store.listDecisions('default', byEmail)).toEqual([]);
    expect(await d.store.exportCustomer('default', byEmail)).toMatchObject({ profile: null, messages: [], journeys: [], sends: [] });
  });

  it('an erasure landing while a step runs, after its check, leaves nothing the step wrote', async () => {
    const d = deps();
    await acceptEvents([checkout('e1', { email: EMAIL, firstName: 'Zofia', consent: { emailMarketing: true } }, 'tok-1')], d);
    const payload: StepInput = {
      version: 2,
      journey: 'abandoned-cart',
      trigger: 'checkout',
      step: 'reminder-1',
      channel: 'email',
      template: 'cart-reminder-1',
      topic: 'marketing',
      last: false,
      executionName: executionName('abandoned-cart', 'default', 'tok-1'),
      enrolment: { version: 1, tenant: 'default', customerId: byEmail, journey: 'abandoned-cart', key: 'tok-1' },
    };
    const step = makeStepHandler(() => ({
      config: { shopName: 'Sklep', publicUrl: 'https://sklep.example.pl', unsubscribeSecret: 'secret-0123456789-0123456789' },
      store: d.store,
      mailer: {
        // The erasure completes while the message is with the provider: the step then records its outcome and decision.
        send: async () => {
          await d.store.eraseCustomer('default', byEmail, d.clock.now().toISOString());
          return { messageId: 'm-1' };
        },
      },
      sms: { send: async () => ({ messageId: 's-1' }) },
      events: { taskCreated: async () => undefined },
      templates: loadTemplates(),
      journeys: loadJourneys(),
      clock: d.clock,
      log: silentLog,
    }));
    await step(payload);
    expect(await d.store.listDecisions('default', byEmail)).toEqual([]);
    const left = await d.store.exportCustomer('default', byEmail);
    expect(left).toMatchObject({ profile: null, messages: [], journeys: [], sends: [] });
    expect(JSON.stringify(left)).not.toMatch(/zofia|Kubek/i);
  });
});
