import middy from '@middy/core';
import { z } from 'zod';
import { awsEnrolDeps } from '../shared/aws-deps.ts';
import { readEnv, SegmentEnv } from '../shared/config.ts';
import type { EnrolDeps } from '../app/enrolment.ts';
import { type SelectionResult, selectSegment } from '../app/select-segment.ts';

/** EventBridge Scheduler input: which journey, and the run's scheduled time. */
export const SegmentRun = z.object({ version: z.literal(1), journey: z.string(), scheduledTime: z.iso.datetime().optional() });

export function makeSegmentHandler(deps: () => EnrolDeps) {
  return async (event: unknown): Promise<SelectionResult> => {
    const run = SegmentRun.parse(event);
    const d = deps();
    const journey = d.journeys.find((j) => j.id === run.journey && j.trigger === 'schedule');
    if (!journey) throw new Error(`no scheduled journey ${run.journey}`);
    return selectSegment(journey, run.scheduledTime ? new Date(run.scheduledTime) : d.clock.now(), d);
  };
}

let cached: EnrolDeps | undefined;
function awsDeps(): EnrolDeps {
  cached ??= awsEnrolDeps(readEnv(SegmentEnv), import.meta.url, 'segment-select');
  return cached;
}

export const handler = middy().handler(makeSegmentHandler(awsDeps));
