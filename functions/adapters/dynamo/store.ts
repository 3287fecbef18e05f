import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CodePoolRepository, ComplianceRepository, CustomerRepository, EnrolmentRepository, OperationsRepository, StateStore, StatsRepository, StepContextReader, SubjectRepository } from '../../app/ports.ts';
import { Table } from './base.ts';
import { DynamoCodePools } from './code-pools.ts';
import { DynamoCompliance } from './compliance.ts';
import { DynamoCustomers } from './customers.ts';
import { DynamoDates } from './dates.ts';
import { DynamoEnrolments } from './enrolments.ts';
import { DynamoOperations } from './operations.ts';
import { DynamoStats } from './stats.ts';
import { DynamoStepContext } from './step-context.ts';
import { DynamoSubjects } from './subjects.ts';

type Args<R, M extends keyof R> = R[M] extends (...a: infer A) => unknown ? A : never;

/**
 * Every port on one DynamoDB table (see docs/data-model.md and keys.ts), composed of one repository
 * per aggregate: customers.ts (with dates.ts, its date index), subjects.ts, enrolments.ts, compliance.ts, operations.ts, step-context.ts, stats.ts, code-pools.ts.
 */
export class Store implements StateStore {
  private readonly customers: DynamoCustomers;
  private readonly subjects: DynamoSubjects;
  private readonly enrolments: DynamoEnrolments;
  private readonly compliance: DynamoCompliance;
  private readonly operations: DynamoOperations;
  private readonly context: DynamoStepContext;
  private readonly stats: DynamoStats;
  private readonly dates: DynamoDates;
  private readonly codes: DynamoCodePools;

  constructor(
    db: DynamoDBDocumentClient,
    readonly tableName: string,
    /** Marketing data (profile, carts, orders, enrolments, decisions) expires this long after its last write. @default 3 years */
    retentionDays = 1095,
  ) {
    const table = new Table(db, tableName, retentionDays);
    this.customers = new DynamoCustomers(table);
    this.subjects = new DynamoSubjects(table, this.customers);
    this.enrolments = new DynamoEnrolments(table);
    this.operations = new DynamoOperations(table);
    this.compliance = new DynamoCompliance(table, { listTasks: (t) => this.operations.listTasks(t) });
    this.context = new DynamoStepContext(table);
    this.stats = new DynamoStats(table);
    this.dates = new DynamoDates(table);
    this.codes = new DynamoCodePools(table);
  }

  // Customers and consent.
  upsertCustomer(...a: Args<CustomerRepository, 'upsertCustomer'>) {
    return this.customers.upsertCustomer(...a);
  }
  identify(...a: Args<CustomerRepository, 'identify'>) {
    return this.customers.identify(...a);
  }
  linkAddress(...a: Args<CustomerRepository, 'linkAddress'>) {
    return this.customers.linkAddress(...a);
  }
  getCustomer(...a: Args<CustomerRepository, 'getCustomer'>) {
    return this.customers.getCustomer(...a);
  }
  recordConsent(...a: Args<CustomerRepository, 'recordConsent'>) {
    return this.customers.recordConsent(...a);
  }
  getConsent(...a: Args<CustomerRepository, 'getConsent'>) {
    return this.customers.getConsent(...a);
  }
  customersByLastOrderDay(...a: Args<CustomerRepository, 'customersByLastOrderDay'>) {
    return this.customers.customersByLastOrderDay(...a);
  }
  fileDate(...a: Args<CustomerRepository, 'fileDate'>) {
    return this.dates.fileDate(...a);
  }
  customersByDate(...a: Args<CustomerRepository, 'customersByDate'>) {
    return this.dates.customersByDate(...a);
  }
  claimCooldown(...a: Args<CustomerRepository, 'claimCooldown'>) {
    return this.customers.claimCooldown(...a);
  }
  recordScore(...a: Args<CustomerRepository, 'recordScore'>) {
    return this.customers.recordScore(...a);
  }

  // Subjects: carts, orders, invoices.
  putCart(...a: Args<SubjectRepository, 'putCart'>) {
    return this.subjects.putCart(...a);
  }
  getCart(...a: Args<SubjectRepository, 'getCart'>) {
    return this.subjects.getCart(...a);
  }
  markCartOrdered(...a: Args<SubjectRepository, 'markCartOrdered'>) {
    return this.subjects.markCartOrdered(...a);
  }
  putOrder(...a: Args<SubjectRepository, 'putOrder'>) {
    return this.subjects.putOrder(...a);
  }
  findOrderOwner(...a: Args<SubjectRepository, 'findOrderOwner'>) {
    return this.subjects.findOrderOwner(...a);
  }
  parkOrderEvent(...a: Args<SubjectRepository, 'parkOrderEvent'>) {
    return this.subjects.parkOrderEvent(...a);
  }
  parkedOrderEvents(...a: Args<SubjectRepository, 'parkedOrderEvents'>) {
    return this.subjects.parkedOrderEvents(...a);
  }
  dropParkedOrderEvent(...a: Args<SubjectRepository, 'dropParkedOrderEvent'>) {
    return this.subjects.dropParkedOrderEvent(...a);
  }
  getOrder(...a: Args<SubjectRepository, 'getOrder'>) {
    return this.subjects.getOrder(...a);
  }
  markOrder(...a: Args<SubjectRepository, 'markOrder'>) {
    return this.subjects.markOrder(...a);
  }
  recordShipment(...a: Args<SubjectRepository, 'recordShipment'>) {
    return this.subjects.recordShipment(...a);
  }
  recordInvoiceFailure(...a: Args<SubjectRepository, 'recordInvoiceFailure'>) {
    return this.subjects.recordInvoiceFailure(...a);
  }
  markInvoicePaid(...a: Args<SubjectRepository, 'markInvoicePaid'>) {
    return this.subjects.markInvoicePaid(...a);
  }
  getInvoice(...a: Args<SubjectRepository, 'getInvoice'>) {
    return this.subjects.getInvoice(...a);
  }

