import type { ConsentInput, CustomerRepository } from '../../app/ports.ts';
import type { Contact, Order } from '../../core/domain.ts';
import { type ConsentDecision, consentLedgerEntry, nextConsent } from '../../core/consent.ts';
import type { ConsentChannel, ConsentState, ConsentTopic, CustomerProfile } from '../../core/model.ts';
import { add, addressKey, compareKeys, copy, customerKey, expiry, type Item, le, lt, Partitions } from './records.ts';

/** A page of the last-order index, as the DynamoDB query's `Limit` makes it. */
export const LAST_ORDER_PAGE = 500;

/** What the last-order index holds of a profile (its projection on DynamoDB). */
const INDEX_PROJECTION = ['customerId', 'orderCount', 'spentPln', 'lastOrderAt'] as const;

/**
 * Customers: the profile (with its order facts and latest score), phone references, consent (the
 * current state per channel and topic, and the append-only ledger), re-entry cool-downs, survey
 * answers, and the index of customers by the day of their last order.
 */
export class MemoryCustomers implements CustomerRepository {
  private readonly profiles = new Map<string, Item>();
  /** Customer partition → the index partition (`{tenant}#{day}`) it is filed under. */
  private readonly filedUnder = new Map<string, string>();
  /** Index partition → customer id (the index sort key) → customer partition. */
  private readonly byLastOrderDay = new Map<string, Map<string, string>>();
  private readonly phoneRefs = new Map<string, { customerId: string; expiresAt: number }>();
  private readonly consent = new Partitions();
  private readonly ledger = new Partitions();
  private readonly cooldowns = new Partitions();
  private readonly scores = new Partitions();

  constructor(private readonly retentionDays: number) {}

  async upsertCustomer(tenant: string, customerId: string, contact: Contact, at: string): Promise<CustomerProfile | undefined> {
    const expiresAt = expiry(at, this.retentionDays);
    // The reference is written before, and whatever, the profile's condition decides.
    if (contact.phone) this.phoneRefs.set(`${tenant}#${addressKey('sms', contact.phone)}`, { customerId, expiresAt });
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
    this.profiles.set(k, next);
    return copy(next) as unknown as CustomerProfile;
  }

  async findByPhone(tenant: string, phone: string): Promise<string | undefined> {
    return this.phoneRefs.get(`${tenant}#${addressKey('sms', phone)}`)?.customerId;
  }

  async getCustomer(tenant: string, customerId: string): Promise<CustomerProfile | undefined> {
    return copy(this.profiles.get(customerKey(tenant, customerId))) as CustomerProfile | undefined;
  }

  async recordConsent(tenant: string, customerId: string, channel: ConsentChannel, topic: ConsentTopic, statement: ConsentInput, receivedAt: Date): Promise<ConsentDecision> {
    const k = customerKey(tenant, customerId);
    const current = this.consent.get(k, `${channel}#${topic}`) as ConsentState | undefined;
    // Read, decide and write with no await between: nothing can change the state in between.
    const decision = nextConsent(current, statement, receivedAt);
    if (decision.applied) this.consent.put(k, `${channel}#${topic}`, { channel, topic, ...decision.state, version: (current?.version ?? 0) + 1 });
    this.ledger.putIfAbsent(k, `${channel}#${topic}#${decision.at}#${statement.eventKey}`, consentLedgerEntry(channel, topic, statement, receivedAt, decision) as unknown as Item);
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

  async claimCooldown(tenant: string, customerId: string, journey: string, now: string, until: string): Promise<boolean> {
    const k = customerKey(tenant, customerId);
    const current = this.cooldowns.get(k, journey);
    if (current && !le(current['until'], now)) return false;
    this.cooldowns.put(k, journey, { until, at: now });
    return true;
  }

  async recordScore(tenant: string, customerId: string, answer: { journey: string; subject: string; score: number; at: string }): Promise<void> {
    const k = customerKey(tenant, customerId);
    this.scores.putIfAbsent(k, `${answer.at}#${answer.journey}#${answer.subject}`, { ...copy(answer), expiresAt: expiry(answer.at, this.retentionDays) });
    // Unconditional, as on DynamoDB: a replayed or older answer sets the score again.
    const profile = this.profiles.get(k) ?? {};
    profile['lastScore'] = answer.score;
    profile['lastScoreAt'] = answer.at;
    this.profiles.set(k, profile);
  }

  /** An order's facts on the profile (which it creates when missing); the last-order day moves the customer in the index. */
  recordOrderStats(tenant: string, customerId: string, order: Order, at: string): void {
    const k = customerKey(tenant, customerId);
    const profile = this.profiles.get(k) ?? {};
    profile['customerId'] = customerId;
    if (profile['updatedAt'] === undefined) profile['updatedAt'] = at;
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
  exportOf(tenant: string, customerId: string): { profile: Item | null; consents: Item[]; consentLedger: Item[]; surveyAnswers: Item[] } {
    const k = customerKey(tenant, customerId);
    const all = (p: Partitions) => p.query(k).map(([, item]) => copy(item));
    return { profile: copy(this.profiles.get(k)) ?? null, consents: all(this.consent), consentLedger: all(this.ledger), surveyAnswers: all(this.scores) };
  }

  /**
   * Erasure of what this module holds: the profile (and its place in the index), cool-downs and
   * answers, and the reference from the profile's phone. Consent, current and ledger, stays.
   * Returns the profile as it was, for the suppression entries.
   */
  erase(tenant: string, customerId: string): Item | undefined {
    const k = customerKey(tenant, customerId);
    const profile = this.profiles.get(k);
    if (typeof profile?.['phone'] === 'string' && profile['phone']) this.phoneRefs.delete(`${tenant}#${addressKey('sms', profile['phone'])}`);
    this.profiles.delete(k);
    this.file(k, customerId, undefined);
    this.cooldowns.deletePartition(k);
    this.scores.deletePartition(k);
    return copy(profile);
  }
}
