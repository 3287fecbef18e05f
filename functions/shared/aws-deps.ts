import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SendingHours } from '../../workflows/src/quiet-hours.ts';
import { loadJourneys } from '../../workflows/src/load.ts';
import { systemClock } from './clock.ts';
import { documentClient } from '../adapters/dynamo/client.ts';
import type { EnrolDeps } from '../app/enrolment.ts';
import { powertoolsLog } from './logger.ts';
import { powertoolsMetrics } from './metrics.ts';
import { providerClients } from './provider-clients.ts';
import { StepFunctionsRunner } from '../adapters/sfn.ts';
import { Store } from '../adapters/dynamo/store.ts';

/** Where the journey and template files are: CONTENT_DIR, or `content/` beside the handler's bundle. */
export function contentDir(env: { CONTENT_DIR?: string }, handlerUrl: string): string {
  return env.CONTENT_DIR ?? join(dirname(fileURLToPath(handlerUrl)), 'content');
}

/** What every function that starts journeys builds the same way on Lambda. */
export function awsEnrolDeps(
  env: { TENANT_ID: string; TABLE_NAME: string; SENDING_HOURS: SendingHours; CONTENT_DIR?: string; STATE_MACHINE_ARNS: Record<string, string> },
  handlerUrl: string,
  service: string,
): EnrolDeps {
  return {
    config: { tenant: env.TENANT_ID, sendingHours: env.SENDING_HOURS },
    store: new Store(documentClient(), env.TABLE_NAME),
    journeys: loadJourneys(join(contentDir(env, handlerUrl), 'journeys')),
    runner: new StepFunctionsRunner(providerClients.sfn(), env.STATE_MACHINE_ARNS),
    clock: systemClock,
    log: powertoolsLog(service),
    metrics: powertoolsMetrics(service),
  };
}
