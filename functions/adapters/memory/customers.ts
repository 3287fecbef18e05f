import type { ConsentInput, CustomerRepository, KnownIdentity } from '../../app/ports.ts';
import { type ConsentDecision, consentLedgerEntry, nextConsent, recentKeys } from '../../core/consent.ts';
import type { CustomerFacts, Order } from '../../core/domain.ts';
import { type AddressChannel, normaliseAddress } from '../../core/identity.ts';
import type { ConsentChannel, ConsentState, ConsentTopic, CustomerProfile, SurveyAnswer } from '../../core/model.ts';
import { type ErasedIdentifier, identifierHash } from '../dynamo/keys.ts';
import { add, addressKey, compareKeys, copy, customerKey, epochSeconds, expiry, type Item, le, lt, Partitions } from './records.ts';

/** A page of the last-order index, as the DynamoDB query's `Limit` makes it. */
export const LAST_ORDER_PAGE = 500;

/** What the last-order index holds of a profile (its projection on DynamoDB). */
const INDEX_PROJECTION = ['customerId', 'orderCount', 'spentPln', 'lastOrderAt'] as const;

/**
 * Customers: the profile (with its order facts and latest score), address references (e-mail and
 * phone) with the customer's own record of each address, erasure markers, consent (the current
 * state per channel and topic, and the append-only ledger), re-entry cool-downs, survey answers,
 * and the indexes of customers by the day of their last order and by the day of a date attribute.
 */
export class MemoryCustomers implements CustomerRepository {
  private readonly profiles = new Map<string, Item>();
  /** Customer partition → the index partition (`{tenant}#{day}`) it is filed under. */
  private readonly filedUnder = new Map<string, string>();
  /** Index partition → customer id (the index sort key) → customer partition. */
  private readonly byLastOrderDay = new Map<string, Map<string, string>>();
  /** `{tenant}#{channel}#{hash}` → whose the address is. */
  private readonly refs = new Map<string, { customerId: string; expiresAt: number }>();
  /** Under the customer, by `{channel}#{hash}`. */
  private readonly addresses = new Partitions();
  /** `{tenant}#{kind}#{hash}` → when data held under the identifier was erased. */
  private readonly erasures = new Map<string, Item>();
  private readonly consent = new Partitions();
  private readonly ledger = new Partitions();
  private readonly cooldowns = new Partitions();
  private readonly scores = new Partitions();
  /** The date index: entries under the customer by attribute, and index partition (`{tenant}#{attribute}#{MM-DD}`) → customer id. */
  private readonly dates = new Partitions();
  private readonly byDate = new Partitions();

  constructor(private readonly retentionDays: number) {}

  async updateProfile(tenant: string, customerId: string, change: { attributes?: Record<string, string | number | boolean>; tag?: string }, at: string): Promise<boolean> {
    const current = this.profiles.get(customerKey(tenant, customerId));
    if (!current) return false;
    // As on DynamoDB: attributes move the profile's TTL on, a tag alone does not.
    if (change.attributes && Object.keys(change.attributes).length > 0) {
      current['attributes'] = { ...(current['attributes'] as Record<string, unknown> | undefined), ...copy(change.attributes) };
      current['expiresAt'] = expiry(at, this.retentionDays);
    }
    const tags = (current['tags'] as string[] | undefined) ?? [];
    if (change.tag && !tags.includes(change.tag)) current['tags'] = [...tags, change.tag];
    return true;
  }

  async upsertCustomer(tenant: string, customerId: string, contact: CustomerFacts, at: string): Promise<CustomerProfile | undefined> {
    const expiresAt = expiry(at, this.retentionDays);
    const k = customerKey(tenant, customerId);
    const current = this.profiles.get(k);
    // An older event replayed late must not overwrite newer contact details.
    if (current?.['updatedAt'] !== undefined && !le(current['updatedAt'], at)) return undefined;
    const fields: Item = {
      customerId,
      email: contact.email,
      phone: contact.phone,
      firstName: contact.firstName,
      locale: contact.locale,
      preferredChannel: contact.preferredChannel,
      timeZone: contact.timeZone,
    };
    const next: Item = { ...current, updatedAt: at, createdAt: current?.['createdAt'] ?? at, expiresAt };
    for (const [name, value] of Object.entries(fields)) if (value !== undefined) next[name] = copy(value);
    // One by one, as DynamoDB sets map members: the attributes an event does not name stay.
    if (contact.attributes && Object.keys(contact.attributes).length > 0) {
      const attributes: Item = { ...(current?.['attributes'] as Item | undefined) };
      for (const [name, value] of Object.entries(contact.attributes)) {
        if (value === null) delete attributes[name];
        else attributes[name] = value;
      }
      next['attributes'] = attributes;
    }
    this.profiles.set(k, next);
    return copy(next) as unknown as CustomerProfile;
  }

