import { createHash } from 'node:crypto';
import { type AddressChannel, normaliseAddress } from '../../core/identity.ts';
import { memoBy } from '../../../workflows/src/memo.ts';

/**
 * The state table's keys: the only place their formats are spelled (each item kind is documented in
 * docs/data-model.md, and test/repo/data-model.test.ts holds the two together). One table, `pk` and
 * `sk` strings. No key holds personal data: customers are ids, addresses are hashed.
 */

export type ItemKey = { pk: string; sk: string };

/** Suppression, address references and erasure markers are keyed by a hash of the normalised address, never the address. */
export function addressHash(channel: AddressChannel, address: string): string {
  return hashOf(channel, address);
}

/**
 * A request names the same customer's addresses several times over (profile, references, consent,
 * suppression); the hashes are kept in this process's memory only, a bounded number of them.
 */
const hashOf = memoBy(
  10_000,
  (channel: AddressChannel, address: string) => `${channel}\u0000${address}`,
  (channel: AddressChannel, address: string) => createHash('sha256').update(normaliseAddress(channel, address)).digest('hex'),
);

/** What an erasure marker can name: an address (e-mail, phone) or a customer id. */
export type ErasedIdentifier = AddressChannel | 'customer';

/**
 * What an erasure marks: the customer id and every address the customer is known by (the profile's
 * and those recorded under the customer), each once however it is written.
 */
export function identifiersOf(customerId: string, profile: Record<string, unknown> | null, addresses: readonly { channel: AddressChannel; address: string }[]): [ErasedIdentifier, string][] {
  const out = new Map<string, [ErasedIdentifier, string]>([[`customer#${customerId}`, ['customer', customerId]]]);
  const add = (channel: AddressChannel, value: unknown) => {
    if (typeof value === 'string' && value) out.set(`${channel}#${normaliseAddress(channel, value)}`, [channel, value]);
  };
  add('email', profile?.['email']);
  add('sms', profile?.['phone']);
  for (const a of addresses) add(a.channel, a.address);
  return [...out.values()];
}

/** The hash an erasure marker is keyed by: of the normalised address, or of the customer id. */
export function identifierHash(kind: ErasedIdentifier, value: string): string {
  return kind === 'customer' ? createHash('sha256').update(value).digest('hex') : addressHash(kind, value);
}

/** Partitions read as a whole: everything held on a customer, a tenant's staff tasks, a journey's counters. */
export const partitions = {
  customer: (tenant: string, customerId: string) => `CUST#${tenant}#${customerId}`,
  tasks: (tenant: string) => `TASKS#${tenant}`,
  stats: (tenant: string, journey: string) => `STATS#${tenant}#${journey}`,
};

/** Sort keys, or their prefixes, of the kinds under a customer's partition: queries, export and erasure select by them. */
export const customerSk = {
  profile: 'PROFILE',
  address: 'ADDRESS#',
  consent: 'CONSENT#',
  consentLog: 'CONSENTLOG#',
  cooldown: 'COOLDOWN#',
  score: 'SCORE#',
  cartRef: 'CARTREF#',
  order: 'ORDER#',
  invoiceRef: 'INVOICEREF#',
  enrolment: 'ENROL#',
  decision: 'DECISION#',
  shortLinkRef: 'SHORTREF#',
  sendIntent: 'SEND#',
  frequencyCap: 'FREQCAP',
  conversion: 'CONV#',
  dateIndex: 'DATEATTR#',
  codeClaim: 'CODECLAIM#',
} as const;

/** Sort-key conditions of the range queries on a customer's partition. */
export const customerRanges = {
  /** `begins_with` prefix of the enrolments in one journey, or in every journey. */
  enrolments: (journey?: string) => (journey === undefined ? customerSk.enrolment : `${customerSk.enrolment}${journey}#`),
  /** `begins_with` prefix of the whole decision log. */
  decisions: () => customerSk.decision,
  /** `begins_with` prefix of the customer's conversions. */
  conversions: () => customerSk.conversion,
};

/** The sparse index of customers by the day of their last order: only profiles with an order carry its attributes. */
export const lastOrderIndex = {
  name: 'byLastOrderDay',
  /** Partition key attribute: `day(tenant, lastOrderDay)`. */
  partitionKey: 'gsi1pk',
  /** Sort key attribute: the customer id. */
  sortKey: 'gsi1sk',
  /** The index partition of one tenant's day (YYYY-MM-DD). */
  day: (tenant: string, day: string) => `LASTORDER#${tenant}#${day}`,
} as const;

/**
 * The same sparse index files customers by the month and day of a date attribute (a birthday), for
 * journeys with `trigger: date`: one small item per customer and attribute carries its attributes.
 */
