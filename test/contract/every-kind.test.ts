import { beforeEach, describe, expect, it } from 'vitest';
import { type ItemKind, items } from '../../functions/adapters/dynamo/keys.ts';
import type { StateStore } from '../../functions/app/ports.ts';
import { EVENT_LEASE_SECONDS } from '../../functions/shared/config.ts';
import { checkout, contractBackends, data, decision, echo, intent, order, t, task } from './backends.ts';

/**
 * Export and erasure against every item kind of keys.ts: one item of each is made for one customer,
 * the export must list each kind that holds a customer id or personal data, and after erasure none
 * of them may be left. A kind added to keys.ts without a line here fails the type check and the
 * first test; on DynamoDB a scan of the whole table then looks for anything personal left behind.
 */
const TENANT = 'shop-a';
const ID = 'c_1';
const EMAIL = 'zofia.every@example.pl';
const PHONE = '+48600111222';
const OLD_PHONE = '+48600111333';
/** Values only this customer's items hold: none may survive erasure anywhere in the table. */
const PERSONAL = [EMAIL, PHONE, OLD_PHONE, 'Zofia', 'Kubek', 'sklep.example.pl/koszyk', 'pay.example.pl', 'token-every', 'Zadzwoń'];

type Export = Record<string, unknown[] | unknown>;
interface PersonalKind {
  /** The export's part that lists it. */
  listedIn: string;
  make(store: StateStore): Promise<void>;
  /** True while the item is still there, read through the ports. */
  present(store: StateStore, exported: Export): Promise<boolean>;
  /** Erasure keeps it, as the law asks (docs/data-model.md says why). */
  kept?: true;
}
interface ImpersonalKind {
  /** Why it holds no customer id and no personal data. */
  impersonal: string;
}

const listed = (exported: Export, part: string): unknown[] => {
  const value = exported[part];
  return Array.isArray(value) ? value : value === null || value === undefined ? [] : [value];
};