  async identify(tenant: string, ids: { email?: string; phone?: string; customerIds?: readonly string[] }, at: string): Promise<KnownIdentity> {
    const known: KnownIdentity = {};
    const markers: [ErasedIdentifier, string][] = (ids.customerIds ?? []).map((id) => ['customer', id]);
    for (const [channel, address] of [['email', ids.email], ['sms', ids.phone]] as const) {
      if (!address) continue;
      markers.push([channel, address]);
      const ref = this.refs.get(this.refKey(tenant, channel, address));
      // Written again once a month has gone by, as on DynamoDB.
      if (ref) known[channel] = { customerId: ref.customerId, stale: !(ref.expiresAt >= expiry(at, this.retentionDays) - 30 * 86_400) };
    }
    for (const [kind, value] of markers) {
      const erasedAt = this.erasures.get(this.erasureKey(tenant, kind, value))?.['at'];
      if (typeof erasedAt === 'string' && (known.erasedAt === undefined || erasedAt > known.erasedAt)) known.erasedAt = erasedAt;
    }
    return known;
  }

  async linkAddress(tenant: string, customerId: string, channel: ConsentChannel, address: string, at: string): Promise<boolean> {
    const k = this.refKey(tenant, channel, address);
    const current = this.refs.get(k);
    if (current && current.customerId !== customerId) return false;
    const expiresAt = expiry(at, this.retentionDays);
    this.refs.set(k, { customerId, expiresAt });
    this.addresses.put(customerKey(tenant, customerId), `${channel}#${addressKey(channel, address)}`, { channel, address: normaliseAddress(channel, address), at, expiresAt });
    return true;
  }

  private refKey(tenant: string, channel: AddressChannel, address: string): string {
    return `${tenant}#${channel}#${addressKey(channel, address)}`;
  }

  private erasureKey(tenant: string, kind: ErasedIdentifier, value: string): string {
    return `${tenant}#${kind}#${identifierHash(kind, value)}`;
  }

  async getCustomer(tenant: string, customerId: string): Promise<CustomerProfile | undefined> {
    return copy(this.profiles.get(customerKey(tenant, customerId))) as CustomerProfile | undefined;
  }

  async recordConsent(tenant: string, customerId: string, channel: ConsentChannel, topic: ConsentTopic, statement: ConsentInput, receivedAt: Date): Promise<ConsentDecision> {
    const k = customerKey(tenant, customerId);
    const current = this.consent.get(k, `${channel}#${topic}`) as ConsentState | undefined;
    // Read, decide and write with no await between: nothing can change the state in between.
    const decision = nextConsent(current, statement, receivedAt);
    if (decision.reason === 'already_applied') return decision;
    if (decision.applied) {
      const state = { channel, topic, ...decision.state, version: (current?.version ?? 0) + 1, ...recentKeys(current, statement), expiresAt: expiry(decision.state.at, this.retentionDays) };
      this.consent.put(k, `${channel}#${topic}`, state);
    }
    const entry = { ...consentLedgerEntry(channel, topic, statement, receivedAt, decision), expiresAt: expiry(decision.at, this.retentionDays) };
    this.ledger.putIfAbsent(k, `${channel}#${topic}#${decision.at}#${statement.eventKey}`, entry as unknown as Item);
    return decision;
  }

  async getConsent(tenant: string, customerId: string, channel: ConsentChannel, topic: ConsentTopic): Promise<ConsentState | undefined> {
    return copy(this.consent.get(customerKey(tenant, customerId), `${channel}#${topic}`)) as ConsentState | undefined;
  }

