import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Stable log codes: dashboards and tests match on `code`, never on wording.
 * Log lines carry ids and codes only; never addresses, names, phones or carts.
 */
export const LogCode = {
  IngestAccepted: 'INGEST_ACCEPTED',
  IngestRejected: 'INGEST_REJECTED',
  IngestDuplicate: 'INGEST_DUPLICATE',
  /** An event about an order not known yet, kept until the order comes. */
  OrderEventParked: 'ORDER_EVENT_PARKED',
  /** A delivery of an event another attempt holds the lease of: answered with a retry. */
  IngestInProgress: 'INGEST_IN_PROGRESS',
  IngestIgnored: 'INGEST_IGNORED',
  EventTimeClamped: 'EVENT_TIME_CLAMPED',
  JourneyStaleTrigger: 'JOURNEY_STALE_TRIGGER',
  JourneyStarted: 'JOURNEY_STARTED',
  /** A trigger the journey's filter did not let through: no enrolment. */
  JourneyFiltered: 'JOURNEY_FILTERED',
  /** An awaited event the waitFor's filter did not let through: the journey keeps waiting. */
  AwaitedEventFiltered: 'AWAITED_EVENT_FILTERED',
  JourneyStopped: 'JOURNEY_STOPPED',
  MessageSent: 'MESSAGE_SENT',
  MessageSuppressed: 'MESSAGE_SUPPRESSED',
  StepFailed: 'STEP_FAILED',
  EngineSuspended: 'ENGINE_SUSPENDED',
  EngineResumed: 'ENGINE_RESUMED',
  EngineFailed: 'ENGINE_FAILED',
  AddressSuppressed: 'ADDRESS_SUPPRESSED',
  /** Feedback naming no configured shop: suppressed in every shop. */
  FeedbackUnattributed: 'FEEDBACK_UNATTRIBUTED',
  /** A scheduled run for a shop and day that another invocation holds or has done. */
  SegmentRunSkipped: 'SEGMENT_RUN_SKIPPED',
  /** A scheduled run that crashed, completed by a later invocation. */
  SegmentRunResumed: 'SEGMENT_RUN_RESUMED',
  CustomerErased: 'CUSTOMER_ERASED',
  CustomerExported: 'CUSTOMER_EXPORTED',
  WebhookSecretUnset: 'WEBHOOK_SECRET_UNSET',
  SecretUnreadable: 'SECRET_UNREADABLE',
  ProviderRejected: 'PROVIDER_REJECTED',
  /** A goal event credited to a journey (ids, the journey and the reason only). */
  ConversionRecorded: 'CONVERSION_RECORDED',
  /** An order's cancellation or refund took a conversion's revenue back. */
  ConversionReversed: 'CONVERSION_REVERSED',
  /** A journey counter could not be added to: the fact stands, the count is lost. */
  StatsNotCounted: 'STATS_NOT_COUNTED',
  /** A customer changed what they receive in the preference centre. */
  PreferencesChanged: 'PREFERENCES_CHANGED',
  /** A customer asked for a copy or the erasure of their data from the preference centre. */
  RightsRequested: 'RIGHTS_REQUESTED',
  /** A form or staff change refused: no valid nonce or CSRF token, or sent from another site. */
  FormRefused: 'FORM_REFUSED',
  StaffSignedIn: 'STAFF_SIGNED_IN',
  StaffSignInRefused: 'STAFF_SIGN_IN_REFUSED',
  TaskDone: 'TASK_DONE',
  /** A journey's code node found its pool empty and went on along `empty` (journey, node, pool). */
  CodePoolEmpty: 'CODE_POOL_EMPTY',
  /** A shop loaded codes into a pool (the pool and the counts, never a code). */
  CodesLoaded: 'CODES_LOADED',
} as const;
export type LogCode = (typeof LogCode)[keyof typeof LogCode];

export interface Log {
  info(code: LogCode, fields?: Record<string, unknown>): void;
  warn(code: LogCode, fields?: Record<string, unknown>): void;
  error(code: LogCode, fields?: Record<string, unknown>): void;
}

export function powertoolsLog(loggerOrService: Logger | string): Log {
  const logger = typeof loggerOrService === 'string' ? new Logger({ serviceName: loggerOrService }) : loggerOrService;
  return {
    info: (code, fields) => logger.info(code, { code, ...fields }),
    warn: (code, fields) => logger.warn(code, { code, ...fields }),
    error: (code, fields) => logger.error(code, { code, ...fields }),
  };
}

export const silentLog: Log = { info() {}, warn() {}, error() {} };
