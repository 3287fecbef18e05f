import { SESv2Client } from '@aws-sdk/client-sesv2';
import middy from '@middy/core';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTemplates } from '../../workflows/src/load.ts';
import { systemClock } from '../shared/clock.ts';
import { readEnv, StepEnv } from '../shared/config.ts';
import { documentClient } from '../shared/dynamodb.ts';
import { powertoolsLog } from '../shared/logger.ts';
import { SesMailer } from '../shared/mailer.ts';
import { Store } from '../shared/store.ts';
import { runStep, type StepDeps, StepInput, type StepResult } from './step.ts';

/** Parses the versioned task payload at the boundary; a bad payload fails the task loudly. */
export function makeStepHandler(deps: () => StepDeps) {
  return async (event: unknown): Promise<StepResult> => runStep(StepInput.parse(event), deps());
}

let cached: StepDeps | undefined;
function awsDeps(): StepDeps {
  if (cached) return cached;
  const env = readEnv(StepEnv);
  const here = dirname(fileURLToPath(import.meta.url));
  cached = {
    config: { shopName: env.SHOP_NAME, publicUrl: env.PUBLIC_URL, unsubscribeSecret: env.UNSUBSCRIBE_SECRET },
    store: new Store(documentClient(), env.TABLE_NAME),
    mailer: new SesMailer(new SESv2Client({}), env.FROM_EMAIL, env.SES_CONFIGURATION_SET),
    templates: loadTemplates(env.CONTENT_DIR ?? join(here, 'templates')),
    clock: systemClock,
    log: powertoolsLog('journey-step'),
  };
  return cached;
}

export const handler = middy().handler(makeStepHandler(awsDeps));