  async customersByLastOrderDay(tenant: string, day: string, cursor?: Record<string, unknown>): Promise<{ items: CustomerProfile[]; cursor?: Record<string, unknown> }> {
    const filed = this.byLastOrderDay.get(`${tenant}#${day}`);
    if (!filed) return { items: [] };
    const after = typeof cursor?.['after'] === 'string' ? cursor['after'] : undefined;
    const page = [...filed.entries()]
      .filter(([id]) => after === undefined || compareKeys(id, after) > 0)
      .sort(([a], [b]) => compareKeys(a, b))
      .slice(0, LAST_ORDER_PAGE);
    const items = page.map(([, k]) => {
      const profile = this.profiles.get(k) ?? {};
      const projected: Item = {};
      for (const name of INDEX_PROJECTION) if (profile[name] !== undefined) projected[name] = copy(profile[name]);
      return projected as unknown as CustomerProfile;
    });
    // A full page carries a cursor even when nothing follows it (then the next page is empty).
    return page.length === LAST_ORDER_PAGE ? { items, cursor: { after: page[page.length - 1]![0] } } : { items };
  }

  async fileDate(tenant: string, customerId: string, attribute: string, date: string | undefined, at: string, whileProfileAt?: string): Promise<void> {
    const k = customerKey(tenant, customerId);
    if (whileProfileAt !== undefined && date !== undefined && this.profiles.get(k)?.['updatedAt'] !== whileProfileAt) return;
    const current = this.dates.get(k, attribute);
    // An older event replayed late must not move a newer date.
    if (current && !le(current['at'], at)) return;
    if (current) this.byDate.delete(`${tenant}#${attribute}#${current['monthDay']}`, customerId);
    if (date === undefined) {
      this.dates.delete(k, attribute);
      return;
    }
    const monthDay = date.slice(5, 10);
    this.dates.put(k, attribute, { customerId, attribute, monthDay, at, expiresAt: expiry(at, this.retentionDays) });
    this.byDate.put(`${tenant}#${attribute}#${monthDay}`, customerId, { customerId });
  }

  async customersByDate(tenant: string, attribute: string, monthDay: string, cursor?: Record<string, unknown>): Promise<{ items: string[]; cursor?: Record<string, unknown> }> {
    const after = typeof cursor?.['after'] === 'string' ? cursor['after'] : undefined;
    const page = this.byDate
      .query(`${tenant}#${attribute}#${monthDay}`)
      .filter(([id]) => after === undefined || compareKeys(id, after) > 0)
      .slice(0, LAST_ORDER_PAGE)
      .map(([id]) => id);
    return page.length === LAST_ORDER_PAGE ? { items: page, cursor: { after: page[page.length - 1] } } : { items: page };
  }

  async claimCooldown(tenant: string, customerId: string, journey: string, now: string, until: string): Promise<boolean> {
    const k = customerKey(tenant, customerId);
    const current = this.cooldowns.get(k, journey);
    // A hold taken at this very time is the same enrolment applied again after a crash: still ours.
    if (current && !le(current['until'], now) && current['at'] !== now) return false;
    this.cooldowns.put(k, journey, { until, at: now, expiresAt: epochSeconds(new Date(until)) });
    return true;
  }

