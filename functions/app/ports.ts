import type { ConsentDecision, TimedConsentStatement } from '../core/consent.ts';
import type { Checkout, CustomerFacts, DomainEvent, Order, PropertyValue } from '../core/domain.ts';
import type { CartRecord, ConsentChannel, ConsentState, ConsentTopic, CustomerProfile, Decision, Enrolment, EnrolmentMark, EnrolmentStatus } from '../core/model.ts';
import type { InvoiceRecord, OrderRecord, SendClaim, ShipmentUpdate, SendIntent, SendOutcome, StaffTask, SurveyAnswer } from '../core/model.ts';
import type { FrequencyCap } from '../core/frequency-cap.ts';
import type { Conversion, Counts, StatsKey, StatsRow } from '../core/measurement.ts';
import type { AnswerChange } from '../core/survey-stats.ts';

/**
 * The storage the use cases are written against, one port per aggregate. Two backends implement
 * every port: DynamoDB (the product) and memory (unit tests, the simulator, the benchmark), held
 * to the same behaviour by one contract suite (test/contract/). Every method that a replayed event
 * could repeat is idempotent or guarded, in both.
 */

/** Whose an address is, as its reference says; `stale` when the reference is due to be written again (its TTL). */
export type AddressOwner = { customerId: string; stale: boolean };

/** What the store knows of some identifiers, read at once: whose each address is, and the latest erasure of any of them. */
export interface KnownIdentity {
  email?: AddressOwner;
  sms?: AddressOwner;
  /** The latest time data held under any of the identifiers was erased. */
  erasedAt?: string;
}

/** A consent statement with the event that carried it; `once`: it may come again under that key (a redelivery), so it is decided once. */
export type ConsentInput = TimedConsentStatement & { eventKey: string; once?: boolean };

/** Customers, their addresses and consent (current state and the append-only ledger), and what selection reads. */
export interface CustomerRepository {
  /**
   * Merges contact details into the profile, and custom attributes one by one (`null` removes one);
   * returns it as stored, or undefined when a newer write won. Writes no address reference.
   */
  upsertCustomer(tenant: string, customerId: string, contact: CustomerFacts, at: string): Promise<CustomerProfile | undefined>;
  /**
   * Looks the identifiers up: the e-mail's and the phone's references and the erasure markers of
   * both addresses and of the given customer ids. Addresses are matched through the one normaliser.
   */
  identify(tenant: string, ids: { email?: string; phone?: string; customerIds?: readonly string[] }, at: string): Promise<KnownIdentity>;
  /**
   * Gives an address to a customer: its reference (written when absent, refreshed when it is the
   * customer's already, never taken from another customer) and the customer's own record of it.
   * False, and nothing written, when the address is another customer's.
   */
  linkAddress(tenant: string, customerId: string, channel: ConsentChannel, address: string, at: string): Promise<boolean>;
  getCustomer(tenant: string, customerId: string): Promise<CustomerProfile | undefined>;
  /** A journey's update node: sets declared attributes and adds a tag (once) on an existing profile; false when there is none. */
  updateProfile(tenant: string, customerId: string, change: { attributes?: Record<string, string | number | boolean>; tag?: string }, at: string): Promise<boolean>;
  /**
   * Decides with core/consent.ts (`nextConsent`, at `receivedAt` on the engine's clock) and moves
   * the current state when the statement applies, by a write conditional on the state it read (a
   * concurrent change makes it decide again); appends the statement to the ledger with the
   * decision and its reason, applied or not (once per time and event key).
   */
  recordConsent(tenant: string, customerId: string, channel: ConsentChannel, topic: ConsentTopic, statement: ConsentInput, receivedAt: Date): Promise<ConsentDecision>;
  getConsent(tenant: string, customerId: string, channel: ConsentChannel, topic: ConsentTopic): Promise<ConsentState | undefined>;
  /** Customers whose last order fell on `day` (YYYY-MM-DD), a page at a time. */
  customersByLastOrderDay(tenant: string, day: string, cursor?: Record<string, unknown>): Promise<{ items: CustomerProfile[]; cursor?: Record<string, unknown> }>;
  /**
   * Files the customer under the month and day (MM-DD) of a date attribute (YYYY-MM-DD), or takes
   * them out of it (`undefined`): one entry per customer and attribute, the latest date given.
   * With `whileProfileAt`, only while the profile is on file as last updated then (a date run
   * refreshing an entry must not write one back for a customer erased since it read the profile).
   */
  fileDate(tenant: string, customerId: string, attribute: string, date: string | undefined, at: string, whileProfileAt?: string): Promise<void>;
  /** Customers filed under a date attribute's month and day (MM-DD), a page of ids at a time. */
  customersByDate(tenant: string, attribute: string, monthDay: string, cursor?: Record<string, unknown>): Promise<{ items: string[]; cursor?: Record<string, unknown> }>;
  /** Takes a journey's re-entry cool-down; false while an earlier one runs (one taken at `now` itself is the same, taken again). */
  claimCooldown(tenant: string, customerId: string, journey: string, now: string, until: string): Promise<boolean>;
  /**
   * Records an answer of a customer with a profile, and the latest of its kind on the profile
   * (`lastScore` for NPS, `lastCsat` for CSAT); nothing for one without a profile (an erased customer).
   */
  recordScore(tenant: string, customerId: string, answer: SurveyAnswer): Promise<void>;
}

