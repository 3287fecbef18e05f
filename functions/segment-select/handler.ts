import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { loadJourneys } from '../../workflows/src/load.ts';
import { systemClock } from '../shared/clock.ts';
import { readEnv, SegmentEnv } from '../shared/config.ts';
import { documentClient } from '../shared/dynamodb.ts';
import type { EnrolDeps } from '../shared/enrolment.ts';
import { powertoolsLog } from '../shared/logger.ts';
import { StepFunctionsRunner } from '../shared/sfn-runner.ts';
import { Store } from '../shared/store.ts';
import { type SelectionResult, selectSegment } from './select.ts';

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
  if (cached !== undefined) return cached;
  const env = readEnv(SegmentEnv);
  cached = {
    config: { tenant: env.TENANT_ID, sendingHours: env.SENDING_HOURS },
    store: new Store(documentClient(), env.TABLE_NAME),
    journeys: loadJourneys(join(env.CONTENT_DIR ?? join(dirname(fileURLToPath(import.meta.url)), 'content'), 'journeys')),
    runner: new StepFunctionsRunner(new SFNClient({}), env.STATE_MACHINE_ARNS),
    clock: systemClock,
    log: powertoolsLog('segment-select'),
  };
  return cached as EnrolDeps;
}

export const handler = middy().handler(makeSegmentHandler(awsDeps));
