import type { CodeClaim, ConsentInput, EdgeWalk, EventClaim, KnownIdentity, ParkedOrderEvent, StateStore, StepContext } from '../../app/ports.ts';
import type { ConsentDecision } from '../../core/consent.ts';
import type { Checkout, CustomerFacts, Order } from '../../core/domain.ts';
import type {
  CartRecord,
  ConsentChannel,
  ConsentState,
  ConsentTopic,
  CustomerProfile,
  Decision,
  Enrolment,
  EnrolmentStatus,
  InvoiceRecord,
  OrderRecord,
  SendClaim,
  SendIntent,
  SendOutcome,
  ShipmentUpdate,
  StaffTask,
  SurveyAnswer,
} from '../../core/model.ts';
import type { FrequencyCap } from '../../core/frequency-cap.ts';
import { type Conversion, type Counts, counter, type StatsKey, type StatsRow } from '../../core/measurement.ts';
import { MemoryCodePools } from './code-pools.ts';
import { type AnswerChange, answerCounts, answerField } from '../../core/survey-stats.ts';
import { MemoryCompliance } from './compliance.ts';
import { MemoryCustomers } from './customers.ts';
import { MemoryEnrolments } from './enrolments.ts';
import { MemoryOperations } from './operations.ts';
import { MemoryStats } from './stats.ts';
import { MemorySubjects } from './subjects.ts';

/**
 * Every storage port in memory, one module per aggregate, with the DynamoDB backend's behaviour
 * (test/contract/ holds the two to it): the same conditions, orders, pages and copies. Nothing
 * expires by itself (as before DynamoDB's TTL sweep reaches an item); methods whose conditions
 * read `expiresAt` treat an expired item as gone, as there.
 */
export class MemoryStore implements StateStore {
  private readonly customers: MemoryCustomers;
  private readonly subjects: MemorySubjects;
  private readonly enrolments: MemoryEnrolments;
  private readonly compliance: MemoryCompliance;
  private readonly operations: MemoryOperations;
  private readonly stats: MemoryStats;
  private readonly codes: MemoryCodePools;

  /** @param retentionDays how far ahead `expiresAt` is set on marketing data, as on DynamoDB. @default 3 years */
  constructor(readonly retentionDays = 1095) {
    this.customers = new MemoryCustomers(retentionDays);
    this.subjects = new MemorySubjects(this.customers, retentionDays);
    this.enrolments = new MemoryEnrolments(retentionDays);
    this.operations = new MemoryOperations(retentionDays);
    this.stats = new MemoryStats(retentionDays);
    this.codes = new MemoryCodePools(retentionDays);
    this.compliance = new MemoryCompliance(
      { customers: this.customers, subjects: this.subjects, enrolments: this.enrolments, operations: this.operations, stats: this.stats, codes: this.codes },
      retentionDays,
    );
  }

  async stepContext(tenant: string, customerId: string, journey: string, enrolKey: string, subject: 'cart' | 'order' | 'invoice' | undefined): Promise<StepContext> {
    const about =
      subject === 'cart'
        ? await this.subjects.getCart(tenant, enrolKey)
        : subject === 'order'
          ? await this.subjects.getOrder(tenant, customerId, enrolKey)
          : subject === 'invoice'
            ? await this.subjects.getInvoice(tenant, enrolKey)
            : undefined;
    // A cart or invoice held by another customer is no subject of this one's.
    const owned = subject === 'order' || (about as { customerId?: string } | undefined)?.customerId === customerId;
    return {
      enrolment: await this.enrolments.getEnrolment(tenant, customerId, journey, enrolKey),
      customer: await this.customers.getCustomer(tenant, customerId),
      consent: {
        email: await this.customers.getConsent(tenant, customerId, 'email', 'marketing'),
        sms: await this.customers.getConsent(tenant, customerId, 'sms', 'marketing'),
      },
      subject: owned ? (about as Record<string, unknown> | undefined) : undefined,
      erasedAt: this.customers.erasuresOf(tenant, [['customer', customerId]])[0]?.['at'] as string | undefined,
    };
  }

