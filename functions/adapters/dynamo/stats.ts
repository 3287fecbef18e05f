import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { EdgeWalk, StatsRepository } from '../../app/ports.ts';
import { type Conversion, type Counts, conversionCounts, counter, type StatsKey, type StatsRow } from '../../core/measurement.ts';
import { type AnswerChange, answerCounts, answerField } from '../../core/survey-stats.ts';
import type { Enrolment } from '../../core/model.ts';
import type { Table, TransactItem } from './base.ts';
import { customerRanges, items, partitions } from './keys.ts';

/** The key dimensions every counter item carries as attributes, besides its counters and TTL. */
const DIMENSIONS = ['journey', 'day', 'version', 'node', 'variant'] as const;
const NOT_COUNTERS = new Set<string>(['pk', 'sk', 'expiresAt', ...DIMENSIONS]);
const MAX_ATTEMPTS = 8;

/**
 * Conversions (under the customer) and journey counters (one partition per shop and journey) on
 * DynamoDB. A counter is an `ADD` on its item, so concurrent additions never lose one another; a
 * conversion and its counters, or a reversal and its counters, are one transaction.
 */
export class DynamoStats implements StatsRepository {
  constructor(private readonly t: Table) {}

  /** The update that adds `counts` to a counter item, creating it with its dimensions and TTL. */
  private countUpdate(tenant: string, journey: string, key: StatsKey, counts: Counts): NonNullable<TransactItem['Update']> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':exp': this.t.expiry(`${key.day}T00:00:00.000Z`) };
    const sets = ['expiresAt = :exp'];
    const dims: Record<(typeof DIMENSIONS)[number], string> = { journey, ...key };
    for (const [i, d] of DIMENSIONS.entries()) {
      names[`#d${i}`] = d;
      values[`:d${i}`] = dims[d];
      sets.push(`#d${i} = :d${i}`);
    }
    const adds: string[] = [];
    for (const [i, [name, n]] of Object.entries(counts).filter(([, n]) => n !== 0).entries()) {
      names[`#c${i}`] = name;
      values[`:c${i}`] = n;
      adds.push(`#c${i} :c${i}`);
    }
    return {
      TableName: this.t.name,
      Key: items.stat(tenant, journey, key.day, key.version, key.node, key.variant),
      UpdateExpression: `SET ${sets.join(', ')}${adds.length ? ` ADD ${adds.join(', ')}` : ''}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  async addCounts(tenant: string, journey: string, key: StatsKey, counts: Counts): Promise<void> {
    if (!Object.values(counts).some((n) => n !== 0)) return;
    await this.t.db.send(new UpdateCommand(this.countUpdate(tenant, journey, key, counts)));
  }

  /** A transaction of a conditional write and its counters; retried while a concurrent write to a counter item conflicts with it. */
  private async withCounts(write: TransactItem, tenant: string, journey: string, ...changes: { key: StatsKey; counts: Counts }[]): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const reasons = await this.t.transact([write, ...changes.map((c) => ({ Update: this.countUpdate(tenant, journey, c.key, c.counts) }))]);
      if (!reasons) return true;
      if (reasons[0] === 'ConditionalCheckFailed') return false;
      if (attempt >= MAX_ATTEMPTS) throw new Error(`stats: the counter item stayed contended for ${attempt} attempts (${reasons.join(', ')})`);
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));
    }
  }

  async recordConversion(tenant: string, customerId: string, conversion: Conversion): Promise<boolean> {
    const item = { ...items.conversion(tenant, customerId, conversion.journey, conversion.subject), ...conversion, customerId, expiresAt: this.t.expiry(conversion.at) };
    return this.withCounts({ Put: { TableName: this.t.name, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } }, tenant, conversion.journey, conversionCounts(conversion));
  }

  async listConversions(tenant: string, customerId: string): Promise<Conversion[]> {
    const found = await this.t.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': partitions.customer(tenant, customerId), ':prefix': customerRanges.conversions() },
    });
    return found.map(({ pk: _pk, sk: _sk, customerId: _c, expiresAt: _e, ...c }) => c as unknown as Conversion);
  }

  async reverseConversion(tenant: string, customerId: string, journey: string, subject: string, at: string, by: 'order.cancelled' | 'order.refunded'): Promise<boolean> {
    const key = items.conversion(tenant, customerId, journey, subject);
    const held = await this.t.get<Conversion>(key);
    if (!held || held.reversedAt !== undefined) return false;
    const write: TransactItem = {
      Update: {
        TableName: this.t.name,
        Key: key,
        UpdateExpression: 'SET reversedAt = :at, reversedBy = :by',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(reversedAt)',
        ExpressionAttributeValues: { ':at': at, ':by': by },
      },
    };
    return this.withCounts(write, tenant, journey, conversionCounts(held, -1));
  }

  /**
   * The edges go onto the enrolment with one conditional update (none of them there yet, the
   * enrolment still there), then into the counters; an update that finds some there (a concurrent
   * retry of the walk) reads the enrolment again and records what is left.
   */
  async passEdges(tenant: string, customerId: string, journey: string, enrolKey: string, walk: EdgeWalk, key: StatsKey): Promise<string[]> {
    const Key = items.enrolment(tenant, customerId, journey, enrolKey);
    let known = walk.known;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const fresh = [...new Set(walk.edges)].filter((e) => !known.includes(e));
      if (fresh.length === 0 && walk.pending === undefined) return [];
      const values: Record<string, unknown> = {};
      const sets: string[] = [];
      let condition = 'attribute_exists(pk)';
      if (fresh.length > 0) {
        values[':none'] = [];
        values[':fresh'] = fresh;
        sets.push('#passed = list_append(if_not_exists(#passed, :none), :fresh)');
        fresh.forEach((e, i) => {
          values[`:e${i}`] = e;
          condition += ` AND NOT contains(#passed, :e${i})`;
        });
      }
      if (walk.pending !== undefined) {
        values[':pending'] = [...walk.pending];
        sets.push('#pending = :pending');
      }
      const written = await this.t.conditional(
        new UpdateCommand({
          TableName: this.t.name,
          Key,
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: { ...(fresh.length > 0 ? { '#passed': 'passed' } : {}), ...(walk.pending !== undefined ? { '#pending': 'pending' } : {}) },
          ExpressionAttributeValues: values,
        }),
      );
      if (written) {
        if (fresh.length > 0) await this.addCounts(tenant, journey, key, Object.fromEntries(fresh.map((e) => [counter.edge(e), 1])));
        return fresh;
      }
      const held = await this.t.get<Enrolment>(Key);
      if (!held) return [];
      known = held.passed ?? [];
    }
    return [];
  }

  /** The enrolment's answer replaced on the condition that it is still the one read, and the counters moved, in one transaction. */
  async countAnswer(tenant: string, customerId: string, journey: string, enrolKey: string, change: AnswerChange): Promise<boolean> {
    const { previous } = change;
    const write: TransactItem = {
      Update: {
        TableName: this.t.name,
        Key: items.enrolment(tenant, customerId, journey, enrolKey),
        UpdateExpression: 'SET #answer = :answer',
        ConditionExpression: previous ? 'attribute_exists(pk) AND #answer.#score = :score AND #answer.#at = :at' : 'attribute_exists(pk) AND attribute_not_exists(#answer)',
        ExpressionAttributeNames: { '#answer': answerField(change.question), ...(previous ? { '#score': 'score', '#at': 'at' } : {}) },
        ExpressionAttributeValues: { ':answer': { score: change.answer.score, at: change.answer.at }, ...(previous ? { ':score': previous.score, ':at': previous.at } : {}) },
      },
    };
    return this.withCounts(write, tenant, journey, ...answerCounts(change));
  }

  async journeyCounters(tenant: string, journey: string): Promise<StatsRow[]> {
    return (await this.t.queryAll(partitions.stats(tenant, journey))).map((item) => {
      const counts: Counts = {};
      for (const [k, v] of Object.entries(item)) if (!NOT_COUNTERS.has(k) && typeof v === 'number') counts[k] = v;
      return { day: String(item['day']), version: String(item['version']), node: String(item['node']), variant: String(item['variant']), counts };
    });
  }
}
