/**
 * The Stats JSON: what GET /v1/journeys/stats answers, the simulator's summary prints and the
 * dashboard draws. Types only, importing nothing, so the dashboard's client takes them as they are
 * (`import type`) and there is one description. Built by core/stats.ts; fields are only ever added.
 */

export type Verdict = 'better' | 'worse' | 'not_enough_data';

/**
 * One arm of an experiment. Besides its recipients and what they bought, what became of its
 * messages: each message carries the arm it was sent under (a `variant` tag, as its decision
 * records it), so a delivery or click counts under that arm whenever it arrives. A holdout arm is
 * sent nothing: its engagement is 0. A holdout's messaged arm has every message not held out.
 */
export interface ArmStats extends Engagement {
  variant: string;
  recipients: number;
  conversions: number;
  rate: number;
  revenuePerRecipient: string;
  delivered: number;
  /** Messages clicked (each once, however often). */
  clicked: number;
  /** Clicked ÷ recipients: messages clicked per recipient (above 1 only where an arm sends more than one message). */
  clickRate: number;
}

/**
 * Revenue per recipient (shop currency) of the compared arm minus the baseline's, with Welch's 95%
 * interval; `low` and `high` are null, and the verdict `not_enough_data`, while an arm has fewer than
 * two recipients or neither arm's revenue varies (no interval can be had).
 */
export interface RevenueDifference {
  perRecipient: string;
  low: string | null;
  high: string | null;
  verdict: Verdict;
}

export interface ExperimentStats {
  node: string;
  kind: 'split' | 'holdout';
  arms: ArmStats[];
  /** Conversion rate of the compared arm minus the baseline's (Newcombe's interval), and its revenue per recipient. */
  difference: { rate: number; low: number; high: number; revenue: RevenueDifference } | null;
  /** The rate's verdict. */
  verdict: Verdict;
  neededPerArm: number | null;
}

/**
 * SES opens, present only once some are counted (open tracking on): a pixel that privacy proxies
 * and image caches fetch for every message, so a count of machines as much as of readers.
 */
export interface OpenedStats {
  count: number;
  reliable: false;
}

/** What happened to messages after they left, besides deliveries and clicks. */
export interface Engagement {
  /** Permanent bounces (the address is suppressed for good). */
  bounced: number;
  /** Spam complaints (the address is suppressed and marketing consent withdrawn). */
  complained: number;
  opened?: OpenedStats;
}

export interface NodeStats extends Engagement {
  node: string;
  sent: number;
  suppressed: number;
  converted: number;
  delivered: number;
  clicked: number;
}

/**
 * NPS answers (0-10, "would you recommend us?"): each customer's latest answer about a subject
 * counts once. `score` is the percentage of promoters (9-10) minus that of detractors (0-6), from
 * -100 to 100; `margin` the half-width of its 95% interval in points, null while `few`.
 */
export interface NpsStats {
  responses: number;
  promoters: number;
  passives: number;
  detractors: number;
  score: number;
  margin: number | null;
  /** Fewer answers than an interval can be given for (30): a handful of opinions, not a measure. */
  few: boolean;
}

/**
 * CSAT answers (1-5, "how satisfied are you?"), each customer's latest about a subject once:
 * `score` the percentage of satisfied answers (4 or 5), `mean` the average answer, `margin` the
 * half-width of the score's 95% interval in points, null while `few`.
 */
export interface CsatStats {
  responses: number;
  satisfied: number;
  score: number;
  mean: number;
  margin: number | null;
  few: boolean;
}

/** Survey figures, each present once its question has answers. */
export interface SurveyStats {
  nps?: NpsStats;
  csat?: CsatStats;
}

/**
 * One definition version of a journey: what started and finished on it, was sent, delivered,
 * clicked, bounced or complained about and converted under it. Deliveries and the rest count under
 * the version the message was sent under (it carries it), so a version's figures add up to the
 * journey's; messages sent before they carried it count under `version: null`.
 */
export interface VersionStats extends Engagement, SurveyStats {
  /** The journey definition's version (a hash of its file's content); null for figures kept before versions were recorded. */
  version: string | null;
  firstDay: string;
  lastDay: string;
  entered: number;
  finished: number;
  sent: number;
  delivered: number;
  clicked: number;
  converted: number;
  revenue: Record<string, string>;
}

/** An edge of a journey graph and the enrolments that went along it (each at most once). */
export interface EdgeStats {
  from: string;
  to: string;
  executions: number;
}

export interface DayStats extends SurveyStats {
  day: string;
  entered: number;
  sent: number;
  converted: number;
  revenue: Record<string, string>;
}

export interface JourneyStats extends Engagement, SurveyStats {
  journey: string;
  name: string;
  entered: number;
  active: number;
  finished: number;
  sent: number;
  delivered: number;
  clicked: number;
  suppressed: Record<string, number>;
  converted: number;
  revenue: Record<string, string>;
  cost: { transitions: number; invocations: number; emails: number; smsParts: number; usd: number };
  days: DayStats[];
  nodes: NodeStats[];
  experiments: ExperimentStats[];
  versions: VersionStats[];
  edges: EdgeStats[];
}

export interface Stats {
  generatedAt: string;
  journeys: JourneyStats[];
}
