import type { EventClaim, OperationsRepository } from '../../app/ports.ts';
import type { StaffTask } from '../../core/model.ts';
import { smsCapExpiry } from '../dynamo/keys.ts';
import { add, copy, epochSeconds, expiry, type Item, Partitions, pairKey } from './records.ts';

const DEDUPE_SECONDS = 8 * 86_400;

/** Running the engine: event claims (leases), rate-limit windows, the daily count of billed SMS parts, staff tasks. */
export class MemoryOperations implements OperationsRepository {
  /** `{tenant}#{eventKey}`, joined as the DynamoDB key is. */
  private readonly events = new Map<string, { status: 'processing' | 'done'; at: string; lease: string; leaseUntil?: number; expiresAt: number }>();
  private readonly rates = new Map<string, { count: number; expiresAt: number }>();
  private readonly smsCounts = new Map<string, { count: number; expiresAt: number }>();
  /** Per tenant, by `{at}#{id}`. */
  private readonly tasks = new Partitions();

  constructor(private readonly retentionDays: number) {}

  async claimEvent(tenant: string, eventKey: string, now: Date, leaseSeconds: number, options: { resume?: boolean } = {}): Promise<EventClaim> {
    const k = `${tenant}#${eventKey}`;
    const lease = now.toISOString();
    const held = { lease, leaseUntil: epochSeconds(now) + leaseSeconds, expiresAt: epochSeconds(now) + DEDUPE_SECONDS };
    const current = this.events.get(k);
    // TTL deletes lag, so an expired claim counts as gone (and nothing sweeps it here).
    if (!current || current.expiresAt < epochSeconds(now)) {
      if (options.resume) return { state: 'absent' };
      this.events.set(k, { status: 'processing', at: lease, ...held });
      return { state: 'claimed', lease, since: lease };
    }
    if (current.status !== 'processing') return { state: 'done' };
    if (!(current.leaseUntil! < epochSeconds(now))) return { state: 'processing', until: new Date(current.leaseUntil! * 1000).toISOString() };
    this.events.set(k, { ...current, ...held });
    return { state: 'claimed', lease, since: current.at };
  }

  async completeEvent(tenant: string, eventKey: string, now: Date): Promise<void> {
    const k = `${tenant}#${eventKey}`;
    const current = this.events.get(k);
    this.events.set(k, { at: current?.at ?? now.toISOString(), lease: current?.lease ?? '', status: 'done', expiresAt: epochSeconds(now) + DEDUPE_SECONDS });
  }

  async releaseEvent(tenant: string, eventKey: string, lease: string): Promise<void> {
    const k = `${tenant}#${eventKey}`;
    const current = this.events.get(k);
    // The lease ends now; when the key was first claimed stays, for the attempt that takes it next.
    if (current?.status === 'processing' && current.lease === lease) this.events.set(k, { ...current, leaseUntil: 0 });
  }

  async takeRate(bucket: string, window: number, limit: number, n = 1): Promise<boolean> {
    if (n > limit) return false;
    const k = pairKey(bucket, String(window));
    const current = this.rates.get(k);
    if (current && !(current.count <= limit - n)) return false;
    this.rates.set(k, { count: add(current?.count, n), expiresAt: (window + 2) * 60 });
    return true;
  }

  async countSms(tenant: string, day: string, cap: number, parts: number): Promise<boolean> {
    if (!(parts <= cap)) return false;
    const k = pairKey(tenant, day);
    const current = this.smsCounts.get(k);
    if (current && !(current.count <= cap - parts)) return false;
    this.smsCounts.set(k, { count: add(current?.count, parts), expiresAt: smsCapExpiry(day) });
    return true;
  }

  async createTask(tenant: string, task: StaffTask): Promise<boolean> {
    return this.tasks.putIfAbsent(tenant, `${task.at}#${task.id}`, copy({ ...task, expiresAt: expiry(task.at, this.retentionDays) }) as unknown as Item);
  }

  async listTasks(tenant: string): Promise<StaffTask[]> {
    return this.tasks.query(tenant).map(([, t]) => copy(t) as unknown as StaffTask);
  }

  async completeTask(tenant: string, at: string, taskId: string, doneAt: string): Promise<boolean> {
    const current = this.tasks.get(tenant, `${at}#${taskId}`);
    if (current?.['status'] !== 'open') return false;
    this.tasks.put(tenant, `${at}#${taskId}`, { ...current, status: 'done', doneAt });
    return true;
  }

  /** Erasure: the tenant's tasks about this customer. */
  erase(tenant: string, customerId: string): void {
    for (const [k, task] of this.tasks.query(tenant)) if (task['customerId'] === customerId) this.tasks.delete(tenant, k);
  }
}
