import type { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { z } from 'zod';
import { selectDates } from '../app/select-dates.ts';
import { runScheduledSelection, type ScheduledRun, type SegmentDeps, selectSegment } from '../app/select-segment.ts';
import { awsSegmentDeps, serviceLogger } from '../composition.ts';
import { logContext, parseEvent } from '../shared/middleware.ts';

/** EventBridge Scheduler input: which journey, and the run's scheduled time. */
export const SegmentRun = z.object({ version: z.literal(1), journey: z.string(), scheduledTime: z.iso.datetime().optional() });
export type SegmentRun = z.infer<typeof SegmentRun>;

export function makeSegmentHandler(deps: () => SegmentDeps) {
  return async (run: SegmentRun): Promise<ScheduledRun[]> => {
    const d = deps();
    const journey = d.journeys.find((j) => j.id === run.journey && (j.trigger === 'schedule' || j.trigger === 'date'));
    if (!journey) throw new Error(`no scheduled journey ${run.journey}`);
    return runScheduledSelection(journey, run.scheduledTime ? new Date(run.scheduledTime) : d.clock.now(), d.shops, d, journey.trigger === 'date' ? selectDates : selectSegment);
  };
}

/** The function as EventBridge Scheduler invokes it, and as the local scheduler does. */
export function segmentHandler(deps: () => SegmentDeps, logger?: Logger) {
  return middy<SegmentRun, ScheduledRun[]>()
    .use(logContext(logger))
    .use(parseEvent(SegmentRun, 'scheduler input') as middy.MiddlewareObj<SegmentRun, ScheduledRun[]>)
    .handler(makeSegmentHandler(deps));
}

export const handler = segmentHandler(awsSegmentDeps, serviceLogger());
