/**
 * The Stats JSON: what GET /v1/journeys/stats answers, the simulator's summary prints and the
 * dashboard draws. Types only, importing nothing, so the dashboard's client takes them as they are
 * (`import type`) and there is one description. Built by core/stats.ts; fields are only ever added.
 */

export type Verdict = 'better' | 'worse' | 'not_enough_data';

export interface ArmStats {
  variant: string;
  recipients: number;
  conversions: number;
  rate: number;
  revenuePerRecipient: string;
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
 * One definition version of a journey: what started and finished on it, was sent, delivered,
 * clicked, bounced or complained about and converted under it. Deliveries and the rest count under
 * the version the message was sent under (it carries it), so a version's figures add up to the
 * journey's; messages sent before they carried it count under `version: null`.
 */
export interface VersionStats extends Engagement {
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

export interface DayStats {
  day: string;
  entered: number;
  sent: number;
  converted: number;
  revenue: Record<string, string>;
}

export interface JourneyStats extends Engagement {
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
