import type { ComplianceRepository } from '../../app/ports.ts';
import type { Decision } from '../../core/model.ts';
import type { MemoryCustomers } from './customers.ts';
import type { MemoryEnrolments } from './enrolments.ts';
import type { MemoryOperations } from './operations.ts';
import type { MemorySubjects } from './subjects.ts';
import { addressKey, copy, customerKey, expiry, type Item, Partitions } from './records.ts';

/**
 * Suppression (by a hash of the normalised address), the decision log (under the customer, by
 * `{at}#{executionName}#{step}`), SMS short links, and the data-subject rights that span every
 * module: export and erasure, which leaves an erasure marker behind.
 */
export class MemoryCompliance implements ComplianceRepository {
  private readonly suppressions = new Map<string, { channel: string; reason: string; at: string }>();
  private readonly decisions = new Partitions();
  private readonly shortLinks = new Map<string, { token: string; expiresAt: number }>();
  private readonly erased = new Map<string, { at: string }>();

  constructor(
    private readonly modules: { customers: MemoryCustomers; subjects: MemorySubjects; enrolments: MemoryEnrolments; operations: MemoryOperations },
    private readonly retentionDays: number,
  ) {}

  async suppress(tenant: string, channel: 'email' | 'sms', address: string, reason: string, at: string): Promise<void> {
    const k = `${tenant}#${channel}#${addressKey(channel, address)}`;
    // The first reason stays.
    if (!this.suppressions.has(k)) this.suppressions.set(k, { channel, reason, at });
  }

  async isSuppressed(tenant: string, channel: 'email' | 'sms', address: string): Promise<boolean> {
    return this.suppressions.has(`${tenant}#${channel}#${addressKey(channel, address)}`);
  }

  async recordDecision(tenant: string, customerId: string, decision: Decision): Promise<boolean> {
    const item = copy({ ...decision, expiresAt: expiry(decision.at, this.retentionDays) }) as Item;
    return this.decisions.putIfAbsent(customerKey(tenant, customerId), `${decision.at}#${decision.executionName}#${decision.step}`, item);
  }

  async listDecisions(tenant: string, customerId: string): Promise<Decision[]> {
    return this.decisions.query(customerKey(tenant, customerId)).map(([, d]) => copy(d) as unknown as Decision);
  }

  async putShortLink(code: string, token: string, expiresAt: number): Promise<void> {
    this.shortLinks.set(code, { token, expiresAt });
  }

  async getShortLink(code: string): Promise<string | undefined> {
    // Not filtered by expiresAt: DynamoDB returns an expired item until TTL deletes it.
    return this.shortLinks.get(code)?.token;
  }

  async exportCustomer(tenant: string, customerId: string): Promise<Record<string, unknown>> {
    const { customers, subjects, enrolments, operations } = this.modules;
    const own = customers.exportOf(tenant, customerId);
    const { orders, carts } = subjects.exportOf(tenant, customerId);
    return {
      customerId,
      profile: own.profile,
      consents: own.consents,
      consentLedger: own.consentLedger,
      orders,
      carts,
      journeys: enrolments.exportOf(tenant, customerId),
      messages: this.decisions.query(customerKey(tenant, customerId)).map(([, d]) => copy(d)),
      sends: enrolments.sendsOf(tenant, customerId),
      surveyAnswers: own.surveyAnswers,
      staffTasks: (await operations.listTasks(tenant)).filter((t) => t.customerId === customerId),
    };
  }

  /**
   * Deletes the profile, carts, orders, journeys, messages, answers and staff tasks. The consent
   * ledger and current consent stay, and so does a hashed suppression entry for each address.
   */
  async eraseCustomer(tenant: string, customerId: string, at: string): Promise<void> {
    const { customers, subjects, enrolments, operations } = this.modules;
    const profile = customers.erase(tenant, customerId);
    if (typeof profile?.['email'] === 'string' && profile['email']) await this.suppress(tenant, 'email', profile['email'], 'erased', at);
    if (typeof profile?.['phone'] === 'string' && profile['phone']) await this.suppress(tenant, 'sms', profile['phone'], 'erased', at);
    subjects.erase(tenant, customerId);
    enrolments.erase(tenant, customerId);
    this.decisions.deletePartition(customerKey(tenant, customerId));
    operations.erase(tenant, customerId);
    // The marker is one of the customer's items, so a second erasure replaces it.
    this.erased.set(customerKey(tenant, customerId), { at });
  }

  /** When the customer was last erased: the marker DynamoDB keeps as `ERASED` (no port reads it). */
  async erasedAt(tenant: string, customerId: string): Promise<string | undefined> {
    return this.erased.get(customerKey(tenant, customerId))?.at;
  }
}