  // Customers
  upsertCustomer(tenant: string, customerId: string, contact: CustomerFacts, at: string): Promise<CustomerProfile | undefined> {
    return this.customers.upsertCustomer(tenant, customerId, contact, at);
  }
  identify(tenant: string, ids: { email?: string; phone?: string; customerIds?: readonly string[] }, at: string): Promise<KnownIdentity> {
    return this.customers.identify(tenant, ids, at);
  }
  linkAddress(tenant: string, customerId: string, channel: ConsentChannel, address: string, at: string): Promise<boolean> {
    return this.customers.linkAddress(tenant, customerId, channel, address, at);
  }
  getCustomer(tenant: string, customerId: string): Promise<CustomerProfile | undefined> {
    return this.customers.getCustomer(tenant, customerId);
  }
  recordConsent(tenant: string, customerId: string, channel: ConsentChannel, topic: ConsentTopic, statement: ConsentInput, receivedAt: Date): Promise<ConsentDecision> {
    return this.customers.recordConsent(tenant, customerId, channel, topic, statement, receivedAt);
  }
  getConsent(tenant: string, customerId: string, channel: ConsentChannel, topic: ConsentTopic): Promise<ConsentState | undefined> {
    return this.customers.getConsent(tenant, customerId, channel, topic);
  }
  customersByLastOrderDay(tenant: string, day: string, cursor?: Record<string, unknown>): Promise<{ items: CustomerProfile[]; cursor?: Record<string, unknown> }> {
    return this.customers.customersByLastOrderDay(tenant, day, cursor);
  }
  fileDate(tenant: string, customerId: string, attribute: string, date: string | undefined, at: string, whileProfileAt?: string): Promise<void> {
    return this.customers.fileDate(tenant, customerId, attribute, date, at, whileProfileAt);
  }
  customersByDate(tenant: string, attribute: string, monthDay: string, cursor?: Record<string, unknown>): Promise<{ items: string[]; cursor?: Record<string, unknown> }> {
    return this.customers.customersByDate(tenant, attribute, monthDay, cursor);
  }
  claimCooldown(tenant: string, customerId: string, journey: string, now: string, until: string): Promise<boolean> {
    return this.customers.claimCooldown(tenant, customerId, journey, now, until);
  }
  recordScore(tenant: string, customerId: string, answer: SurveyAnswer): Promise<void> {
    return this.customers.recordScore(tenant, customerId, answer);
  }

  // Subjects
  putCart(tenant: string, customerId: string | undefined, checkout: Checkout, at: string): Promise<'stored' | 'stale' | 'ordered'> {
    return this.subjects.putCart(tenant, customerId, checkout, at);
  }
  getCart(tenant: string, token: string): Promise<CartRecord | undefined> {
    return this.subjects.getCart(tenant, token);
  }
  markCartOrdered(tenant: string, token: string, orderId: string, at: string): Promise<void> {
    return this.subjects.markCartOrdered(tenant, token, orderId, at);
  }
  putOrder(tenant: string, customerId: string, order: Order, at: string): Promise<boolean> {
    return this.subjects.putOrder(tenant, customerId, order, at);
  }
  findOrderOwner(tenant: string, orderId: string): Promise<string | undefined> {
    return this.subjects.findOrderOwner(tenant, orderId);
  }
  parkOrderEvent(tenant: string, orderId: string, parked: ParkedOrderEvent): Promise<void> {
    return this.subjects.parkOrderEvent(tenant, orderId, parked);
  }
  parkedOrderEvents(tenant: string, orderId: string): Promise<ParkedOrderEvent[]> {
    return this.subjects.parkedOrderEvents(tenant, orderId);
  }
  dropParkedOrderEvent(tenant: string, orderId: string, parked: Pick<ParkedOrderEvent, 'at' | 'key'>): Promise<void> {
    return this.subjects.dropParkedOrderEvent(tenant, orderId, parked);
  }
  getOrder(tenant: string, customerId: string, orderId: string): Promise<OrderRecord | undefined> {
    return this.subjects.getOrder(tenant, customerId, orderId);
  }
  markOrder(tenant: string, customerId: string, orderId: string, status: 'cancelled' | 'refunded', at: string): Promise<void> {
    return this.subjects.markOrder(tenant, customerId, orderId, status, at);
  }
  recordShipment(tenant: string, customerId: string, orderId: string, shipment: ShipmentUpdate): Promise<void> {
    return this.subjects.recordShipment(tenant, customerId, orderId, shipment);
  }
  recordInvoiceFailure(tenant: string, invoice: Omit<InvoiceRecord, 'status' | 'updatedAt'>, at: string): Promise<'open' | 'paid'> {
    return this.subjects.recordInvoiceFailure(tenant, invoice, at);
  }
  markInvoicePaid(tenant: string, invoiceId: string, at: string): Promise<void> {
    return this.subjects.markInvoicePaid(tenant, invoiceId, at);
  }
  getInvoice(tenant: string, invoiceId: string): Promise<InvoiceRecord | undefined> {
    return this.subjects.getInvoice(tenant, invoiceId);
  }

