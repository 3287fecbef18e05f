import { z } from 'zod';
import type { JourneyStats as BuiltJourneyStats } from '../../core/stats-types.ts';

/**
 * Journey statistics as `GET /v1/journeys/stats` answers them (the shape agreed in the team's
 * notes), read by the dashboard through a StatsSource: the use case behind that endpoint once it is
 * wired, a fixture in tests, nothing at all where it is absent (the dashboard then shows an empty
 * state). What a source hands over is checked against this schema before it reaches a page.
 */

const count = z.number().int().min(0);
const money = z.record(z.string(), z.string());
const amount = z.string().regex(/^-?\d+(\.\d+)?$/);
const verdict = z.enum(['better', 'worse', 'not_enough_data']);
const engagement = { bounced: count, complained: count, opened: z.object({ count, reliable: z.literal(false) }).optional() };
const points = z.number().min(-100).max(100);
const margin = z.number().min(0).nullable();
const surveys = {
  nps: z.object({ responses: count, promoters: count, passives: count, detractors: count, score: points, margin, few: z.boolean() }).optional(),
  csat: z.object({ responses: count, satisfied: count, score: points, mean: z.number().min(1).max(5), margin, few: z.boolean() }).optional(),
};

export const JourneyStats = z.object({
  journey: z.string(),
  name: z.string(),
  entered: count,
  active: count,
  finished: count,
  sent: count,
  delivered: count,
  clicked: count,
  ...engagement,
  suppressed: z.record(z.string(), count),
  converted: count,
  revenue: money,
  ...surveys,
  cost: z.object({ transitions: count, invocations: count, emails: count, smsParts: count, usd: z.number().min(0) }),
  days: z.array(z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), entered: count, sent: count, converted: count, revenue: money, ...surveys })),
  nodes: z.array(z.object({ node: z.string(), sent: count, suppressed: count, converted: count, delivered: count, clicked: count, ...engagement })),
  experiments: z.array(
    z.object({
      node: z.string(),
      kind: z.enum(['split', 'holdout']),
      arms: z.array(
        z.object({
          variant: z.string(),
          recipients: count,
          conversions: count,
          rate: z.number(),
          revenuePerRecipient: z.string(),
          delivered: count,
          clicked: count,
          clickRate: z.number().min(0),
          ...engagement,
        }),
      ),
      difference: z
        .object({
          rate: z.number(),
          low: z.number(),
          high: z.number(),
          revenue: z.object({ perRecipient: amount, low: amount.nullable(), high: amount.nullable(), verdict }),
        })
        .nullable(),
      verdict,
      neededPerArm: count.nullable(),
    }),
  ),
  versions: z.array(
    z.object({
      version: z.string().nullable(),
      firstDay: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      lastDay: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      entered: count,
      finished: count,
      sent: count,
      delivered: count,
      clicked: count,
      ...engagement,
      converted: count,
      revenue: money,
      ...surveys,
    }),
  ),
  edges: z.array(z.object({ from: z.string(), to: z.string(), executions: count })),
});
export type JourneyStats = z.infer<typeof JourneyStats>;

/** The schema checks exactly what core/stats.ts builds: a field added there and not here fails the typecheck. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const SCHEMA_MATCHES_STATS: Same<JourneyStats, BuiltJourneyStats> = true;

export const StatsReport = z.object({ generatedAt: z.string(), journeys: z.array(JourneyStats) });
export type StatsReport = z.infer<typeof StatsReport>;

/** The statistics of one shop's journeys; undefined where no source of them is deployed. */
export type StatsSource = (tenant: string) => Promise<StatsReport | undefined>;
