import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { EventBridgePublisher } from '../shared/events-out.ts';
import { EndUserMessagingSms } from '../shared/sms-sender.ts';
import middy from '@middy/core';
import { join } from 'node:path';
import { loadTemplates } from '../../workflows/src/load.ts';
import { contentDir } from '../shared/aws-deps.ts';
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
  if (cached !== undefined) return cached;
  const env = readEnv(StepEnv);
  cached = {
    config: {
      shopName: env.SHOP_NAME,
      publicUrl: env.PUBLIC_URL,
      unsubscribeSecret: env.UNSUBSCRIBE_SECRET,
      smsTransliterate: env.SMS_TRANSLITERATE,
      smsDailyCap: env.SMS_DAILY_CAP,
      sendingHours: env.SENDING_HOURS,
      frequencyCap: { max: env.FREQUENCY_CAP_MAX, days: env.FREQUENCY_CAP_DAYS },
    },
    store: new Store(documentClient(), env.TABLE_NAME),
    mailer: new SesMailer(new SESv2Client({}), env.FROM_EMAIL, env.SES_CONFIGURATION_SET),
    sms: new EndUserMessagingSms(new PinpointSMSVoiceV2Client({}), env.SMS_ORIGINATION_IDENTITY),
    events: new EventBridgePublisher(new EventBridgeClient({}), env.EVENT_BUS_NAME),
    templates: loadTemplates(join(contentDir(env, import.meta.url), 'templates')),
    clock: systemClock,
    log: powertoolsLog('journey-step'),
  };
  return cached as StepDeps;
}

export const handler = middy().handler(makeStepHandler(awsDeps));