  // Enrolments
  createEnrolment(tenant: string, customerId: string, enrolment: Omit<Enrolment, 'status'>): Promise<boolean> {
    return this.enrolments.createEnrolment(tenant, customerId, enrolment);
  }
  getEnrolment(tenant: string, customerId: string, journey: string, enrolKey: string): Promise<Enrolment | undefined> {
    return this.enrolments.getEnrolment(tenant, customerId, journey, enrolKey);
  }
  activeEnrolments(tenant: string, customerId: string, journey?: string): Promise<Enrolment[]> {
    return this.enrolments.activeEnrolments(tenant, customerId, journey);
  }
  markEnrolment(...a: Parameters<MemoryEnrolments['markEnrolment']>): Promise<boolean> {
    return this.enrolments.markEnrolment(...a);
  }

  updateProfile(...a: Parameters<MemoryCustomers['updateProfile']>): Promise<boolean> {
    return this.customers.updateProfile(...a);
  }

  endEnrolment(tenant: string, customerId: string, journey: string, enrolKey: string, status: Exclude<EnrolmentStatus, 'active'>, reason: string, at: string): Promise<boolean> {
    return this.enrolments.endEnrolment(tenant, customerId, journey, enrolKey, status, reason, at);
  }
  claimSend(tenant: string, customerId: string, intent: SendIntent, cap?: FrequencyCap): Promise<SendClaim> {
    return this.enrolments.claimSend(tenant, customerId, intent, cap);
  }
  completeSend(tenant: string, customerId: string, executionName: string, stepId: string, outcome: SendOutcome): Promise<void> {
    return this.enrolments.completeSend(tenant, customerId, executionName, stepId, outcome);
  }
  releaseSend(tenant: string, customerId: string, executionName: string, stepId: string): Promise<void> {
    return this.enrolments.releaseSend(tenant, customerId, executionName, stepId);
  }

  // Compliance
  suppress(tenant: string, channel: 'email' | 'sms', address: string, reason: string, at: string): Promise<void> {
    return this.compliance.suppress(tenant, channel, address, reason, at);
  }
  isSuppressed(tenant: string, channel: 'email' | 'sms', address: string): Promise<boolean> {
    return this.compliance.isSuppressed(tenant, channel, address);
  }
  recordDecision(tenant: string, customerId: string, decision: Decision): Promise<boolean> {
    return this.compliance.recordDecision(tenant, customerId, decision);
  }
  listDecisions(tenant: string, customerId: string): Promise<Decision[]> {
    return this.compliance.listDecisions(tenant, customerId);
  }
  putShortLink(tenant: string, customerId: string, code: string, token: string, expiresAt: number): Promise<void> {
    return this.compliance.putShortLink(tenant, customerId, code, token, expiresAt);
  }
  getShortLink(code: string): Promise<string | undefined> {
    return this.compliance.getShortLink(code);
  }
  exportCustomer(tenant: string, customerId: string): Promise<Record<string, unknown>> {
    return this.compliance.exportCustomer(tenant, customerId);
  }
  eraseCustomer(tenant: string, customerId: string, at: string, named?: { email?: string; phone?: string }): Promise<void> {
    return this.compliance.eraseCustomer(tenant, customerId, at, named);
  }