/** What journeys are about: carts, orders and invoices. */
export interface SubjectRepository {
  putCart(tenant: string, customerId: string | undefined, checkout: Checkout, at: string): Promise<'stored' | 'stale' | 'ordered'>;
  getCart(tenant: string, token: string): Promise<CartRecord | undefined>;
  markCartOrdered(tenant: string, token: string, orderId: string, at: string): Promise<void>;
  /** False when the order was already stored (a replay); the tombstone of an earlier cancellation is filled in and keeps its status. */
  putOrder(tenant: string, customerId: string, order: Order, at: string): Promise<boolean>;
  findOrderOwner(tenant: string, orderId: string): Promise<string | undefined>;
  /** Keeps an event about an order nobody owns yet, once per key; listed in time order when the order comes, dropped once applied. */
  parkOrderEvent(tenant: string, orderId: string, parked: ParkedOrderEvent): Promise<void>;
  parkedOrderEvents(tenant: string, orderId: string): Promise<ParkedOrderEvent[]>;
  dropParkedOrderEvent(tenant: string, orderId: string, parked: Pick<ParkedOrderEvent, 'at' | 'key'>): Promise<void>;
  getOrder(tenant: string, customerId: string, orderId: string): Promise<OrderRecord | undefined>;
  markOrder(tenant: string, customerId: string, orderId: string, status: 'cancelled' | 'refunded', at: string): Promise<void>;
  /**
   * Records a fulfilment on the order: `fulfilledAt` or `deliveredAt` keeps the first time reported
   * (a redelivery or a later update moves nothing), the tracking link is the latest given. A
   * tombstone when the order is not known yet, filled in by it.
   */
  recordShipment(tenant: string, customerId: string, orderId: string, shipment: ShipmentUpdate): Promise<void>;
  /** 'paid' when the invoice was paid before its failure arrived. */
  recordInvoiceFailure(tenant: string, invoice: Omit<InvoiceRecord, 'status' | 'updatedAt'>, at: string): Promise<'open' | 'paid'>;
  markInvoicePaid(tenant: string, invoiceId: string, at: string): Promise<void>;
  getInvoice(tenant: string, invoiceId: string): Promise<InvoiceRecord | undefined>;
}

/** An event kept for an order not known yet (`at`: its time on the engine's clock); it carried no customer. */
export type ParkedOrderEvent = { key: string; at: string; event: DomainEvent };