  async recordScore(tenant: string, customerId: string, answer: SurveyAnswer): Promise<void> {
    const k = customerKey(tenant, customerId);
    // Only on a profile that exists (an erased customer has none); a replayed or older answer sets the score again.
    const profile = this.profiles.get(k);
    if (!profile) return;
    const csat = answer.question === 'csat';
    profile[csat ? 'lastCsat' : 'lastScore'] = answer.score;
    profile[csat ? 'lastCsatAt' : 'lastScoreAt'] = answer.at;
    this.scores.putIfAbsent(k, `${answer.at}#${answer.journey}#${answer.subject}${answer.question ? `#${answer.question}` : ''}`, { ...copy(answer), expiresAt: expiry(answer.at, this.retentionDays) });
  }

  /** An order's facts on the profile (which it creates when missing); the last-order day moves the customer in the index. */
  recordOrderStats(tenant: string, customerId: string, order: Order, at: string): void {
    const k = customerKey(tenant, customerId);
    const profile = this.profiles.get(k) ?? {};
    profile['customerId'] = customerId;
    if (profile['updatedAt'] === undefined) profile['updatedAt'] = at;
    // A profile the order creates expires as a contact's would; a contact's update moves it on.
    if (profile['expiresAt'] === undefined) profile['expiresAt'] = expiry(at, this.retentionDays);
    profile['orderCount'] = add(profile['orderCount'], 1);
    profile['spentPln'] = add(profile['spentPln'], order.currency === 'PLN' ? Number(order.total) : 0);
    this.profiles.set(k, profile);
    if (profile['lastOrderAt'] === undefined || lt(profile['lastOrderAt'], at)) {
      profile['lastOrderAt'] = at;
      this.file(k, customerId, `${tenant}#${at.slice(0, 10)}`);
    }
  }

  private file(k: string, customerId: string, day: string | undefined): void {
    const before = this.filedUnder.get(k);
    if (before !== undefined) {
      const filed = this.byLastOrderDay.get(before);
      filed?.delete(customerId);
      if (filed?.size === 0) this.byLastOrderDay.delete(before);
      this.filedUnder.delete(k);
    }
    if (day === undefined) return;
    this.filedUnder.set(k, day);
    const filed = this.byLastOrderDay.get(day) ?? new Map<string, string>();
    filed.set(customerId, k);
    this.byLastOrderDay.set(day, filed);
  }

  /** What export shows of the customer's own items, each in sort-key order. */
  exportOf(
    tenant: string,
    customerId: string,
  ): { profile: Item | null; addresses: Item[]; consents: Item[]; consentLedger: Item[]; surveyAnswers: Item[]; cooldowns: Item[]; dates: Item[] } {
    const k = customerKey(tenant, customerId);
    const all = (p: Partitions) => p.query(k).map(([, item]) => copy(item));
    return {
      profile: copy(this.profiles.get(k)) ?? null,
      addresses: all(this.addresses),
      consents: all(this.consent),
      consentLedger: all(this.ledger),
      surveyAnswers: all(this.scores),
      cooldowns: all(this.cooldowns),
      dates: all(this.dates),
    };
  }

  /** The customer's addresses as erasure needs them: the profile's and the recorded ones. */
  addressesOf(tenant: string, customerId: string): { profile: Item | null; addresses: { channel: AddressChannel; address: string }[] } {
    const k = customerKey(tenant, customerId);
    const addresses = this.addresses.query(k).map(([, a]) => ({ channel: a['channel'] as AddressChannel, address: String(a['address']) }));
    return { profile: copy(this.profiles.get(k)) ?? null, addresses };
  }

  /** An erasure marker (the last one stays) and, for an address, the end of its reference if it is this customer's. */
  markErased(tenant: string, customerId: string, kind: ErasedIdentifier, value: string, at: string): void {
    this.erasures.set(this.erasureKey(tenant, kind, value), { kind, at, expiresAt: expiry(at, this.retentionDays) });
    if (kind === 'customer') return;
    const k = this.refKey(tenant, kind, value);
    if (this.refs.get(k)?.customerId === customerId) this.refs.delete(k);
  }

  /** The markers of these identifiers, in their order, for export. */
  erasuresOf(tenant: string, identifiers: readonly [ErasedIdentifier, string][]): Item[] {
    return identifiers.flatMap(([kind, value]) => {
      const marker = this.erasures.get(this.erasureKey(tenant, kind, value));
      return marker ? [copy(marker)] : [];
    });
  }

  /**
   * Erasure of what this module holds: the profile (and its place in the index), the recorded
   * addresses, current consent, cool-downs, answers and date index entries. The consent ledger stays.
   */
  erase(tenant: string, customerId: string): void {
    const k = customerKey(tenant, customerId);
    this.profiles.delete(k);
    this.file(k, customerId, undefined);
    this.addresses.deletePartition(k);
    this.consent.deletePartition(k);
    this.cooldowns.deletePartition(k);
    this.scores.deletePartition(k);
    for (const [attribute, entry] of this.dates.query(k)) this.byDate.delete(`${tenant}#${attribute}#${entry['monthDay']}`, customerId);
    this.dates.deletePartition(k);
  }
}
