import { z } from 'zod';

/**
 * Journey statistics as `GET /v1/journeys/stats` answers them (the shape agreed in the team's
 * notes), read by the dashboard through a StatsSource: the use case behind that endpoint once it is
 * wired, a fixture in tests, nothing at all where it is absent (the dashboard then shows an empty
 * state). What a source hands over is checked against this schema before it reaches a page.
 */

const count = z.number().int().min(0);
const money = z.record(z.string(), z.string());

export const JourneyStats = z.object({
  journey: z.string(),
  name: z.string(),
  entered: count,
  active: count,
  finished: count,
  sent: count,
  delivered: count,
  clicked: count,
  suppressed: z.record(z.string(), count),
  converted: count,
  revenue: money,
  cost: z.object({ transitions: count, invocations: count, emails: count, smsParts: count, usd: z.number().min(0) }),
  days: z.array(z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), entered: count, sent: count, converted: count, revenue: money })),
  nodes: z.array(z.object({ node: z.string(), sent: count, suppressed: count, converted: count })),
  experiments: z.array(
    z.object({
      node: z.string(),
      kind: z.enum(['split', 'holdout']),
      arms: z.array(z.object({ variant: z.string(), recipients: count, conversions: count, rate: z.number(), revenuePerRecipient: z.string() })),
      difference: z.object({ rate: z.number(), low: z.number(), high: z.number() }).nullable(),
      verdict: z.enum(['better', 'worse', 'not_enough_data']),
      neededPerArm: count.nullable(),
    }),
  ),
});
export type JourneyStats = z.infer<typeof JourneyStats>;

export const StatsReport = z.object({ generatedAt: z.string(), journeys: z.array(JourneyStats) });
export type StatsReport = z.infer<typeof StatsReport>;

/** The statistics of one shop's journeys; undefined where no source of them is deployed. */
export type StatsSource = (tenant: string) => Promise<StatsReport | undefined>;