/** Journey enrolments, and each step's send: its intent, claimed at most once, and its outcome. */
export interface EnrolmentRepository {
  /** False when the enrolment exists. */
  createEnrolment(tenant: string, customerId: string, enrolment: Omit<Enrolment, 'status'>): Promise<boolean>;
  getEnrolment(tenant: string, customerId: string, journey: string, enrolKey: string): Promise<Enrolment | undefined>;
  /** The customer's active enrolments in one journey, or in every journey when none is named. */
  activeEnrolments(tenant: string, customerId: string, journey?: string): Promise<Enrolment[]>;
  /**
   * Records a graph walk's marks on an active enrolment (a split's arm, holdout membership, the
   * waitFor it waits at). With `expectAwaiting`, only while it still waits at that node: the
   * awaited event and the timeout race, and the one whose write lands acts. False when nothing was written.
   */
  markEnrolment(tenant: string, customerId: string, journey: string, enrolKey: string, mark: EnrolmentMark, expectAwaiting?: string): Promise<boolean>;
  /** active → the given end state; false (and no change) from any other state. */
  endEnrolment(tenant: string, customerId: string, journey: string, enrolKey: string, status: Exclude<EnrolmentStatus, 'active'>, reason: string, at: string): Promise<boolean>;
  /**
   * Writes the intent of a send (under the customer, once per execution × step) before the provider
   * is called and, for marketing (`cap` given), takes a slot in the customer's frequency window in
   * the same conditional write: `capped` when the window is full (nothing written), `exists` with
   * the earlier run's intent when this step was claimed before.
   */
  claimSend(tenant: string, customerId: string, intent: SendIntent, cap?: FrequencyCap): Promise<SendClaim>;
  /** Writes the outcome of a claimed intent (the first outcome stays); `refused` gives the send's slot back. */
  completeSend(tenant: string, customerId: string, executionName: string, stepId: string, outcome: SendOutcome): Promise<void>;
  /** Deletes a claimed intent (never a completed one) and gives its slot back: nothing went out, the retry may send. */
  releaseSend(tenant: string, customerId: string, executionName: string, stepId: string): Promise<void>;
}

/** Suppression, the decision log, links and the data-subject rights that span every aggregate. */
export interface ComplianceRepository {
  suppress(tenant: string, channel: 'email' | 'sms', address: string, reason: string, at: string): Promise<void>;
  isSuppressed(tenant: string, channel: 'email' | 'sms', address: string): Promise<boolean>;
  /** Logs a decision once per time, execution and step; false when that one was logged before. */
  recordDecision(tenant: string, customerId: string, decision: Decision): Promise<boolean>;
  listDecisions(tenant: string, customerId: string): Promise<Decision[]>;
  /** A short link standing for the customer's signed token, expiring with it. */
  putShortLink(tenant: string, customerId: string, code: string, token: string, expiresAt: number): Promise<void>;
  getShortLink(code: string): Promise<string | undefined>;
  /** Everything held on the customer, by kind, and the erasure markers and suppressions of their identifiers. */
  exportCustomer(tenant: string, customerId: string): Promise<Record<string, unknown>>;
  /**
   * Marks the customer and every address they are known by (and `named`) as erased at `at`, suppresses
   * those addresses, then deletes everything held on the customer except the consent ledger.
   */
  eraseCustomer(tenant: string, customerId: string, at: string, named?: { email?: string; phone?: string }): Promise<void>;
}

/**
 * An attempt's hold on an event key (or on a scheduled run), a lease: `processing` until the lease
 * runs out, `done` once every effect is applied (then kept 8 days as the duplicate check).
 * - `claimed`: this attempt holds the lease (`lease` identifies it); `since` is when the key was first
 *   claimed, kept when an expired lease is taken over, so a re-applied event is applied as of then.
 * - `processing`: another attempt's lease runs until `until` (ISO time): retry after it.
 * - `done`: applied before, a duplicate.
 * - `absent`: nothing was claimed (only when asked to resume, which never claims a new key).
 */
export type EventClaim = { state: 'claimed'; lease: string; since: string } | { state: 'processing'; until: string } | { state: 'done' } | { state: 'absent' };

