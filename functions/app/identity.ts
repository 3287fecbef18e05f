import type { Contact } from '../core/domain.ts';
import type { ConsentChannel } from '../core/model.ts';
import { customerIdFor } from '../shared/ids.ts';
import type { KnownIdentity, StateStore } from './ports.ts';

/**
 * One customer whatever identifier comes first. Addresses are matched through their references
 * (e-mail and phone → customer id, each keyed by the hash of the address as core/identity.ts
 * normalises it); an id is derived from an address only for a customer not known by any.
 *
 * The rule, deterministic whatever the order events arrive in:
 * 1. The e-mail's reference decides; without one, the phone's; without either, the id derived
 *    from the e-mail (else the phone) is a new customer's.
 * 2. An address no one holds is given to that customer (so a number first seen on an SMS-only
 *    checkout and an e-mail given later are one customer's, in either order).
 * 3. A reference is never taken from the customer holding it: when the e-mail is one customer's
 *    and the phone another's, the event is the e-mail's customer's, the phone stays where it is
 *    (left off this customer's profile) and a statement of SMS consent goes to the phone's customer.
 */
export interface Resolved {
  customerId: string;
  /** The contact as this customer takes it: without a phone that is another customer's. */
  contact: Contact;
  /** Whose SMS consent the event states: the phone's holder. */
  smsCustomerId: string;
  /** The latest erasure of any identifier the event carries (its addresses, the ids they derive). */
  erasedAt?: string;
  /** Addresses to give to the customer (new to them, or a reference due to be written again). */
  link: { channel: ConsentChannel; address: string }[];
}

export async function resolveCustomer(store: StateStore, tenant: string, contact: Contact, at: string): Promise<Resolved | null> {
  const { email, phone } = contact;
  if (!email && !phone) return null;
  const derived = [email ? customerIdFor(tenant, { email }) : null, phone ? customerIdFor(tenant, { phone }) : null].filter((id): id is string => id !== null);
  const known = await store.identify(tenant, { email, phone, customerIds: derived }, at);
  const customerId = known.email?.customerId ?? known.sms?.customerId ?? derived[0]!;
  const phoneHolder = phone && known.sms && known.sms.customerId !== customerId ? known.sms.customerId : undefined;
  const link: Resolved['link'] = [];
  if (email && (known.email === undefined || known.email.stale)) link.push({ channel: 'email', address: email });
  if (phone && !phoneHolder && (known.sms === undefined || known.sms.stale)) link.push({ channel: 'sms', address: phone });
  return {
    customerId,
    contact: phoneHolder ? { ...contact, phone: undefined } : contact,
    smsCustomerId: phoneHolder ?? customerId,
    erasedAt: known.erasedAt,
    link,
  };
}

/** Gives the customer the addresses resolution found for them; one another customer took meanwhile stays theirs. */
export async function linkAddresses(store: StateStore, tenant: string, resolved: Resolved, at: string): Promise<void> {
  await Promise.all(resolved.link.map((a) => store.linkAddress(tenant, resolved.customerId, a.channel, a.address, at)));
}

/**
 * The customer an address names, for lookups that carry one address (feedback, data-subject
 * requests): its holder, else the id it would derive.
 */
export async function customerByAddress(store: StateStore, tenant: string, channel: ConsentChannel, address: string, at: string): Promise<string> {
  const known: KnownIdentity = await store.identify(tenant, channel === 'email' ? { email: address } : { phone: address }, at);
  return known[channel]?.customerId ?? customerIdFor(tenant, channel === 'email' ? { email: address } : { phone: address })!;
}

/**
 * Every customer an erasure or export request names: the id given, and for each address its
 * holder and the id it derives (a customer the address once made, before it was given to another).
 */
export async function customersNamed(store: StateStore, tenant: string, named: { customerId?: string; email?: string; phone?: string }, at: string): Promise<string[]> {
  const ids = new Set<string>();
  if (named.customerId) ids.add(named.customerId);
  const known = named.email || named.phone ? await store.identify(tenant, { email: named.email, phone: named.phone }, at) : {};
  if (named.email) {
    if (known.email) ids.add(known.email.customerId);
    ids.add(customerIdFor(tenant, { email: named.email })!);
  }
  if (named.phone) {
    if (known.sms) ids.add(known.sms.customerId);
    ids.add(customerIdFor(tenant, { phone: named.phone })!);
  }
  return [...ids];
}
