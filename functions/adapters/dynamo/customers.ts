import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AddressOwner, ConsentInput, CustomerRepository, KnownIdentity } from '../../app/ports.ts';
import { type ConsentDecision, consentLedgerEntry, nextConsent, recentKeys } from '../../core/consent.ts';
import type { CustomerFacts, Order } from '../../core/domain.ts';
import { normaliseAddress } from '../../core/identity.ts';
import type { ConsentChannel, ConsentState, ConsentTopic, CustomerProfile, SurveyAnswer } from '../../core/model.ts';
import { epoch, isConditionFailure, type Table } from './base.ts';
import { type ItemKey, items, lastOrderIndex } from './keys.ts';

/** An older event replayed late must not overwrite newer contact details. */
const NOT_OLDER = '(attribute_not_exists(#updatedAt) OR #updatedAt <= :at)';

/** Rounds of merging attributes against another event creating the map at the same moment. */
const ATTRIBUTE_WRITE_ATTEMPTS = 3;

interface ProfileWrite {
  sets: string[];
  removes: string[];
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/** How often a consent statement decides again after a concurrent change before giving up (the event is then retried). */
const CONSENT_WRITE_ATTEMPTS = 10;

/** The state is written only over the one it was decided on: none, a given version, or one stored before versions. */
function versionCondition(current: ConsentState | undefined) {
  if (!current) return { ConditionExpression: 'attribute_not_exists(pk)' };
  if (current.version === undefined) return { ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#v)', ExpressionAttributeNames: { '#v': 'version' } };
  return { ConditionExpression: '#v = :v', ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': current.version } };
}

/** Customers on DynamoDB: the profile, address references, consent and its ledger, cool-downs, scores (the date index is dates.ts). */
export class DynamoCustomers implements Omit<CustomerRepository, 'fileDate' | 'customersByDate'> {
  constructor(private readonly t: Table) {}

  /**
   * Two conditional updates at most: attributes (their map made first when missing), then the tag,
   * added once. True when the profile exists (a tag it has already is no change, still true).
   */
  async updateProfile(tenant: string, customerId: string, change: { attributes?: Record<string, string | number | boolean>; tag?: string }, at: string): Promise<boolean> {
    const Key = items.profile(tenant, customerId);
    const entries = Object.entries(change.attributes ?? {});
    let exists: boolean | undefined;
    if (entries.length > 0) {
      await this.t.conditional(
        new UpdateCommand({ TableName: this.t.name, Key, UpdateExpression: 'SET #attributes = if_not_exists(#attributes, :empty)', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeNames: { '#attributes': 'attributes' }, ExpressionAttributeValues: { ':empty': {} } }),
      );
      const names: Record<string, string> = { '#attributes': 'attributes' };
      const values: Record<string, unknown> = { ':exp': this.t.expiry(at) };
      entries.forEach(([k, v], i) => {
        names[`#a${i}`] = k;
        values[`:a${i}`] = v;
      });
      exists = await this.t.conditional(
        new UpdateCommand({
          TableName: this.t.name,
          Key,
          UpdateExpression: `SET ${entries.map((_, i) => `#attributes.#a${i} = :a${i}`).join(', ')}, expiresAt = :exp`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      if (!exists) return false;
    }
    if (change.tag) {
      const added = await this.t.conditional(
        new UpdateCommand({
          TableName: this.t.name,
          Key,
          UpdateExpression: 'SET tags = list_append(if_not_exists(tags, :none), :tag)',
          ConditionExpression: 'attribute_exists(pk) AND NOT contains(tags, :t)',
          ExpressionAttributeValues: { ':none': [], ':tag': [change.tag], ':t': change.tag },
        }),
      );
      // Refused: the tag is there already, or there is no profile.
      exists ??= added || (await this.t.get(Key)) !== undefined;
    }
    return exists ?? (await this.t.get(Key)) !== undefined;
  }

  /**
   * Merges contact details into the profile, custom attributes member by member (one the event does
   * not name stays; `null` removes one); returns the profile as stored, or undefined when a newer one won.
   */
  async upsertCustomer(tenant: string, customerId: string, contact: CustomerFacts, at: string): Promise<CustomerProfile | undefined> {
    const fields: Record<string, unknown> = {
      customerId,
      email: contact.email,
      phone: contact.phone,
      firstName: contact.firstName,
      locale: contact.locale,
      preferredChannel: contact.preferredChannel,
      timeZone: contact.timeZone,
    };
    const base: ProfileWrite = { sets: ['#updatedAt = :at', '#createdAt = if_not_exists(#createdAt, :at)', 'expiresAt = :exp'], removes: [], names: { '#updatedAt': 'updatedAt', '#createdAt': 'createdAt' }, values: { ':at': at, ':exp': this.t.expiry(at) } };
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      base.names[`#${k}`] = k;
      base.values[`:${k}`] = v;
      base.sets.push(`#${k} = :${k}`);
    }
    const key = items.profile(tenant, customerId);
    const given = Object.entries(contact.attributes ?? {});
    if (given.length === 0) return this.writeProfile(key, base, NOT_OLDER);
    // A member of a map that is not there yet cannot be set: the first attributes make the map whole.
    const members: ProfileWrite = { sets: [...base.sets], removes: [], names: { ...base.names, '#attrs': 'attributes' }, values: { ...base.values } };
    given.forEach(([name, value], i) => {
      members.names[`#a${i}`] = name;
      if (value === null) members.removes.push(`#attrs.#a${i}`);
      else {
        members.values[`:a${i}`] = value;
        members.sets.push(`#attrs.#a${i} = :a${i}`);
      }
    });
    const whole: ProfileWrite = {
      sets: [...base.sets, '#attrs = :attrs'],
      removes: [],
      names: { ...base.names, '#attrs': 'attributes' },
      values: { ...base.values, ':attrs': Object.fromEntries(given.filter(([, v]) => v !== null)) },
    };
    for (let attempt = 0; attempt < ATTRIBUTE_WRITE_ATTEMPTS; attempt++) {
      const merged = await this.writeProfile(key, members, `${NOT_OLDER} AND attribute_exists(#attrs)`);
      if (merged) return merged;
      const made = await this.writeProfile(key, whole, `${NOT_OLDER} AND attribute_not_exists(#attrs)`);
      if (made) return made;
      // Neither held: a newer event won, or another made the map in between (then merge into it).
      const stored = await this.t.get<CustomerProfile>(key);
      if (stored && stored.updatedAt > at) return undefined;
    }
    throw new Error(`profile attributes: ${ATTRIBUTE_WRITE_ATTEMPTS} attempts met concurrent writes`);
  }

  /** One conditional update of the profile; undefined when its condition did not hold. */
  private async writeProfile(key: ItemKey, w: ProfileWrite, condition: string): Promise<CustomerProfile | undefined> {
    try {
      const out = await this.t.db.send(
        new UpdateCommand({
          TableName: this.t.name,
          Key: key,
          UpdateExpression: `SET ${w.sets.join(', ')}${w.removes.length > 0 ? ` REMOVE ${w.removes.join(', ')}` : ''}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: w.names,
          ExpressionAttributeValues: w.values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes as CustomerProfile | undefined;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      return undefined;
    }
  }

  /** Both references and every erasure marker asked about, in one consistent BatchGetItem. */
  async identify(tenant: string, ids: { email?: string; phone?: string; customerIds?: readonly string[] }, at: string): Promise<KnownIdentity> {
    const refs: [ConsentChannel, ItemKey][] = [];
    const markers: ItemKey[] = (ids.customerIds ?? []).map((id) => items.erasure(tenant, 'customer', id));
    if (ids.email) {
      refs.push(['email', items.emailRef(tenant, ids.email)]);
      markers.push(items.erasure(tenant, 'email', ids.email));
    }
    if (ids.phone) {
      refs.push(['sms', items.phoneRef(tenant, ids.phone)]);
      markers.push(items.erasure(tenant, 'sms', ids.phone));
    }
    if (refs.length + markers.length === 0) return {};
    const found = await this.t.getMany([...refs.map(([, k]) => k), ...markers]);
    const pick = (k: ItemKey) => found.get(`${k.pk}\u0000${k.sk}`);
    const known: KnownIdentity = {};
    for (const [channel, key] of refs) {
      const ref = pick(key);
      if (ref) known[channel] = this.owner(ref, at);
    }
    for (const key of markers) {
      const erasedAt = pick(key)?.['at'];
      if (typeof erasedAt === 'string' && (known.erasedAt === undefined || erasedAt > known.erasedAt)) known.erasedAt = erasedAt;
    }
    return known;
  }

  /** A reference is written again once a month has gone by, so it lives as long as the contact that uses it. */
  private owner(ref: Record<string, unknown>, at: string): AddressOwner {
    return { customerId: String(ref['customerId']), stale: !(Number(ref['expiresAt']) >= this.t.expiry(at) - 30 * 86_400) };
  }

  /** The reference only when absent or the customer's own (never taken over), then the customer's record of the address. */
  async linkAddress(tenant: string, customerId: string, channel: ConsentChannel, address: string, at: string): Promise<boolean> {
    const expiresAt = this.t.expiry(at);
    const linked = await this.t.conditional(
      new PutCommand({
        TableName: this.t.name,
        Item: { ...(channel === 'email' ? items.emailRef(tenant, address) : items.phoneRef(tenant, address)), customerId, expiresAt },
        ConditionExpression: 'attribute_not_exists(pk) OR customerId = :c',
        ExpressionAttributeValues: { ':c': customerId },
      }),
    );
    if (!linked) return false;
    await this.t.db.send(
      new PutCommand({ TableName: this.t.name, Item: { ...items.address(tenant, customerId, channel, address), channel, address: normaliseAddress(channel, address), at, expiresAt } }),
    );
    return true;
  }

  async getCustomer(tenant: string, customerId: string): Promise<CustomerProfile | undefined> {
    return this.t.get<CustomerProfile>(items.profile(tenant, customerId));
  }

  /**
   * Read, decide (core/consent.ts), then a put conditional on the version read: a statement that
   * raced another decides again on what the other wrote, so no interleaving lets an echo undo a
   * withdrawal. A state that moves is written with its ledger entry in one transaction; a refused
   * statement writes its ledger entry alone. A statement the state remembers is not decided again.
   */
  async recordConsent(tenant: string, customerId: string, channel: ConsentChannel, topic: ConsentTopic, statement: ConsentInput, receivedAt: Date): Promise<ConsentDecision> {
    const key = items.consent(tenant, customerId, channel, topic);
    for (let attempt = 1; ; attempt++) {
      const current = await this.t.get<ConsentState>(key);
      const decision = nextConsent(current, statement, receivedAt);
      if (decision.reason === 'already_applied') return decision;
      const ledger = {
        ...items.consentLog(tenant, customerId, channel, topic, decision.at, statement.eventKey),
        ...consentLedgerEntry(channel, topic, statement, receivedAt, decision),
        expiresAt: this.t.expiry(decision.at),
      };
      if (!decision.applied) {
        await this.t.putIfAbsent(ledger);
        return decision;
      }
      // The state and its ledger line together: a crash between them would leave a state whose
      // statement is remembered (and so never decided again) with no line in the ledger.
      const refused = await this.t.transact([
        {
          Put: {
            TableName: this.t.name,
            Item: { ...key, channel, topic, ...decision.state, version: (current?.version ?? 0) + 1, ...recentKeys(current, statement), expiresAt: this.t.expiry(decision.state.at) },
            ...versionCondition(current),
          },
        },
        { Put: { TableName: this.t.name, Item: ledger } },
      ]);
      if (!refused) return decision;
      if (attempt >= CONSENT_WRITE_ATTEMPTS) throw new Error(`consent state changed under ${attempt} attempts to record a statement`);
    }
  }

  async getConsent(tenant: string, customerId: string, channel: ConsentChannel, topic: ConsentTopic): Promise<ConsentState | undefined> {
    return this.t.get<ConsentState>(items.consent(tenant, customerId, channel, topic));
  }

  /** Customers whose last order fell on `day` (YYYY-MM-DD), a page at a time. */
  async customersByLastOrderDay(tenant: string, day: string, cursor?: Record<string, unknown>): Promise<{ items: CustomerProfile[]; cursor?: Record<string, unknown> }> {
    const out = await this.t.db.send(
      new QueryCommand({
        TableName: this.t.name,
        IndexName: lastOrderIndex.name,
        KeyConditionExpression: `${lastOrderIndex.partitionKey} = :day`,
        ExpressionAttributeValues: { ':day': lastOrderIndex.day(tenant, day) },
        ExclusiveStartKey: cursor,
        Limit: 500,
      }),
    );
    return { items: (out.Items ?? []) as CustomerProfile[], cursor: out.LastEvaluatedKey };
  }

  /**
   * RFM facts of a new order on the profile, as the update the order's own write goes with (one
   * transaction: an order is counted exactly when it is stored, whatever crashes in between).
   */
  orderStatsUpdate(tenant: string, customerId: string, order: Order, at: string) {
    const spent = order.currency === 'PLN' ? Number(order.total) : 0;
    return {
      TableName: this.t.name,
      Key: items.profile(tenant, customerId),
      // A profile the order creates expires as a contact's would; a contact's update moves it on.
      UpdateExpression: 'SET customerId = :c, #updatedAt = if_not_exists(#updatedAt, :at), expiresAt = if_not_exists(expiresAt, :exp) ADD orderCount :one, spentPln :spent',
      ExpressionAttributeNames: { '#updatedAt': 'updatedAt' },
      ExpressionAttributeValues: { ':c': customerId, ':at': at, ':exp': this.t.expiry(at), ':one': 1, ':spent': spent },
    };
  }

  /** The last-order day moves the customer in the sparse win-back index, only forward (so a replay changes nothing). */
  async recordLastOrder(tenant: string, customerId: string, at: string): Promise<void> {
    await this.t.conditional(
      new UpdateCommand({
        TableName: this.t.name,
        Key: items.profile(tenant, customerId),
        UpdateExpression: `SET lastOrderAt = :at, ${lastOrderIndex.partitionKey} = :day, ${lastOrderIndex.sortKey} = :c`,
        ConditionExpression: 'attribute_not_exists(lastOrderAt) OR lastOrderAt < :at',
        ExpressionAttributeValues: { ':at': at, ':day': lastOrderIndex.day(tenant, at.slice(0, 10)), ':c': customerId },
      }),
    );
  }

  /** Holds a customer out of a journey until `until`; false while an earlier hold (taken at another time) lasts. */
  async claimCooldown(tenant: string, customerId: string, journey: string, now: string, until: string): Promise<boolean> {
    return this.t.conditional(
      new PutCommand({
        TableName: this.t.name,
        // Nothing to hold once `until` has passed.
        Item: { ...items.cooldown(tenant, customerId, journey), until, at: now, expiresAt: epoch(new Date(until)) },
        // A hold taken at this very time is the same enrolment applied again after a crash: still ours.
        ConditionExpression: 'attribute_not_exists(pk) OR #until <= :now OR #at = :now',
        ExpressionAttributeNames: { '#until': 'until', '#at': 'at' },
        ExpressionAttributeValues: { ':now': now },
      }),
    );
  }

  /**
   * A survey answer, as the latest score of its kind on the profile and kept on the customer. Only on
   * a profile that exists: an answer racing an erasure must not bring a profile back.
   */
  async recordScore(tenant: string, customerId: string, answer: SurveyAnswer): Promise<void> {
    const [score, at] = answer.question === 'csat' ? ['lastCsat', 'lastCsatAt'] : ['lastScore', 'lastScoreAt'];
    const onProfile = await this.t.conditional(
      new UpdateCommand({
        TableName: this.t.name,
        Key: items.profile(tenant, customerId),
        UpdateExpression: `SET ${score} = :s, ${at} = :at`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':s': answer.score, ':at': answer.at },
      }),
    );
    if (onProfile) await this.t.putIfAbsent({ ...items.score(tenant, customerId, answer.at, answer.journey, answer.subject, answer.question), ...answer, expiresAt: this.t.expiry(answer.at) });
  }
}