/** Running the engine: event claims, rate limits, the SMS cap, staff tasks. */
export interface OperationsRepository {
  /**
   * Leases an event key for `leaseSeconds`: a new key, one whose claim expired (8 days after it was
   * done) or one whose lease ran out (its attempt crashed) is claimed; `resume` takes over only a
   * lease that ran out and never claims a new key.
   */
  claimEvent(tenant: string, eventKey: string, now: Date, leaseSeconds: number, options?: { resume?: boolean }): Promise<EventClaim>;
  /** processing → done: every effect is applied; a duplicate from now on, for 8 days. */
  completeEvent(tenant: string, eventKey: string, now: Date): Promise<void>;
  /** Gives the lease back after a failure, so the platform's retry is applied at once; only while `lease` holds it. */
  releaseEvent(tenant: string, eventKey: string, lease: string): Promise<void>;
  /** Takes `n` from a one-minute window of `limit`; false when fewer than `n` are left. */
  takeRate(bucket: string, window: number, limit: number, n?: number): Promise<boolean>;
  /** Counts a paid SMS's billed parts against the day's cap; false (nothing counted) when they do not fit. */
  countSms(tenant: string, day: string, cap: number, parts: number): Promise<boolean>;
  /** False when the task exists. */
  createTask(tenant: string, task: StaffTask): Promise<boolean>;
  listTasks(tenant: string): Promise<StaffTask[]>;
  /** open → done, recording when; false (and no change) when there is no such task or it is done already. */
  completeTask(tenant: string, at: string, taskId: string, doneAt: string): Promise<boolean>;
}

/**
 * What journeys achieved: each customer's conversions (held under the customer, exported and erased
 * with them) and each journey's counters (no personal data), kept as atomic additions under one
 * partition per shop and journey, so a journey's stats are one read. A counter is added to where its
 * fact is recorded for the first time, so a retried request never counts twice (a request that dies
 * between the fact and its count loses that count: counting is at most once).
 */
export interface StatsRepository {
  /**
   * Records a conversion under its customer, once per journey and subject (order or invoice), and adds
   * it to the journey's counters (converted, revenue) in the same write: false, and nothing counted,
   * when it was recorded before.
   */
  recordConversion(tenant: string, customerId: string, conversion: Conversion): Promise<boolean>;
  /** The customer's conversions, by journey and subject. */
  listConversions(tenant: string, customerId: string): Promise<Conversion[]>;
  /**
   * Takes a conversion's revenue back (its order was cancelled or refunded), from the conversion and
   * from the counters of its day, in the same write; false when it was taken back before or is unknown.
   */
  reverseConversion(tenant: string, customerId: string, journey: string, subject: string, at: string, by: 'order.cancelled' | 'order.refunded'): Promise<boolean>;
  /** Adds `counts` to the journey's counter item at `key` (created at zero when absent). */
  addCounts(tenant: string, journey: string, key: StatsKey, counts: Counts): Promise<void>;
  /** Every counter item of one journey (one query). */
  journeyCounters(tenant: string, journey: string): Promise<StatsRow[]>;
  /**
   * Records on an enrolment the journey graph's edges (`from>to`) a walk went along, each once per
   * enrolment, and, when given, the edges it goes along next (`pending`: out of the wait it stops
   * at); then adds the edges recorded now to the journey's counters at `key` (`edge:{from}>{to}`),
   * the fact first and its count after, as every counter. `known` is what the enrolment held when
   * the walk read it. Returns the edges counted now: none that were recorded before (a retried
   * walk), none for an enrolment that is gone (erased), which is not written again.
   */
  passEdges(tenant: string, customerId: string, journey: string, enrolKey: string, walk: EdgeWalk, key: StatsKey): Promise<string[]>;
  /**
   * Puts a survey answer on its enrolment as the current one to its question, if the one there is
   * still `change.previous` (none yet, when absent), and moves the journey's counters in the same
   * write (core/survey-stats.ts answerCounts). False, and nothing written, when the enrolment is gone
   * or holds another answer by now: read it again.
   */
  countAnswer(tenant: string, customerId: string, journey: string, enrolKey: string, change: AnswerChange): Promise<boolean>;
}

/** What a journey graph's walk went along, and what it will go along when it goes on. */
export type EdgeWalk = { edges: readonly string[]; known: readonly string[]; pending?: readonly string[] };