export const dateIndex = {
  name: lastOrderIndex.name,
  partitionKey: lastOrderIndex.partitionKey,
  sortKey: lastOrderIndex.sortKey,
  /** The index partition of one tenant's attribute on one day of the year (MM-DD). */
  day: (tenant: string, attribute: string, monthDay: string) => `DATEATTR#${tenant}#${attribute}#${monthDay}`,
} as const;

const customer = partitions.customer;

/** TTL (epoch seconds) of a day's SMS count: it matters on that day only, and goes two days after the day began. */
export function smsCapExpiry(day: string): number {
  return Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + 2 * 86_400;
}

/** Every item kind of the state table, by name: `items.<kind>(…)` is its `{ pk, sk }`. */
export const items = {
  /** Customer profile: contact details, order facts, the last score, the win-back index attributes. */
  profile: (tenant: string, customerId: string): ItemKey => ({ pk: customer(tenant, customerId), sk: customerSk.profile }),
  /** E-mail reference: the customer a (hashed) e-mail address belongs to. */
  emailRef: (tenant: string, email: string): ItemKey => ({ pk: `EMAILREF#${tenant}#${addressHash('email', email)}`, sk: 'EMAILREF' }),
  /** Phone reference: the customer a (hashed) phone number belongs to. */
  phoneRef: (tenant: string, phone: string): ItemKey => ({ pk: `PHONEREF#${tenant}#${addressHash('sms', phone)}`, sk: 'PHONEREF' }),
  /** A customer's address: one the customer is known by, so erasure finds every reference to them. */
  address: (tenant: string, customerId: string, channel: AddressChannel, address: string): ItemKey => ({
    pk: customer(tenant, customerId),
    sk: `${customerSk.address}${channel}#${addressHash(channel, address)}`,
  }),
  /** Current consent on one channel and topic. */
  consent: (tenant: string, customerId: string, channel: string, topic: string): ItemKey => ({ pk: customer(tenant, customerId), sk: `${customerSk.consent}${channel}#${topic}` }),
  /** Consent ledger entry: one statement of consent or withdrawal, never rewritten. */
  consentLog: (tenant: string, customerId: string, channel: string, topic: string, at: string, eventKey: string): ItemKey => ({
    pk: customer(tenant, customerId),
    sk: `${customerSk.consentLog}${channel}#${topic}#${at}#${eventKey}`,
  }),
  /** Journey re-entry cool-down: holds a customer out of a journey until a time. */
  cooldown: (tenant: string, customerId: string, journey: string): ItemKey => ({ pk: customer(tenant, customerId), sk: `${customerSk.cooldown}${journey}` }),
  /** Survey answer (an NPS score, or a CSAT one with `#csat` after it) given in a journey about a subject. */
  score: (tenant: string, customerId: string, at: string, journey: string, subject: string, question?: 'csat'): ItemKey => ({
    pk: customer(tenant, customerId),
    sk: `${customerSk.score}${at}#${journey}#${subject}${question ? `#${question}` : ''}`,
  }),
  /** Cart or checkout, keyed by its token. */
  cart: (tenant: string, token: string): ItemKey => ({ pk: `CART#${tenant}#${token}`, sk: 'CART' }),
  /** Cart reference: a cart the customer owns, for export and erasure. */
  cartRef: (tenant: string, customerId: string, token: string): ItemKey => ({ pk: customer(tenant, customerId), sk: `${customerSk.cartRef}${token}` }),
  /** Order, held on its customer. */
  order: (tenant: string, customerId: string, orderId: string): ItemKey => ({ pk: customer(tenant, customerId), sk: `${customerSk.order}${orderId}` }),
  /** Order reference: whose order an order id is. */
  orderRef: (tenant: string, orderId: string): ItemKey => ({ pk: `ORDERREF#${tenant}#${orderId}`, sk: 'ORDERREF' }),
  /** An event about an order not known yet (a fulfilment before its order), kept until the order comes. */
  parkedOrderEvent: (tenant: string, orderId: string, at: string, eventKey: string): ItemKey => ({ pk: `ORDERPARK#${tenant}#${orderId}`, sk: `${at}#${eventKey}` }),
  /** Invoice whose payment failed (or that was paid). */
  invoice: (tenant: string, invoiceId: string): ItemKey => ({ pk: `INVOICE#${tenant}#${invoiceId}`, sk: 'INVOICE' }),
  /** Invoice reference: an invoice of the customer's, for export and erasure. */
  invoiceRef: (tenant: string, customerId: string, invoiceId: string): ItemKey => ({ pk: customer(tenant, customerId), sk: `${customerSk.invoiceRef}${invoiceId}` }),
  /** Journey enrolment: one customer in one journey about one key (a cart token, an order id…). */
  enrolment: (tenant: string, customerId: string, journey: string, key: string): ItemKey => ({ pk: customer(tenant, customerId), sk: `${customerSk.enrolment}${journey}#${key}` }),
  /** Send intent: one step of one execution claimed for sending, once, and what the provider call came to. */
  sendIntent: (tenant: string, customerId: string, executionName: string, step: string): ItemKey => ({
    pk: customer(tenant, customerId),
    sk: `${customerSk.sendIntent}${executionName}#${step}`,
  }),
  /** Frequency cap: the customer's marketing sends in the window, one slot each. */
  frequencyCap: (tenant: string, customerId: string): ItemKey => ({ pk: customer(tenant, customerId), sk: customerSk.frequencyCap }),
  /** Decision log entry: a send, or a decision not to send and why. */
  decision: (tenant: string, customerId: string, at: string, executionName: string, step: string): ItemKey => ({
    pk: customer(tenant, customerId),
    sk: `${customerSk.decision}${at}#${executionName}#${step}`,
  }),
  /** Conversion: a goal event (an order, a paid invoice) credited to a journey that messaged the customer. */
  conversion: (tenant: string, customerId: string, journey: string, subject: string): ItemKey => ({
    pk: customer(tenant, customerId),
    sk: `${customerSk.conversion}${journey}#${subject}`,
  }),
  /** Date index entry: files the customer under the month and day of one date attribute, for the date trigger's daily run. */
  dateIndex: (tenant: string, customerId: string, attribute: string): ItemKey => ({ pk: customer(tenant, customerId), sk: `${customerSk.dateIndex}${attribute}` }),
  /** Journey counters: what a journey did on one day, in one definition version, node and variant (no personal data). */
  stat: (tenant: string, journey: string, day: string, version: string, node: string, variant: string): ItemKey => ({
    pk: partitions.stats(tenant, journey),
    sk: `${day}#${version}#${node}#${variant}`,
  }),
  /** Code pool: how many codes a shop loaded into one pool, and how many claims took one (the counter claims take the next number from). */
  codePool: (tenant: string, pool: string): ItemKey => ({ pk: `CODEPOOL#${tenant}#${pool}`, sk: 'CODEPOOL' }),
  /** Pool slot: the code loaded under one number of a pool, in load order (each its own partition). */
  codeSlot: (tenant: string, pool: string, seq: string): ItemKey => ({ pk: `CODESLOT#${tenant}#${pool}#${seq}`, sk: 'CODESLOT' }),
  /** Loaded code: a code a pool has held, so loading it again adds nothing. */
  codeLoaded: (tenant: string, pool: string, code: string): ItemKey => ({ pk: `CODELOADED#${tenant}#${pool}#${code}`, sk: 'CODELOADED' }),
  /** Code claim: the code one execution's code node was given, under its customer. */
  codeClaim: (tenant: string, customerId: string, executionName: string, node: string): ItemKey => ({ pk: customer(tenant, customerId), sk: `${customerSk.codeClaim}${executionName}#${node}` }),
  /** Suppression entry: a (hashed) address never sent to again. */
  suppression: (tenant: string, channel: AddressChannel, address: string): ItemKey => ({ pk: `SUPPRESS#${tenant}#${channel}#${addressHash(channel, address)}`, sk: 'SUPPRESS' }),
  /** SMS short link: a code standing for a signed opt-out token. */
  shortLink: (code: string): ItemKey => ({ pk: `SHORT#${code}`, sk: 'SHORT' }),
  /** Short-link reference: a link made for the customer, for export and erasure. */
  shortLinkRef: (tenant: string, customerId: string, code: string): ItemKey => ({ pk: customer(tenant, customerId), sk: `${customerSk.shortLinkRef}${code}` }),
  /** Erasure marker: when data held under an identifier (an e-mail address, a phone number, a customer id) was erased. */
  erasure: (tenant: string, kind: ErasedIdentifier, value: string): ItemKey => ({ pk: `ERASED#${tenant}#${kind}#${identifierHash(kind, value)}`, sk: 'ERASED' }),
  /** Event claim: the first delivery of an event key (dedupe). */
  eventClaim: (tenant: string, eventKey: string): ItemKey => ({ pk: `EVENT#${tenant}#${eventKey}`, sk: 'EVENT' }),
  /** Rate-limit window: requests counted for a bucket (tenant and credential) in one minute. */
  rateWindow: (bucket: string, window: number): ItemKey => ({ pk: `RATE#${bucket}`, sk: String(window) }),
  /** SMS cap: paid SMS counted for a tenant on one day. */
  smsCap: (tenant: string, day: string): ItemKey => ({ pk: `SMSCAP#${tenant}`, sk: day }),
  /** Staff task: a call or follow-up for the shop's staff. */
  task: (tenant: string, at: string, taskId: string): ItemKey => ({ pk: partitions.tasks(tenant), sk: `${at}#${taskId}` }),
};

export type ItemKind = keyof typeof items;
