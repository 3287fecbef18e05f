import type { StatsRepository } from '../../app/ports.ts';
import { type Conversion, type Counts, conversionCounts, type StatsKey, type StatsRow } from '../../core/measurement.ts';
import { add, copy, customerKey, expiry, type Item, Partitions, pairKey } from './records.ts';

/**
 * Conversions under the customer (by `{journey}#{subject}`) and journey counters (per shop and
 * journey, by `{day}#{version}#{node}#{variant}`), as dynamo/stats.ts keeps them: additions in
 * decimal arithmetic, a conversion and its counters written together. Edges a walk went along are
 * recorded on the enrolment, and so are survey answers: MemoryStore puts passEdges and countAnswer
 * together from the enrolments and these.
 */
export class MemoryStats implements Omit<StatsRepository, 'passEdges' | 'countAnswer'> {
  private readonly conversions = new Partitions();
  private readonly counters = new Partitions<StatsRow & Item>();

  constructor(private readonly retentionDays: number) {}

  async addCounts(tenant: string, journey: string, key: StatsKey, counts: Counts): Promise<void> {
    if (!Object.values(counts).some((n) => n !== 0)) return;
    const partition = pairKey(tenant, journey);
    const sort = `${key.day}#${key.version}#${key.node}#${key.variant}`;
    const row = this.counters.get(partition, sort) ?? { ...key, counts: {} };
    for (const [name, n] of Object.entries(counts)) if (n !== 0) row.counts[name] = add(row.counts[name], n);
    this.counters.put(partition, sort, row);
  }

  async recordConversion(tenant: string, customerId: string, conversion: Conversion): Promise<boolean> {
    const item = copy({ ...conversion, customerId, expiresAt: expiry(conversion.at, this.retentionDays) }) as Item;
    if (!this.conversions.putIfAbsent(customerKey(tenant, customerId), `${conversion.journey}#${conversion.subject}`, item)) return false;
    const { key, counts } = conversionCounts(conversion);
    await this.addCounts(tenant, conversion.journey, key, counts);
    return true;
  }

  async listConversions(tenant: string, customerId: string): Promise<Conversion[]> {
    return this.conversions.query(customerKey(tenant, customerId)).map(([, item]) => {
      const { customerId: _c, expiresAt: _e, ...c } = copy(item);
      return c as unknown as Conversion;
    });
  }

  async reverseConversion(tenant: string, customerId: string, journey: string, subject: string, at: string, by: 'order.cancelled' | 'order.refunded'): Promise<boolean> {
    const partition = customerKey(tenant, customerId);
    const sort = `${journey}#${subject}`;
    const held = this.conversions.get(partition, sort) as unknown as Conversion | undefined;
    if (!held || held.reversedAt !== undefined) return false;
    this.conversions.put(partition, sort, { ...(held as unknown as Item), reversedAt: at, reversedBy: by });
    const { key, counts } = conversionCounts(held, -1);
    await this.addCounts(tenant, journey, key, counts);
    return true;
  }

  async journeyCounters(tenant: string, journey: string): Promise<StatsRow[]> {
    return this.counters.query(pairKey(tenant, journey)).map(([, row]) => copy(row));
  }

  /** Export: the customer's conversions as stored. */
  exportOf(tenant: string, customerId: string): Item[] {
    return this.conversions.query(customerKey(tenant, customerId)).map(([, item]) => copy(item));
  }

  /** Erasure: the customer's conversions go; the counters hold no one's data and stay. */
  erase(tenant: string, customerId: string): void {
    this.conversions.deletePartition(customerKey(tenant, customerId));
  }
}
