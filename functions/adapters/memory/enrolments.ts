import type { EnrolmentRepository } from '../../app/ports.ts';
import { type CapSlot, type FrequencyCap, giveBackSlot, slotId, slotsExpiry, takeSlot } from '../../core/frequency-cap.ts';
import type { HeldAnswer } from '../../core/survey-stats.ts';
import type { Enrolment, EnrolmentMark, EnrolmentStatus, SendClaim, SendIntent, SendOutcome, SendRecord } from '../../core/model.ts';
import { copy, customerKey, expiry, type Item, Partitions } from './records.ts';

/**
 * Journey enrolments (under the customer, by `{journey}#{key}`), the intent of each step's send
 * (under the customer, by `{executionName}#{stepId}`) and the customer's frequency-cap slots.
 */
export class MemoryEnrolments implements EnrolmentRepository {
  private readonly enrolments = new Partitions();
  /** Send intents under the customer, by `{executionName}#{stepId}`. */
  private readonly intents = new Partitions();
  /** The frequency cap's slots, one entry per customer. */
  private readonly caps = new Map<string, { slots: CapSlot[]; version: number; expiresAt: number }>();

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

  async markEnrolment(tenant: string, customerId: string, journey: string, enrolKey: string, mark: EnrolmentMark, expectAwaiting?: string): Promise<boolean> {
    const current = this.enrolments.get(customerKey(tenant, customerId), `${journey}#${enrolKey}`);
    if (current?.['status'] !== 'active') return false;
    if (expectAwaiting !== undefined && (current['awaiting'] as { node?: string } | undefined)?.node !== expectAwaiting) return false;
    if (mark.variant) {
      current['variants'] = { ...mark.variant.all, [mark.variant.node]: mark.variant.arm };
      current['variant'] = mark.variant.arm;
    }
    if (mark.data) current['data'] = copy({ ...mark.data.all, [mark.data.node]: mark.data.values });
    if (mark.holdout) Object.assign(current, { holdout: true, variant: 'holdout' });
    if (mark.continuation) Object.assign(current, { executionName: mark.continuation.executionName, continuedFrom: mark.continuation.from, continuedAt: mark.continuation.entry });
    if (mark.awaiting === null) delete current['awaiting'];
    else if (mark.awaiting) current['awaiting'] = copy(mark.awaiting);
    return true;
  }

  /** StatsRepository.passEdges's fact: the edges not on the enrolment yet go on it, with `pending` when given; undefined when it is gone. */
  recordPassed(tenant: string, customerId: string, journey: string, enrolKey: string, edges: readonly string[], pending?: readonly string[]): string[] | undefined {
    const current = this.enrolments.get(customerKey(tenant, customerId), `${journey}#${enrolKey}`);
    if (!current) return undefined;
    const passed = (current['passed'] as string[] | undefined) ?? [];
    const fresh = [...new Set(edges)].filter((e) => !passed.includes(e));
    if (fresh.length > 0) current['passed'] = [...passed, ...fresh];
    if (pending !== undefined) current['pending'] = [...pending];
    return fresh;
  }

  /** The answer at `field` replaced, when the enrolment is there and still holds `expected` (none: none). */
  replaceAnswer(tenant: string, customerId: string, journey: string, enrolKey: string, field: string, expected: HeldAnswer | undefined, answer: HeldAnswer): boolean {
    const current = this.enrolments.get(customerKey(tenant, customerId), `${journey}#${enrolKey}`);
    if (!current) return false;
    const held = current[field] as HeldAnswer | undefined;
    if (held?.score !== expected?.score || held?.at !== expected?.at) return false;
    current[field] = { score: answer.score, at: answer.at };
    return true;
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

  async claimSend(tenant: string, customerId: string, intent: SendIntent, cap?: FrequencyCap): Promise<SendClaim> {
    const k = customerKey(tenant, customerId);
    const existing = this.intents.get(k, `${intent.executionName}#${intent.step}`);
    if (existing) return { kind: 'exists', record: copy(existing) as unknown as SendRecord };
    if (cap) {
      // Read, decide and write with no await between: one conditional write, as the transaction on DynamoDB.
      const taken = takeSlot(this.caps.get(k)?.slots ?? [], { id: slotId(intent.executionName, intent.step), at: intent.at }, cap);
      if (taken.kind === 'full') return { kind: 'capped' };
      this.caps.set(k, { slots: taken.slots, version: (this.caps.get(k)?.version ?? 0) + 1, expiresAt: slotsExpiry(taken.slots, cap.days) });
    }
    this.intents.put(k, `${intent.executionName}#${intent.step}`, copy({ ...intent, status: 'claimed', expiresAt: expiry(intent.at, this.retentionDays) }) as Item);
    return { kind: 'claimed' };
  }

  async completeSend(tenant: string, customerId: string, executionName: string, stepId: string, outcome: SendOutcome): Promise<void> {
    const k = customerKey(tenant, customerId);
    const current = this.intents.get(k, `${executionName}#${stepId}`);
    // The first outcome stays; a completion without a claim writes nothing.
    if (current?.['status'] !== 'claimed') return;
    Object.assign(current, copy({ ...outcome, status: 'done' }));
    if (outcome.outcome === 'refused') this.giveBack(k, slotId(executionName, stepId));
  }

  async releaseSend(tenant: string, customerId: string, executionName: string, stepId: string): Promise<void> {
    const k = customerKey(tenant, customerId);
    if (this.intents.get(k, `${executionName}#${stepId}`)?.['status'] !== 'claimed') return;
    this.intents.delete(k, `${executionName}#${stepId}`);
    this.giveBack(k, slotId(executionName, stepId));
  }

  /** Only the send's own slot, if it holds one; the TTL stays as it was. */
  private giveBack(k: string, id: string): void {
    const held = this.caps.get(k);
    const rest = held && giveBackSlot(held.slots, id);
    if (held && rest) this.caps.set(k, { ...held, slots: rest, version: held.version + 1 });
  }

  /** The customer's send intents in sort-key order, for export. */
  sendsOf(tenant: string, customerId: string): Item[] {
    return this.intents.query(customerKey(tenant, customerId)).map(([, i]) => copy(i));
  }

  /** The customer's enrolments in sort-key order, for export. */
  exportOf(tenant: string, customerId: string): Item[] {
    return this.enrolments.query(customerKey(tenant, customerId)).map(([, e]) => copy(e));
  }

  /** The customer's frequency-cap slots, for export. */
  capOf(tenant: string, customerId: string): Item | null {
    const held = this.caps.get(customerKey(tenant, customerId));
    return held ? (copy(held) as unknown as Item) : null;
  }

  /** Erasure: the customer's enrolments, send intents and frequency-cap slots. */
  erase(tenant: string, customerId: string): void {
    this.enrolments.deletePartition(customerKey(tenant, customerId));
    this.intents.deletePartition(customerKey(tenant, customerId));
    this.caps.delete(customerKey(tenant, customerId));
  }
}