/** What a journey step decides on, read at once (one request on DynamoDB). */
export interface StepContextReader {
  stepContext(tenant: string, customerId: string, journey: string, enrolKey: string, subject: 'cart' | 'order' | 'invoice' | undefined): Promise<StepContext>;
}

/**
 * What a step reads: the subject only when it is this customer's (a platform may reuse a cart
 * token for someone else), and when the customer was last erased.
 */
export interface StepContext {
  enrolment?: Enrolment;
  customer?: CustomerProfile;
  consent: Record<ConsentChannel, ConsentState | undefined>;
  subject?: Record<string, unknown>;
  erasedAt?: string;
}

/**
 * Unique discount codes a shop loads into named pools (`POST /v1/code-pools/{pool}`), each given
 * to one enrolment at most by a journey's `code` node.
 */
export interface CodePoolRepository {
  /** Adds codes at the end of the pool, in the order given; a code the pool has held (given or not) is skipped, a duplicate. */
  loadCodes(tenant: string, pool: string, codes: readonly string[], at: string): Promise<{ added: number; duplicates: number }>;
  /** How many codes the pool was loaded with, how many claims took one, and how many are left. */
  codePool(tenant: string, pool: string): Promise<{ loaded: number; claimed: number; left: number }>;
  /**
   * Gives the pool's next code to a claim (an execution's node, kept under its customer, so exported
   * and erased with them), or the code that claim was given before; never one given to another
   * claim. `empty` when none is left. A claim that dies after taking its number and before keeping
   * it leaves that code unused: a code may be skipped, never given twice.
   */
  claimCode(tenant: string, pool: string, claim: CodeClaim): Promise<{ code: string } | { empty: true }>;
}

export type CodeClaim = { customerId: string; executionName: string; node: string; at: string };

/** Every repository port: what a backend provides. */
export type StateStore = CustomerRepository & SubjectRepository & EnrolmentRepository & ComplianceRepository & OperationsRepository & StepContextReader & StatsRepository & CodePoolRepository;

/** Sending e-mail (SES v2 on AWS, the SES emulator locally). */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  headers: { name: string; value: string }[];
  tags: Record<string, string>;
}

/** Raised for a message the provider will never accept (bad address, rejected content). */
export class PermanentSendError extends Error {
  override name = 'PermanentSendError';
}

export interface Mailer {
  send(message: EmailMessage): Promise<{ messageId: string | undefined }>;
}

/** Sending SMS (End User Messaging SMS on AWS, the local outbox). */
export interface SmsMessage {
  to: string;
  text: string;
  kind: 'marketing' | 'service';
  tags: Record<string, string>;
}

export interface SmsSender {
  send(message: SmsMessage): Promise<{ messageId: string | undefined }>;
}

/** Business events other systems may react to (a helpdesk picking up call tasks). */
export interface EventPublisher {
  taskCreated(task: StaffTask): Promise<void>;
}

/** What a journey execution starts with (Step Functions on AWS, the embedded engine locally). */
export interface JourneyInput {
  version: 1;
  tenant: string;
  customerId: string;
  journey: string;
  key: string;
  /** When the first step is due, already moved into sending hours for marketing steps. */
  firstAt: string;
  /**
   * A catalogue event's declared properties that are not personal, for the journey's conditions.
   * Small (the ingest caps every event's properties); personal ones never travel in an execution's
   * input, which Step Functions keeps beyond the engine's reach.
   */
  properties?: Record<string, PropertyValue>;
  /** A journey graph's continuation after an awaited event: the node it starts at. */
  entry?: string;
}

/** Starts and stops journey executions; names are deterministic, so a second start of the same trigger is a no-op. */
export interface JourneyRunner {
  start(journey: string, executionName: string, input: JourneyInput): Promise<'started' | 'exists'>;
  stop(journey: string, executionName: string, reason: string): Promise<void>;
}

/** A journey's webhook node: one signed POST to the shop's endpoint. */
export interface WebhookCaller {
  /** Throws when no answer came (the step is retried); any HTTP answer is returned. */
  post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }>;
}
