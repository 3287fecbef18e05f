import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ComplianceRepository, OperationsRepository } from '../../app/ports.ts';
import type { AddressChannel } from '../../core/identity.ts';
import type { Decision } from '../../core/model.ts';
import type { Table } from './base.ts';
import { customerRanges, customerSk, type ItemKey, identifiersOf, items, lastOrderIndex, partitions } from './keys.ts';

/** Suppression, the decision log, SMS short links, and export and erasure of everything held on a customer, on DynamoDB. */
export class DynamoCompliance implements ComplianceRepository {
  constructor(
    private readonly t: Table,
    /** Export and erasure reach the customer's staff tasks, held outside the customer's partition. */
    private readonly others: Pick<OperationsRepository, 'listTasks'>,
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

  /** An SMS opt-out short link: the code stands for the signed token, and expires with it; the customer keeps a reference for export and erasure. */
  async putShortLink(tenant: string, customerId: string, code: string, token: string, expiresAt: number): Promise<void> {
    await Promise.all([
      this.t.db.send(new PutCommand({ TableName: this.t.name, Item: { ...items.shortLink(code), token, expiresAt } })),
      this.t.db.send(new PutCommand({ TableName: this.t.name, Item: { ...items.shortLinkRef(tenant, customerId, code), code, expiresAt } })),
    ]);
  }

  async getShortLink(code: string): Promise<string | undefined> {
    return (await this.t.get<{ token: string }>(items.shortLink(code)))?.token;
  }

  /** Every item held under a customer's key, a page at a time. */
  async customerItems(tenant: string, customerId: string): Promise<Record<string, unknown>[]> {
    return this.t.queryAll(partitions.customer(tenant, customerId));
  }

  /**
   * RODO art. 15/20: everything held on one customer, as data: the items of the customer's partition
   * by kind (send intents among them), what their references point at (carts, invoices, short
   * links), their staff tasks, and the suppressions and erasure markers of their identifiers.
   */
  async exportCustomer(tenant: string, customerId: string): Promise<Record<string, unknown>> {
    const held = await this.customerItems(tenant, customerId);
    const by = (prefix: string) => held.filter((i) => String(i['sk']).startsWith(prefix)).map(strip);
    /** The items at `keys` that exist, in the order of the keys (once each), or only the customer's. */
    const read = async (keys: ItemKey[], owned = false) => {
      const found = await this.t.getMany(keys);
      const seen = new Set<string>();
      const out: Record<string, unknown>[] = [];
      for (const k of keys) {
        const id = `${k.pk}\u0000${k.sk}`;
        const item = found.get(id);
        if (item === undefined || seen.has(id) || (owned && item['customerId'] !== customerId)) continue;
        seen.add(id);
        out.push(strip(item));
      }
      return out;
    };
    const addresses = by(customerSk.address) as { channel: AddressChannel; address: string }[];
    const profile = by(customerSk.profile)[0] ?? null;
    const identifiers = identifiersOf(customerId, profile, addresses);
    return {
      customerId,
      profile,
      addresses,
      consents: by(customerSk.consent),
      consentLedger: by(customerSk.consentLog),
      orders: by(customerSk.order),
      carts: await read(by(customerSk.cartRef).map((r) => items.cart(tenant, String(r['token']))), true),
      invoices: await read(by(customerSk.invoiceRef).map((r) => items.invoice(tenant, String(r['invoiceId']))), true),
      journeys: by(customerSk.enrolment),
      messages: by(customerSk.decision),
      conversions: by(customerSk.conversion),
      sends: by(customerSk.sendIntent),
      frequencyCap: by(customerSk.frequencyCap)[0] ?? null,
      shortLinks: await read(by(customerSk.shortLinkRef).map((r) => items.shortLink(String(r['code'])))),
      surveyAnswers: by(customerSk.score),
      cooldowns: by(customerSk.cooldown),
      dates: by(customerSk.dateIndex),
      codes: by(customerSk.codeClaim),
      staffTasks: (await this.others.listTasks(tenant)).filter((t) => t.customerId === customerId),
      suppressions: await read(identifiers.flatMap(([kind, value]) => (kind === 'customer' ? [] : [items.suppression(tenant, kind, value)]))),
      erasures: await read(identifiers.map(([kind, value]) => items.erasure(tenant, kind, value))),
    };
  }

  /**
   * RODO art. 17. First the markers, so an event dated before now and a step still running see the
   * erasure: one for the customer id and one for every address the customer is known by (and those
   * the request named), each address suppressed. Then every item of the customer's partition goes,
   * whatever its kind, but the consent ledger (proof of consent and of its withdrawal, holding no
   * contact data, expiring on its own); references on the way are followed to what lies outside
   * the partition (its send intents and frequency-cap slots go with it): the carts, invoices and
   * short links, the address references and order references. Last the customer's staff tasks.
   */
  async eraseCustomer(tenant: string, customerId: string, at: string, named: { email?: string; phone?: string } = {}): Promise<void> {
    const held = await this.customerItems(tenant, customerId);
    const profile = held.find((i) => i['sk'] === customerSk.profile) ?? null;
    const addresses = held.filter((i) => String(i['sk']).startsWith(customerSk.address)) as unknown as { channel: AddressChannel; address: string }[];
    if (named.email) addresses.push({ channel: 'email', address: named.email });
    if (named.phone) addresses.push({ channel: 'sms', address: named.phone });
    const expiresAt = this.t.expiry(at);
    for (const [kind, value] of identifiersOf(customerId, profile, addresses)) {
      await this.t.db.send(new PutCommand({ TableName: this.t.name, Item: { ...items.erasure(tenant, kind, value), kind, at, expiresAt } }));
      if (kind === 'customer') continue;
      await this.suppress(tenant, kind, value, 'erased', at);
      await this.deleteOwned(kind === 'email' ? items.emailRef(tenant, value) : items.phoneRef(tenant, value), customerId);
    }
    for (const item of held) {
      const sk = String(item['sk']);
      if (sk.startsWith(customerSk.consentLog)) continue;
      if (sk.startsWith(customerSk.cartRef)) await this.deleteOwned(items.cart(tenant, String(item['token'])), customerId);
      if (sk.startsWith(customerSk.invoiceRef)) await this.deleteOwned(items.invoice(tenant, String(item['invoiceId'])), customerId);
      if (sk.startsWith(customerSk.order)) await this.deleteOwned(items.orderRef(tenant, sk.slice(customerSk.order.length)), customerId);
      if (sk.startsWith(customerSk.shortLinkRef)) await this.t.delete(items.shortLink(String(item['code'])));
      await this.t.delete({ pk: String(item['pk']), sk });
    }
    for (const task of (await this.others.listTasks(tenant)).filter((t) => t.customerId === customerId)) await this.t.delete(items.task(tenant, task.at, task.id));
  }

  /** Deletes an item only while it is this customer's: another customer's cart, invoice or reference stays. */
  private async deleteOwned(key: ItemKey, customerId: string): Promise<void> {
    await this.t.conditional(
      new DeleteCommand({ TableName: this.t.name, Key: key, ConditionExpression: 'customerId = :c', ExpressionAttributeValues: { ':c': customerId } }),
    );
  }
}

/** Keys and index attributes are the table's, not data about the customer. */
function strip({ pk: _pk, sk: _sk, [lastOrderIndex.partitionKey]: _day, [lastOrderIndex.sortKey]: _id, ...rest }: Record<string, unknown>): Record<string, unknown> {
  return rest;
}
