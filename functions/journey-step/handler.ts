import { EventBridgePublisher } from '../adapters/eventbridge.ts';
import { EndUserMessagingSms } from '../adapters/sms.ts';
import middy from '@middy/core';
import { join } from 'node:path';
import { loadJourneys, loadTemplates } from '../../workflows/src/load.ts';
import { contentDir } from '../shared/aws-deps.ts';
import { systemClock } from '../shared/clock.ts';
import { readEnv, StepEnv } from '../shared/config.ts';
import { documentClient } from '../adapters/dynamo/client.ts';
import { powertoolsLog } from '../shared/logger.ts';
import { powertoolsMetrics } from '../shared/metrics.ts';
import { providerClients } from '../shared/provider-clients.ts';
import { powertoolsSecretFetcher, SecretLists } from '../shared/secrets.ts';
import { SesMailer } from '../adapters/ses.ts';
import { Store } from '../adapters/dynamo/store.ts';
import { runStep, type StepDeps, type StepResult } from '../app/run-step.ts';
import { parseStepPayload } from '../core/step-payload.ts';

/** Parses the versioned task payload at the boundary; a bad payload fails the task loudly. */
export function makeStepHandler(deps: () => StepDeps | Promise<StepDeps>) {
  return async (event: unknown): Promise<StepResult> => {
    const d = await deps();
    return runStep(parseStepPayload(event, d.journeys), d);
  };
}

let cached: { deps: StepDeps; secrets: SecretLists; arn: string } | undefined;
function base(): NonNullable<typeof cached> {
  if (cached !== undefined) return cached;
  const env = readEnv(StepEnv);
  const log = powertoolsLog('journey-step');
  const deps: StepDeps = {
    config: {
      shopName: env.SHOP_NAME,
      shopUrl: env.SHOP_URL,
      publicUrl: env.PUBLIC_URL,
      unsubscribeSecret: '',
      smsTransliterate: env.SMS_TRANSLITERATE,
      smsDailyCap: env.SMS_DAILY_CAP,
      sendingHours: env.SENDING_HOURS,
      frequencyCap: { max: env.FREQUENCY_CAP_MAX, days: env.FREQUENCY_CAP_DAYS },
    },
    store: new Store(documentClient(), env.TABLE_NAME),
    mailer: new SesMailer(providerClients.ses(), env.FROM_EMAIL, env.SES_CONFIGURATION_SET),
    sms: new EndUserMessagingSms(providerClients.sms(), env.SMS_ORIGINATION_IDENTITY, env.SMS_CONFIGURATION_SET),
    events: new EventBridgePublisher(providerClients.events(), env.EVENT_BUS_NAME),
    templates: loadTemplates(join(contentDir(env, import.meta.url), 'templates')),
    journeys: loadJourneys(join(contentDir(env, import.meta.url), 'journeys')),
    clock: systemClock,
    log,
    metrics: powertoolsMetrics('journey-step'),
  };
  cached = { deps, secrets: new SecretLists(powertoolsSecretFetcher, systemClock, log), arn: env.UNSUBSCRIBE_SECRET_ARN };
  return cached;
}

/** The signing secret is read from Secrets Manager (cached a few minutes), never from the environment. */
async function awsDeps(): Promise<StepDeps> {
  const { deps, secrets, arn } = base();
  const unsubscribeSecret = await secrets.one(arn);
  // A failed task is retried by the state machine; a link signed with no key would be forgeable.
  if (!unsubscribeSecret) throw new Error('the unsubscribe signing secret has no value');
  return { ...deps, config: { ...deps.config, unsubscribeSecret } };
}

export const handler = middy().handler(makeStepHandler(awsDeps));
