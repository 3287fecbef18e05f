import type { Checkout, ConsentKind, PropertyValue } from './domain.ts';

/**
 * What the engine keeps about customers and their journeys, as the use cases see it: the same
 * shapes whichever backend stores them (DynamoDB, memory).
 */

export type ConsentChannel = 'email' | 'sms';
export type ConsentTopic = 'marketing' | 'service';

/** The current consent on one channel and topic; core/consent.ts decides how a statement moves it. */
export interface ConsentState {
  granted: boolean;
  /** The kind of statement that set it; absent on a state stored before kinds were recorded. */
  kind?: ConsentKind;
  /** When it took effect on the engine's clock: a withdrawal's is when the engine received it. */
  at: string;
  source: string;
  /** Counts the changes; a write is conditional on the version it read. */
  version?: number;
  /**
   * The event keys of the last statements that moved this state (at most CONSENT_RECENT_KEYS,
   * newest last): a statement applied again after a crash is recognised and changes nothing.
   */
  recent?: string[];
}

/** One line of the append-only consent ledger: every statement, and whether and why it moved the state. */
export interface ConsentLedgerEntry {
  channel: ConsentChannel;
  topic: ConsentTopic;
  kind: ConsentKind;
  granted: boolean;
  /** The statement's time, clamped to the engine's clock. */
  at: string;
  /** When the engine received it. */
  receivedAt: string;
  source: string;
  eventKey: string;
  applied: boolean;
  reason: string;
}

export interface CustomerProfile {
  customerId: string;
  email?: string;
  phone?: string;
  firstName?: string;
  locale?: string;
  preferredChannel?: 'email' | 'sms';
  /** IANA zone for sending hours; Europe/Warsaw when unknown. */
  timeZone?: string;
  orderCount?: number;
  spentPln?: number;
  lastOrderAt?: string;
  /** The latest NPS answer (0-10). */
  lastScore?: number;
  /** The latest CSAT answer (1-5). */
  lastCsat?: number;
  /** Declared custom attributes (workflows/events/attributes.yaml), set by customer.created and customer.updated and by update nodes. */
  attributes?: Record<string, PropertyValue>;
  /** Tags set by journeys' update nodes. */
  tags?: string[];
  updatedAt: string;
}

export interface OrderRecord {
  id: string;
  checkoutToken?: string;
  total: string;
  currency: string;
  items: { title: string; quantity: number; price: string; category?: string }[];
  placedAt: string;
  status?: 'placed' | 'cancelled' | 'refunded';
  /** When the order was first reported shipped, and delivered; the latest tracking link a fulfilment gave. */
  fulfilledAt?: string;
  deliveredAt?: string;
  trackingUrl?: string;
}

/** What a fulfilment reports on an order: shipped or delivered, when, and the carrier's tracking link if given. */
export interface ShipmentUpdate {
  status: 'fulfilled' | 'delivered';
  at: string;
  trackingUrl?: string;
}

export interface InvoiceRecord {
  invoiceId: string;
  customerId?: string;
  status: 'failed' | 'paid';
  amount: string;
  currency: string;
  hostedUrl?: string;
  updatedAt: string;
}

export interface StaffTask {
  id: string;
  at: string;
  kind: 'call' | 'follow-up' | 'data-request';
  journey: string;
  step: string;
  customerId: string;
  subject: string;
  /** Rendered instructions for staff; may quote amounts, never the customer's address. */
  text: string;
  status: 'open' | 'done';
  /** When staff marked it done. */
  doneAt?: string;
  /** The order or invoice it is about, when the task names one itself (otherwise found through its journey). */
  about?: { kind: 'order' | 'invoice'; id: string };
}

export interface CartRecord extends Checkout {
  customerId?: string;
  status: 'open' | 'ordered';
  orderId?: string;
  updatedAt: string;
}

/**
 * A survey answer: NPS (0-10, "would you recommend us?"; `question` absent, as answers were before
 * CSAT) or CSAT (1-5, "how satisfied are you?").
 */
export interface SurveyAnswer {
  journey: string;
  subject: string;
  score: number;
  at: string;
  question?: 'csat';
}

export type EnrolmentStatus = 'active' | 'goal-reached' | 'completed' | 'stopped';

