import type { EnrolmentRepository } from '../../app/ports.ts';
import type { Enrolment, EnrolmentStatus } from '../../core/model.ts';
import { copy, customerKey, expiry, type Item, Partitions } from './records.ts';

/** Journey enrolments (under the customer, by `{journey}#{key}`) and the claim of each step's send. */
export class MemoryEnrolments implements EnrolmentRepository {
  private readonly enrolments = new Partitions();
  /** `{executionName}#{stepId}`, joined as the DynamoDB key is. */
  private readonly sends = new Map<string, Item>();

  constructor(private readonly retentionDays: number) {}

  async createEnrolment(tenant: string, customerId: string, enrolment: Omit<Enrolment, 'status'>): Promise<boolean> {
    const item = copy({ ...enrolment, status: 'active', expiresAt: expiry(enrolment.startedAt, this.retentionDays) });
    return this.enrolments.putIfAbsent(customerKey(tenant, customerId), `${enrolment.journey}#${enrolment.key}`, item);
  }

  async getEnrolment(tenant: string, customerId: string, journey: string, enrolKey: string): Promise<Enrolment | undefined> {
    return copy(this.enrolments.get(customerKey(tenant, customerId), `${journey}#${enrolKey}`)) as Enrolment | undefined;
  }

  async activeEnrolments(tenant: string, customerId: string, journey?: string): Promise<Enrolment[]> {
    return this.enrolments
      .query(customerKey(tenant, customerId), journey === undefined ? '' : `${journey}#`)
      .filter(([, e]) => e['status'] === 'active')
      .map(([, e]) => copy(e) as unknown as Enrolment);
  }

  async endEnrolment(
    tenant: string,
    customerId: string,
    journey: string,
    enrolKey: string,
    status: Exclude<EnrolmentStatus, 'active'>,
    reason: string,
    at: string,
  ): Promise<boolean> {
    const current = this.enrolments.get(customerKey(tenant, customerId), `${journey}#${enrolKey}`);
    if (current?.['status'] !== 'active') return false;
    Object.assign(current, { status, endedAt: at, endReason: reason });
    return true;
  }

  async claimSend(executionName: string, stepId: string, at: string): Promise<boolean> {
    const k = `${executionName}#${stepId}`;
    if (this.sends.has(k)) return false;
    this.sends.set(k, { status: 'claimed', at, expiresAt: expiry(at, this.retentionDays) });
    return true;
  }

  async completeSend(executionName: string, stepId: string, messageId: string | undefined): Promise<void> {
    const k = `${executionName}#${stepId}`;
    // Unconditional, as on DynamoDB: a completion without a claim leaves a done claim behind.
    this.sends.set(k, { ...this.sends.get(k), status: 'done', messageId: messageId ?? null });
  }

  async releaseSend(executionName: string, stepId: string): Promise<void> {
    const k = `${executionName}#${stepId}`;
    if (this.sends.get(k)?.['status'] === 'claimed') this.sends.delete(k);
  }

  /** The customer's enrolments in sort-key order, for export. */
  exportOf(tenant: string, customerId: string): Item[] {
    return this.enrolments.query(customerKey(tenant, customerId)).map(([, e]) => copy(e));
  }

  /** The send claims of these executions' steps (a customer's decisions name them), in their order, once each. */
  sendsOf(steps: readonly { executionName: string; step: string }[]): Item[] {
    const keys = [...new Set(steps.map((s) => `${s.executionName}#${s.step}`))];
    return keys.flatMap((k) => {
      const claim = this.sends.get(k);
      return claim ? [copy(claim)] : [];
    });
  }

  /** Erasure: the customer's enrolments and the send claims of the steps their decisions name. */
  erase(tenant: string, customerId: string, steps: readonly { executionName: string; step: string }[]): void {
    this.enrolments.deletePartition(customerKey(tenant, customerId));
    for (const s of steps) this.sends.delete(`${s.executionName}#${s.step}`);
  }
}