const KINDS: Record<ItemKind, PersonalKind | ImpersonalKind> = {
  profile: {
    listedIn: 'profile',
    make: async (s) => void (await s.upsertCustomer(TENANT, ID, { email: EMAIL, phone: PHONE, firstName: 'Zofia' }, t(0))),
    present: async (s) => (await s.getCustomer(TENANT, ID)) !== undefined,
  },
  emailRef: {
    listedIn: 'addresses',
    make: async (s) => void (await s.linkAddress(TENANT, ID, 'email', EMAIL, t(0))),
    present: async (s) => (await s.identify(TENANT, { email: EMAIL }, t(0))).email !== undefined,
  },
  phoneRef: {
    listedIn: 'addresses',
    make: async (s) => {
      await s.linkAddress(TENANT, ID, 'sms', OLD_PHONE, t(0));
      await s.linkAddress(TENANT, ID, 'sms', PHONE, t(0));
    },
    present: async (s) => (await s.identify(TENANT, { phone: OLD_PHONE }, t(0))).sms !== undefined || (await s.identify(TENANT, { phone: PHONE }, t(0))).sms !== undefined,
  },
  address: {
    listedIn: 'addresses',
    make: async () => undefined,
    present: async (_s, exported) => listedSome(exported, 'addresses'),
  },
  consent: {
    listedIn: 'consents',
    make: async (s) => void (await s.recordConsent(TENANT, ID, 'email', 'marketing', echo(true, t(0), 'checkout', 'ev-1'), new Date(t(0)))),
    present: async (s) => (await s.getConsent(TENANT, ID, 'email', 'marketing')) !== undefined,
  },
  consentLog: { listedIn: 'consentLedger', make: async () => undefined, present: async (_s, exported) => listedSome(exported, 'consentLedger'), kept: true },
  cooldown: {
    listedIn: 'cooldowns',
    make: async (s) => void (await s.claimCooldown(TENANT, ID, 'win-back', t(0), t(600))),
    present: async (_s, exported) => listedSome(exported, 'cooldowns'),
  },
  dateIndex: {
    listedIn: 'dates',
    make: (s) => s.fileDate(TENANT, ID, 'birthday', '1990-05-17', t(0)),
    present: async (s) => (await s.customersByDate(TENANT, 'birthday', '05-17')).items.includes(ID),
  },
  score: {
    listedIn: 'surveyAnswers',
    make: (s) => s.recordScore(TENANT, ID, { journey: 'order-follow-up', subject: 'o-1', score: 9, at: t(1) }),
    present: async (_s, exported) => listedSome(exported, 'surveyAnswers'),
  },
  cart: {
    listedIn: 'carts',
    make: async (s) => void (await s.putCart(TENANT, ID, checkout('tok-every'), t(1))),
    present: async (s) => (await s.getCart(TENANT, 'tok-every')) !== undefined,
  },
  cartRef: { listedIn: 'carts', make: async () => undefined, present: async (_s, exported) => listedSome(exported, 'carts') },
  order: {
    listedIn: 'orders',
    make: async (s) => void (await s.putOrder(TENANT, ID, order('o-1'), t(2))),
    present: async (s) => (await s.getOrder(TENANT, ID, 'o-1')) !== undefined,
  },
  orderRef: { listedIn: 'orders', make: async () => undefined, present: async (s) => (await s.findOrderOwner(TENANT, 'o-1')) !== undefined },
  invoice: {
    listedIn: 'invoices',
    make: async (s) => void (await s.recordInvoiceFailure(TENANT, { invoiceId: 'in-1', customerId: ID, amount: '12.00', currency: 'PLN', hostedUrl: 'https://pay.example.pl/in-1' }, t(2))),
    present: async (s) => (await s.getInvoice(TENANT, 'in-1')) !== undefined,
  },
  invoiceRef: { listedIn: 'invoices', make: async () => undefined, present: async (_s, exported) => listedSome(exported, 'invoices') },
  enrolment: {
    listedIn: 'journeys',
    make: async (s) => void (await s.createEnrolment(TENANT, ID, { journey: 'abandoned-cart', key: 'tok-every', executionName: 'abandoned-cart-every', startedAt: t(1) })),
    present: async (s) => (await s.getEnrolment(TENANT, ID, 'abandoned-cart', 'tok-every')) !== undefined,
  },
  sendIntent: {
    listedIn: 'sends',
    make: async (s) => {
      await s.claimSend(TENANT, ID, intent('abandoned-cart-every', 'reminder', t(3), { subject: 'Zofia, Twój koszyk czeka' }), { max: 1, days: 7 });
      await s.completeSend(TENANT, ID, 'abandoned-cart-every', 'reminder', { outcome: 'sent', messageId: 'msg-every' });
    },
    present: async (_s, exported) => listedSome(exported, 'sends'),
  },
  frequencyCap: {
    listedIn: 'frequencyCap',
    make: async () => undefined,
    present: async (_s, exported) => listedSome(exported, 'frequencyCap'),
  },
  decision: {
    listedIn: 'messages',
    make: async (s) => void (await s.recordDecision(TENANT, ID, decision(t(3), { executionName: 'abandoned-cart-every', subject: 'Zofia, Twój koszyk czeka' }))),
    present: async (s) => (await s.listDecisions(TENANT, ID)).length > 0,
  },
  conversion: {
    listedIn: 'conversions',
    make: async (s) =>
      void (await s.recordConversion(TENANT, ID, {
        journey: 'abandoned-cart',
        goal: 'order.placed',
        subject: 'o-1',
        at: t(5),
        eventKey: 'api:ev-order',
        reason: 'checkout_token',
        revenue: '99.80',
        currency: 'PLN',
        executionName: 'abandoned-cart-every',
        messageAt: t(3),
        step: 'reminder',
      })),
    present: async (s) => (await s.listConversions(TENANT, ID)).length > 0,
  },
  codePool: { impersonal: "a pool's counts of codes loaded and claimed" },
  codeSlot: { impersonal: 'a code under its number in the pool: whom it went to is kept under the customer (codeClaim)' },
  codeLoaded: { impersonal: 'a code the pool has held, with its number' },
  codeClaim: {
    listedIn: 'codes',
    make: async (s) => {
      await s.loadCodes(TENANT, 'vip', ['VIP-EVERY-1'], t(0));
      await s.claimCode(TENANT, 'vip', { customerId: ID, executionName: 'win-back-every', node: 'vip-code', at: t(1) });
    },
    present: async (_s, exported) => listedSome(exported, 'codes'),
  },
  stat: { impersonal: "a journey's counters for a day, version, node and variant: counts and revenue, no customer" },
  suppression: { impersonal: 'keyed by a hash of the address, holding the channel, a reason and a time: kept by law so the address is never contacted again' },
  shortLink: {
    listedIn: 'shortLinks',
    make: (s) => s.putShortLink(TENANT, ID, 'EveryCode1', 'token-every', 2_000_000_000),
    present: async (s) => (await s.getShortLink('EveryCode1')) !== undefined,
  },
  shortLinkRef: { listedIn: 'shortLinks', make: async () => undefined, present: async (_s, exported) => listedSome(exported, 'shortLinks') },
  erasure: { impersonal: 'keyed by a hash of an identifier, holding what kind it is and when it was erased' },
  eventClaim: { impersonal: "an event's dedupe key and the time it came" },
  parkedOrderEvent: { impersonal: 'an event about an order nobody is known to own yet, kept without its customer: the order id, times, a tracking link' },
  rateWindow: { impersonal: 'a count of requests per credential and minute' },
  smsCap: { impersonal: "a count of a shop's paid SMS on one day" },
  task: {
    listedIn: 'staffTasks',
    make: async (s) => void (await s.createTask(TENANT, task('task-every', t(4), ID))),
    present: async (s) => (await s.listTasks(TENANT)).some((x) => x.customerId === ID),
  },
};