  // Operations
  claimEvent(tenant: string, eventKey: string, now: Date, leaseSeconds: number, options?: { resume?: boolean }): Promise<EventClaim> {
    return this.operations.claimEvent(tenant, eventKey, now, leaseSeconds, options);
  }
  completeEvent(tenant: string, eventKey: string, now: Date): Promise<void> {
    return this.operations.completeEvent(tenant, eventKey, now);
  }
  releaseEvent(tenant: string, eventKey: string, lease: string): Promise<void> {
    return this.operations.releaseEvent(tenant, eventKey, lease);
  }
  takeRate(bucket: string, window: number, limit: number, n?: number): Promise<boolean> {
    return this.operations.takeRate(bucket, window, limit, n);
  }
  countSms(tenant: string, day: string, cap: number, parts: number): Promise<boolean> {
    return this.operations.countSms(tenant, day, cap, parts);
  }
  createTask(tenant: string, task: StaffTask): Promise<boolean> {
    return this.operations.createTask(tenant, task);
  }
  listTasks(tenant: string): Promise<StaffTask[]> {
    return this.operations.listTasks(tenant);
  }

  // Measurement
  recordConversion(tenant: string, customerId: string, conversion: Conversion): Promise<boolean> {
    return this.stats.recordConversion(tenant, customerId, conversion);
  }
  listConversions(tenant: string, customerId: string): Promise<Conversion[]> {
    return this.stats.listConversions(tenant, customerId);
  }
  reverseConversion(tenant: string, customerId: string, journey: string, subject: string, at: string, by: 'order.cancelled' | 'order.refunded'): Promise<boolean> {
    return this.stats.reverseConversion(tenant, customerId, journey, subject, at, by);
  }
  addCounts(tenant: string, journey: string, key: StatsKey, counts: Counts): Promise<void> {
    return this.stats.addCounts(tenant, journey, key, counts);
  }
  journeyCounters(tenant: string, journey: string): Promise<StatsRow[]> {
    return this.stats.journeyCounters(tenant, journey);
  }
  async passEdges(tenant: string, customerId: string, journey: string, enrolKey: string, walk: EdgeWalk, key: StatsKey): Promise<string[]> {
    const fresh = this.enrolments.recordPassed(tenant, customerId, journey, enrolKey, walk.edges, walk.pending) ?? [];
    if (fresh.length > 0) await this.stats.addCounts(tenant, journey, key, Object.fromEntries(fresh.map((e) => [counter.edge(e), 1])));
    return fresh;
  }

  async countAnswer(tenant: string, customerId: string, journey: string, enrolKey: string, change: AnswerChange): Promise<boolean> {
    if (!this.enrolments.replaceAnswer(tenant, customerId, journey, enrolKey, answerField(change.question), change.previous, change.answer)) return false;
    for (const { key, counts } of answerCounts(change)) await this.stats.addCounts(tenant, journey, key, counts);
    return true;
  }

  completeTask(tenant: string, at: string, taskId: string, doneAt: string): Promise<boolean> {
    return this.operations.completeTask(tenant, at, taskId, doneAt);
  }

  // Code pools
  loadCodes(tenant: string, pool: string, codes: readonly string[], at: string): Promise<{ added: number; duplicates: number }> {
    return this.codes.loadCodes(tenant, pool, codes, at);
  }
  codePool(tenant: string, pool: string): Promise<{ loaded: number; claimed: number; left: number }> {
    return this.codes.codePool(tenant, pool);
  }
  claimCode(tenant: string, pool: string, claim: CodeClaim): Promise<{ code: string } | { empty: true }> {
    return this.codes.claimCode(tenant, pool, claim);
  }
}
