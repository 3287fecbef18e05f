import type { ComplianceRepository } from '../../app/ports.ts';
import type { Decision } from '../../core/model.ts';
import { identifiersOf } from '../dynamo/keys.ts';
import type { MemoryCodePools } from './code-pools.ts';
import type { MemoryCustomers } from './customers.ts';
import type { MemoryEnrolments } from './enrolments.ts';
import type { MemoryOperations } from './operations.ts';
import { addressKey, copy, customerKey, expiry, type Item, Partitions } from './records.ts';
import type { MemoryStats } from './stats.ts';
import type { MemorySubjects } from './subjects.ts';

/**
 * Suppression (by a hash of the normalised address), the decision log (under the customer, by
 * `{at}#{executionName}#{step}`), SMS short links (with the customer's references to them), and
 * the data-subject rights that span every module: export and erasure, which leaves erasure
 * markers behind.
 */
export class MemoryCompliance implements ComplianceRepository {
  private readonly suppressions = new Map<string, { channel: string; reason: string; at: string }>();
  private readonly decisions = new Partitions();
  private readonly shortLinks = new Map<string, { token: string; expiresAt: number }>();
  /** Under the customer, by code. */
  private readonly shortLinkRefs = new Partitions();

  constructor(
    private readonly modules: { customers: MemoryCustomers; subjects: MemorySubjects; enrolments: MemoryEnrolments; operations: MemoryOperations; stats: MemoryStats; codes: MemoryCodePools },
    private readonly retentionDays: number,
  ) {}

  async suppress(tenant: string, channel: 'email' | 'sms', address: string, reason: string, at: string): Promise<void> {
    const k = this.suppressionKey(tenant, channel, address);
    // The first reason stays.
    if (!this.suppressions.has(k)) this.suppressions.set(k, { channel, reason, at });
  }

  async isSuppressed(tenant: string, channel: 'email' | 'sms', address: string): Promise<boolean> {
    return this.suppressions.has(this.suppressionKey(tenant, channel, address));
  }

  private suppressionKey(tenant: string, channel: 'email' | 'sms', address: string): string {
    return `${tenant}#${channel}#${addressKey(channel, address)}`;
  }

  async recordDecision(tenant: string, customerId: string, decision: Decision): Promise<boolean> {
    const item = copy({ ...decision, expiresAt: expiry(decision.at, this.retentionDays) }) as Item;
    return this.decisions.putIfAbsent(customerKey(tenant, customerId), `${decision.at}#${decision.executionName}#${decision.step}`, item);
  }

  async listDecisions(tenant: string, customerId: string): Promise<Decision[]> {
    return this.decisions.query(customerKey(tenant, customerId)).map(([, d]) => copy(d) as unknown as Decision);
  }

  async putShortLink(tenant: string, customerId: string, code: string, token: string, expiresAt: number): Promise<void> {
    this.shortLinks.set(code, { token, expiresAt });
    this.shortLinkRefs.put(customerKey(tenant, customerId), code, { code, expiresAt });
  }

  async getShortLink(code: string): Promise<string | undefined> {
    // Not filtered by expiresAt: DynamoDB returns an expired item until TTL deletes it.
    return this.shortLinks.get(code)?.token;
  }

  async exportCustomer(tenant: string, customerId: string): Promise<Record<string, unknown>> {
    const { customers, subjects, enrolments, operations, stats } = this.modules;
    const k = customerKey(tenant, customerId);
    const own = customers.exportOf(tenant, customerId);
    const { orders, carts, invoices } = subjects.exportOf(tenant, customerId);
    const decisions = this.decisions.query(k).map(([, d]) => copy(d));
    const identifiers = identifiersOf(customerId, own.profile, own.addresses as { channel: 'email' | 'sms'; address: string }[]);
    return {
      customerId,
      profile: own.profile,
      addresses: own.addresses,
      consents: own.consents,
      consentLedger: own.consentLedger,
      orders,
      carts,
      invoices,
      journeys: enrolments.exportOf(tenant, customerId),
      messages: decisions,
      conversions: stats.exportOf(tenant, customerId),
      sends: enrolments.sendsOf(tenant, customerId),
      frequencyCap: enrolments.capOf(tenant, customerId),
      shortLinks: this.shortLinkRefs.query(k).flatMap(([code]) => {
        const link = this.shortLinks.get(code);
        return link ? [copy(link)] : [];
      }),
      surveyAnswers: own.surveyAnswers,
      cooldowns: own.cooldowns,
      dates: own.dates,
      codes: this.modules.codes.exportOf(tenant, customerId),
      staffTasks: (await operations.listTasks(tenant)).filter((t) => t.customerId === customerId),
      suppressions: identifiers.flatMap(([kind, value]) => {
        const entry = kind === 'customer' ? undefined : this.suppressions.get(this.suppressionKey(tenant, kind, value));
        return entry ? [copy(entry)] : [];
      }),
      erasures: customers.erasuresOf(tenant, identifiers),
    };
  }

  /**
   * Marks the customer id and every address they are known by (and those named) as erased, each
   * address suppressed and its reference ended; then deletes everything held on the customer in
   * every module but the consent ledger: profile, addresses, current consent, carts, orders,
   * invoices, journeys, messages, conversions, send intents and frequency-cap slots, short links, answers,
   * cool-downs, code claims, tasks.
   */
  async eraseCustomer(tenant: string, customerId: string, at: string, named: { email?: string; phone?: string } = {}): Promise<void> {
    const { customers, subjects, enrolments, operations, stats, codes } = this.modules;
    const k = customerKey(tenant, customerId);
    const { profile, addresses } = customers.addressesOf(tenant, customerId);
    if (named.email) addresses.push({ channel: 'email', address: named.email });
    if (named.phone) addresses.push({ channel: 'sms', address: named.phone });
    for (const [kind, value] of identifiersOf(customerId, profile, addresses)) {
      customers.markErased(tenant, customerId, kind, value, at);
      if (kind !== 'customer') await this.suppress(tenant, kind, value, 'erased', at);
    }
    customers.erase(tenant, customerId);
    subjects.erase(tenant, customerId);
    enrolments.erase(tenant, customerId);
    this.decisions.deletePartition(k);
    stats.erase(tenant, customerId);
    codes.erase(tenant, customerId);
    for (const [code] of this.shortLinkRefs.query(k)) this.shortLinks.delete(code);
    this.shortLinkRefs.deletePartition(k);
    operations.erase(tenant, customerId);
  }
}