function listedSome(exported: Export, part: string): Promise<boolean> {
  return Promise.resolve(listed(exported, part).length > 0);
}

const personal = Object.entries(KINDS).filter((e): e is [ItemKind, PersonalKind] => 'listedIn' in e[1]);

describe.each(contractBackends())('every item kind, export and erasure on $name', (backend) => {
  let store: StateStore;
  beforeEach(async () => {
    store = await backend.fresh();
    for (const [, kind] of personal) await kind.make(store);
    // A neighbour, whose items must stay.
    await store.upsertCustomer(TENANT, 'c_2', { email: 'anna@example.pl' }, t(0));
    await store.linkAddress(TENANT, 'c_2', 'email', 'anna@example.pl', t(0));
  });

  it('names every kind of keys.ts here', () => {
    expect(Object.keys(KINDS).sort()).toEqual(Object.keys(items).sort());
  });

  it('exports every kind that holds a customer id or personal data', async () => {
    const exported = data(await store.exportCustomer(TENANT, ID)) as Export;
    for (const [name, kind] of personal) {
      expect(await kind.present(store, exported), `${name} is made`).toBe(true);
      expect(listed(exported, kind.listedIn), `${name} listed in "${kind.listedIn}"`).not.toHaveLength(0);
    }
  });

  it('gives every item a TTL but the suppression list, which the law keeps', async () => {
    await store.claimEvent(TENANT, 'api:ev-1', new Date(t(0)), EVENT_LEASE_SECONDS);
    await store.takeRate(`${TENANT}#key-1`, 29_000_000, 100, 2);
    await store.countSms(TENANT, t(0).slice(0, 10), 10, 2);
    await store.suppress(TENANT, 'email', 'bounced@example.pl', 'bounce', t(0));
    await store.eraseCustomer(TENANT, 'c_2', t(5));
    const table = await backend.scan(store);
    if (table === undefined) return;
    const kinds = (found: Record<string, unknown>[]) => [...new Set(found.map((i) => String(i['pk']).split('#')[0]))].sort();
    expect(kinds(table)).toEqual(['CODELOADED', 'CODEPOOL', 'CODESLOT', 'CUST', 'EMAILREF', 'ERASED', 'EVENT', 'INVOICE', 'ORDERREF', 'PHONEREF', 'RATE', 'SHORT', 'SMSCAP', 'STATS', 'SUPPRESS', 'TASKS', 'CART'].sort());
    expect(kinds(table.filter((i) => typeof i['expiresAt'] !== 'number'))).toEqual(['SUPPRESS']);
  });

  it('erases every kind but what the law keeps, and leaves nothing personal in the table', async () => {
    await store.eraseCustomer(TENANT, ID, t(10));
    const exported = data(await store.exportCustomer(TENANT, ID)) as Export;
    for (const [name, kind] of personal) expect(await kind.present(store, exported), `${name} after erasure`).toBe(kind.kept === true);
    expect((await store.identify(TENANT, { email: 'anna@example.pl' }, t(10))).email?.customerId).toBe('c_2');

    const table = await backend.scan(store);
    if (table === undefined) return;
    const left = table.filter((item) => JSON.stringify(item).includes(ID) || PERSONAL.some((p) => JSON.stringify(item).includes(p)));
    // The consent ledger (no contact data) is all that may still name the customer.
    expect(left.map((i) => String(i['sk']).split('#')[0])).toEqual(left.map(() => 'CONSENTLOG'));
    expect(left).toHaveLength(1);
  });

  it('erases the send intents and the frequency-cap slots: the step may be claimed again, and another fits a window of one', async () => {
    expect(await store.claimSend(TENANT, ID, intent('abandoned-cart-other', 'reminder', t(4)), { max: 1, days: 7 })).toEqual({ kind: 'capped' });
    expect(await store.claimSend(TENANT, ID, intent('abandoned-cart-every', 'reminder', t(4)))).toMatchObject({ kind: 'exists' });
    await store.eraseCustomer(TENANT, ID, t(10));
    expect(await store.claimSend(TENANT, ID, intent('abandoned-cart-every', 'reminder', t(11)))).toEqual({ kind: 'claimed' });
    expect(await store.claimSend(TENANT, ID, intent('abandoned-cart-other', 'reminder', t(11)), { max: 1, days: 7 })).toEqual({ kind: 'claimed' });
  });
});