  // Enrolments and sends.
  createEnrolment(...a: Args<EnrolmentRepository, 'createEnrolment'>) {
    return this.enrolments.createEnrolment(...a);
  }
  getEnrolment(...a: Args<EnrolmentRepository, 'getEnrolment'>) {
    return this.enrolments.getEnrolment(...a);
  }
  activeEnrolments(...a: Args<EnrolmentRepository, 'activeEnrolments'>) {
    return this.enrolments.activeEnrolments(...a);
  }
  markEnrolment(...a: Args<EnrolmentRepository, 'markEnrolment'>) {
    return this.enrolments.markEnrolment(...a);
  }
  updateProfile(...a: Args<CustomerRepository, 'updateProfile'>) {
    return this.customers.updateProfile(...a);
  }
  endEnrolment(...a: Args<EnrolmentRepository, 'endEnrolment'>) {
    return this.enrolments.endEnrolment(...a);
  }
  claimSend(...a: Args<EnrolmentRepository, 'claimSend'>) {
    return this.enrolments.claimSend(...a);
  }
  completeSend(...a: Args<EnrolmentRepository, 'completeSend'>) {
    return this.enrolments.completeSend(...a);
  }
  releaseSend(...a: Args<EnrolmentRepository, 'releaseSend'>) {
    return this.enrolments.releaseSend(...a);
  }

  // Compliance: suppression, decisions, links, export and erasure.
  suppress(...a: Args<ComplianceRepository, 'suppress'>) {
    return this.compliance.suppress(...a);
  }
  isSuppressed(...a: Args<ComplianceRepository, 'isSuppressed'>) {
    return this.compliance.isSuppressed(...a);
  }
  recordDecision(...a: Args<ComplianceRepository, 'recordDecision'>) {
    return this.compliance.recordDecision(...a);
  }
  listDecisions(...a: Args<ComplianceRepository, 'listDecisions'>) {
    return this.compliance.listDecisions(...a);
  }
  putShortLink(...a: Args<ComplianceRepository, 'putShortLink'>) {
    return this.compliance.putShortLink(...a);
  }
  getShortLink(...a: Args<ComplianceRepository, 'getShortLink'>) {
    return this.compliance.getShortLink(...a);
  }
  exportCustomer(...a: Args<ComplianceRepository, 'exportCustomer'>) {
    return this.compliance.exportCustomer(...a);
  }
  eraseCustomer(...a: Args<ComplianceRepository, 'eraseCustomer'>) {
    return this.compliance.eraseCustomer(...a);
  }
  /** Every item held under a customer's key (no port: tests and the local stack look inside). */
  customerItems(tenant: string, customerId: string) {
    return this.compliance.customerItems(tenant, customerId);
  }

  // Operations: event claims, rate limit, SMS cap, tasks.
  claimEvent(...a: Args<OperationsRepository, 'claimEvent'>) {
    return this.operations.claimEvent(...a);
  }
  completeEvent(...a: Args<OperationsRepository, 'completeEvent'>) {
    return this.operations.completeEvent(...a);
  }
  releaseEvent(...a: Args<OperationsRepository, 'releaseEvent'>) {
    return this.operations.releaseEvent(...a);
  }
  takeRate(...a: Args<OperationsRepository, 'takeRate'>) {
    return this.operations.takeRate(...a);
  }
  countSms(...a: Args<OperationsRepository, 'countSms'>) {
    return this.operations.countSms(...a);
  }
  createTask(...a: Args<OperationsRepository, 'createTask'>) {
    return this.operations.createTask(...a);
  }
  listTasks(...a: Args<OperationsRepository, 'listTasks'>) {
    return this.operations.listTasks(...a);
  }
  completeTask(...a: Args<OperationsRepository, 'completeTask'>) {
    return this.operations.completeTask(...a);
  }

  // The step's context, in one request.
  stepContext(...a: Args<StepContextReader, 'stepContext'>) {
    return this.context.stepContext(...a);
  }

  // Measurement: conversions and journey counters.
  recordConversion(...a: Args<StatsRepository, 'recordConversion'>) {
    return this.stats.recordConversion(...a);
  }
  listConversions(...a: Args<StatsRepository, 'listConversions'>) {
    return this.stats.listConversions(...a);
  }
  reverseConversion(...a: Args<StatsRepository, 'reverseConversion'>) {
    return this.stats.reverseConversion(...a);
  }
  addCounts(...a: Args<StatsRepository, 'addCounts'>) {
    return this.stats.addCounts(...a);
  }
  journeyCounters(...a: Args<StatsRepository, 'journeyCounters'>) {
    return this.stats.journeyCounters(...a);
  }
  passEdges(...a: Args<StatsRepository, 'passEdges'>) {
    return this.stats.passEdges(...a);
  }

  // Code pools.
  loadCodes(...a: Args<CodePoolRepository, 'loadCodes'>) {
    return this.codes.loadCodes(...a);
  }
  codePool(...a: Args<CodePoolRepository, 'codePool'>) {
    return this.codes.codePool(...a);
  }
  claimCode(...a: Args<CodePoolRepository, 'claimCode'>) {
    return this.codes.claimCode(...a);
  }
  countAnswer(...a: Args<StatsRepository, 'countAnswer'>) {
    return this.stats.countAnswer(...a);
  }
}
