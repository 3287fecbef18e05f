import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ComplianceRepository, OperationsRepository, SubjectRepository } from '../../app/ports.ts';
import type { CustomerProfile, Decision } from '../../core/model.ts';
import type { Table } from './base.ts';
import { customerRanges, customerSk, items, lastOrderIndex, partitions } from './keys.ts';

/** Suppression, the decision log, SMS short links, and export and erasure of everything held on a customer, on DynamoDB. */
export class DynamoCompliance implements ComplianceRepository {
  constructor(
    private readonly t: Table,
    /** Export and erasure reach the customer's carts and staff tasks, held outside the customer's partition. */
    private readonly others: Pick<SubjectRepository, 'getCart'> & Pick<OperationsRepository, 'listTasks'>,
  ) {}

  /** Bounced, complained or opted-out addresses: never sent to again, on any topic. Keyed by a hash. */
  async suppress(tenant: string, channel: 'email' | 'sms', address: string, reason: string, at: string): Promise<void> {
    await this.t.putIfAbsent({ ...items.suppression(tenant, channel, address), channel, reason, at });
  }

  async isSuppressed(tenant: string, channel: 'email' | 'sms', address: string): Promise<boolean> {
    return (await this.t.get(items.suppression(tenant, channel, address))) !== undefined;
  }

  /** The decision log: every send and every decision not to send, with its reason. */
  async recordDecision(tenant: string, customerId: string, decision: Decision): Promise<boolean> {
    return this.t.putIfAbsent({
      ...items.decision(tenant, customerId, decision.at, decision.executionName, decision.step),
      ...decision,
      expiresAt: this.t.expiry(decision.at),
    });
  }

  async listDecisions(tenant: string, customerId: string): Promise<Decision[]> {
    return (await this.t.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': partitions.customer(tenant, customerId), ':prefix': customerRanges.decisions() },
    })) as unknown as Decision[];
  }

  /** An SMS opt-out short link: the code stands for the signed token, and expires with it. */
  async putShortLink(code: string, token: string, expiresAt: number): Promise<void> {
    await this.t.db.send(new PutCommand({ TableName: this.t.name, Item: { ...items.shortLink(code), token, expiresAt } }));
  }

  async getShortLink(code: string): Promise<string | undefined> {
    return (await this.t.get<{ token: string }>(items.shortLink(code)))?.token;
  }

  /** Every item held under a customer's key, a page at a time. */
  async customerItems(tenant: string, customerId: string): Promise<Record<string, unknown>[]> {
    return this.t.queryAll(partitions.customer(tenant, customerId));
  }

  /** RODO art. 15/20: everything held on one customer, as data. */
  async exportCustomer(tenant: string, customerId: string): Promise<Record<string, unknown>> {
    const held = await this.customerItems(tenant, customerId);
    // Keys and index attributes are the table's, not data about the customer.
    const strip = ({ pk: _pk, sk: _sk, [lastOrderIndex.partitionKey]: _day, [lastOrderIndex.sortKey]: _id, ...rest }: Record<string, unknown>) => rest;
    const by = (prefix: string) => held.filter((i) => String(i['sk']).startsWith(prefix)).map(strip);
    const carts = [];
    for (const ref of by(customerSk.cartRef)) {
      const cart = await this.others.getCart(tenant, String(ref['token']));
      if (cart) carts.push(strip(cart as unknown as Record<string, unknown>));
    }
    const tasks = (await this.others.listTasks(tenant)).filter((t) => t.customerId === customerId);
    return {
      customerId,
      profile: by(customerSk.profile)[0] ?? null,
      consents: by(customerSk.consent),
      consentLedger: by(customerSk.consentLog),
      orders: by(customerSk.order),
      carts,
      journeys: by(customerSk.enrolment),
      messages: by(customerSk.decision),
      sends: by(customerSk.sendIntent),
      surveyAnswers: by(customerSk.score),
      staffTasks: tasks,
    };
  }

  /**
   * RODO art. 17: deletes the customer's profile, carts, orders, journeys, messages and answers.
   * What the law asks to keep stays, holding no contact data: the consent ledger (proof of consent
   * and of its withdrawal) and a hashed suppression entry so the address is never mailed again.
   */
  async eraseCustomer(tenant: string, customerId: string, at: string): Promise<void> {
    const held = await this.customerItems(tenant, customerId);
    const profile = held.find((i) => i['sk'] === customerSk.profile) as CustomerProfile | undefined;
    if (profile?.email) await this.suppress(tenant, 'email', profile.email, 'erased', at);
    if (profile?.phone) {
      await this.suppress(tenant, 'sms', profile.phone, 'erased', at);
      await this.t.delete(items.phoneRef(tenant, profile.phone));
    }
    for (const item of held) {
      const sk = String(item['sk']);
      if (sk.startsWith(customerSk.consent) || sk.startsWith(customerSk.consentLog)) continue;
      if (sk.startsWith(customerSk.cartRef)) await this.t.delete(items.cart(tenant, String(item['token'])));
      if (sk.startsWith(customerSk.order)) await this.t.delete(items.orderRef(tenant, sk.slice(customerSk.order.length)));
      await this.t.delete({ pk: String(item['pk']), sk });
    }
    for (const task of (await this.others.listTasks(tenant)).filter((t) => t.customerId === customerId)) await this.t.delete(items.task(tenant, task.at, task.id));
    await this.t.putIfAbsent({ ...items.erased(tenant, customerId), at });
  }
}