export interface Enrolment {
  journey: string;
  key: string;
  executionName: string;
  status: EnrolmentStatus;
  startedAt: string;
  /**
   * The journey definition's version it started on (core/journey-version.ts): its decisions, and the
   * conversions they earn, are counted under it. Absent on enrolments made before versions were kept.
   */
  version?: string;
  /** What started it (an event key, a scheduled run): applied again after a crash, it knows its own. */
  startedBy?: string;
  /** A catalogue event's declared properties, personal ones included: kept under the customer, erased with them. */
  properties?: Record<string, PropertyValue>;
  endedAt?: string;
  endReason?: string;
  /** Journey graphs: the arm each split put the customer in, by split node. */
  variants?: Record<string, string>;
  /** The arm of the last split passed, or `holdout`: what the next decisions are measured under. */
  variant?: string;
  /** A holdout member: every send from here on is recorded, not made. */
  holdout?: boolean;
  /** A waitFor node the execution waits at: the event that would end the wait early, and when it times out. */
  awaiting?: Awaiting;
  /** The execution a continuation replaced (see EnrolmentMark.continuation). */
  continuedFrom?: string;
  /** The node the continuation starts at: the awaited event's branch of the waitFor it came to. */
  continuedAt?: string;
  /** What webhook nodes answered, by node: the declared fields, for later templates. */
  data?: Record<string, Record<string, string | number | boolean>>;
  /** Journey graphs: the edges (`from>to`) it has gone along, each counted once (StatsRepository.passEdges). */
  passed?: string[];
  /** Journey graphs: the edges it goes along when its execution goes on from the wait it is at. */
  pending?: string[];
  /** The customer's current answer to the survey about it (NPS, CSAT): the one its journey's figures count. */
  npsAnswer?: { score: number; at: string };
  csatAnswer?: { score: number; at: string };
}

export interface Awaiting {
  node: string;
  event: string;
  since: string;
  until: string;
}

/** What a journey graph's walk records on an enrolment. */
export interface EnrolmentMark {
  /** A split's arm, with every arm recorded so far (the walk read them): one write. */
  variant?: { node: string; arm: string; all: Record<string, string> };
  holdout?: true;
  /** null clears it. */
  awaiting?: Awaiting | null;
  /** A webhook node's answer, with every answer kept so far (the walk read them): one write. */
  data?: { node: string; values: Record<string, string | number | boolean>; all: Record<string, Record<string, string | number | boolean>> };
  /** The awaited event came first: the execution that goes on from its branch, and the one it replaces. */
  continuation?: { executionName: string; from: string; entry: string };
}

export type SuppressionReason =
  | 'no_consent'
  | 'no_address'
  | 'invalid_address'
  | 'not_mobile'
  | 'goal_reached'
  | 'unsubscribed'
  | 'template_error'
  | 'rejected_by_provider'
  | 'sms_daily_cap'
  | 'quiet_hours'
  | 'frequency_cap'
  | 'suppressed_address'
  | 'delivery_uncertain'
  /** A holdout member: enrolled and measured, never messaged. */
  | 'holdout'
  /** A wait until a date the customer has none of (no birthday on file). */
  | 'no_date'
  | 'stale_trigger';

export interface Decision {
  at: string;
  journey: string;
  step: string;
  executionName: string;
  channel: 'email' | 'sms' | 'staff';
  outcome: 'sent' | 'suppressed' | 'task' | 'deferred';
  /** The arm a split or holdout put the customer in on the way to this step (`holdout` for a holdout member). */
  variant?: string;
  /** The journey definition's version the execution runs on. */
  version?: string;
  /** For `deferred`: when the message will go out instead. */
  until?: string;
  topic?: 'marketing' | 'service';
  reason?: SuppressionReason;
  template: string;
  locale: string;
  subject?: string;
  messageId?: string;
  /** SMS only: parts billed, and the encoding that decided it. */
  segments?: number;
  encoding?: 'GSM-7' | 'UCS-2';
}


/**
 * A send as intended, written before the provider is called: journey × execution × step (one send
 * each), what goes out, and what its decision will say. The step's time `at` is also the time its
 * decision is logged under, so every run of the step writes the same decision once.
 */
export interface SendIntent {
  journey: string;
  executionName: string;
  step: string;
  channel: 'email' | 'sms';
  topic: 'marketing' | 'service';
  template: string;
  locale: string;
  subject?: string;
  /** SMS only: parts billed, and the encoding that decided it. */
  segments?: number;
  encoding?: 'GSM-7' | 'UCS-2';
  at: string;
}

/** What the provider call came to: accepted, refused (certainly not sent) or unknown (it may have gone). */
export type SendOutcome = { outcome: 'sent'; messageId?: string } | { outcome: 'refused'; reason: 'rejected_by_provider' | 'sms_daily_cap' } | { outcome: 'uncertain' };

/** A stored intent: `claimed` from before the provider call until its outcome is written, then `done` with it. */
export type SendRecord = SendIntent & { status: 'claimed' | 'done'; outcome?: SendOutcome['outcome']; messageId?: string; reason?: SuppressionReason };

/** What claiming a send came to: the right to send, no room left in the frequency cap, or an earlier run's intent. */
export type SendClaim = { kind: 'claimed' } | { kind: 'capped' } | { kind: 'exists'; record: SendRecord };
