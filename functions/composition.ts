import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadCatalogue, loadJourneys, loadTemplates } from '../workflows/src/load.ts';
import { documentClient } from './adapters/dynamo/client.ts';
import { Store } from './adapters/dynamo/store.ts';
import { EventBridgePublisher } from './adapters/eventbridge.ts';
import { SesMailer } from './adapters/ses.ts';
import { StepFunctionsRunner } from './adapters/sfn.ts';
import { EndUserMessagingSms } from './adapters/sms.ts';
import type { EnrolDeps } from './app/enrolment.ts';
import { withStats } from './app/measure.ts';
import type { FeedbackDeps } from './app/record-feedback.ts';
import type { StepDeps } from './app/run-step.ts';
import { statsSource } from './app/journey-stats.ts';
import { COST_PRICES } from './shared/prices.ts';
import { FetchWebhookCaller } from './adapters/webhook.ts';
import type { IngestDeps } from './ingest/deps.ts';
import type { SegmentDeps } from './app/select-segment.ts';
import { systemClock } from './shared/clock.ts';
import { FeedbackEnv, IngestEnv, readEnv, SegmentEnv, shopsOf, StepEnv } from './shared/config.ts';
import { powertoolsLog } from './shared/logger.ts';
import { powertoolsMetrics } from './shared/metrics.ts';
import { providerClients } from './shared/provider-clients.ts';
import { powertoolsSecretFetcher, SecretLists } from './shared/secrets.ts';
import { brandingFromEnv } from './shared/branding.ts';
import { assetsFromDir } from './ingest/dashboard/assets.ts';

/**
 * The composition root of every Lambda function: configuration read once and checked, each
 * adapter made in one place, secrets read per invocation through a cache (a rotation needs no
 * redeploy). The local stack builds the same dependency shapes from its local adapters
 * (local/stack.ts) and drives the same handlers.
 */

/** Where the journey and template files are: CONTENT_DIR, or `content/` beside the bundle. */
export function contentDir(env: { CONTENT_DIR?: string }): string {
  return env.CONTENT_DIR ?? join(dirname(fileURLToPath(import.meta.url)), 'content');
}

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}

/** One Powertools logger per function, so the middy chain can put the Lambda context on every line. */
const serviceName = () => process.env['HANDLER_NAME'] ?? 'koszyk';
export const serviceLogger = once(() => new Logger({ serviceName: serviceName() }));

/**
 * The state table, counting into the journeys' counters what is recorded on it for the first time
 * (functions/app/measure.ts). Step Functions does not report transitions per journey, so each
 * executed step adds its estimated transitions and invocation.
 */
function measuredStore(tableName: string, journeys: EnrolDeps['journeys']) {
  return withStats(new Store(documentClient(), tableName), { journeys, log: powertoolsLog(serviceLogger()), estimateUsage: true });
}

const enrolDeps = (env: IngestEnv | SegmentEnv): EnrolDeps => {
  const journeys = loadJourneys(join(contentDir(env), 'journeys'));
  return {
    config: { tenant: env.TENANT_ID, sendingHours: env.SENDING_HOURS },
    store: measuredStore(env.TABLE_NAME, journeys),
    journeys,
    runner: new StepFunctionsRunner(providerClients.sfn(), env.STATE_MACHINE_ARNS),
    clock: systemClock,
    log: powertoolsLog(serviceLogger()),
    metrics: powertoolsMetrics(serviceName()),
  };
};

const ingestBase = once(() => {
  const env = readEnv(IngestEnv);
  const base = enrolDeps(env);
  const deps: IngestDeps = {
    ...base,
    catalogue: loadCatalogue(join(contentDir(env), 'events')),
    dashboardAssets: assetsFromDir(join(contentDir(env), 'dashboard')),
    stats: statsSource({ store: base.store, journeys: base.journeys, prices: COST_PRICES, clock: base.clock }),
    config: { ...base.config, apiKeys: [], shopifySecrets: [], wooSecrets: [], stripeSecrets: [], unsubscribeSecret: '', maxBodyBytes: env.MAX_BODY_BYTES, rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE, branding: brandingFromEnv(env) },
  };
  return { deps, env, secrets: new SecretLists(powertoolsSecretFetcher, systemClock, base.log) };
});

/** Links signed with an empty key could be forged by anyone: no signing secret, no service. */
function signingSecret(value: string | undefined): string {
  if (!value) throw new Error('the unsubscribe signing secret has no value');
  return value;
}

/** The ingest: credentials from Secrets Manager on every request (cached a few minutes). */
export async function awsIngestDeps(): Promise<IngestDeps> {
  const { deps, env, secrets } = ingestBase();
  const [apiKeys, shopifySecrets, wooSecrets, stripeSecrets, unsubscribe] = await Promise.all([
    secrets.list(env.API_KEYS_SECRET_ARN),
    secrets.list(env.SHOPIFY_SECRET_ARN),
    secrets.list(env.WOOCOMMERCE_SECRET_ARN),
    secrets.list(env.STRIPE_SECRET_ARN),
    secrets.one(env.UNSUBSCRIBE_SECRET_ARN),
  ]);
  return { ...deps, config: { ...deps.config, apiKeys, shopifySecrets, wooSecrets, stripeSecrets, unsubscribeSecret: signingSecret(unsubscribe) } };
}

const stepBase = once(() => {
  const env = readEnv(StepEnv);
  const log = powertoolsLog(serviceLogger());
  const journeys = loadJourneys(join(contentDir(env), 'journeys'));
  const deps: StepDeps = {
    config: {
      shopName: env.SHOP_NAME,
      shopUrl: env.SHOP_URL,
      shopColor: env.SHOP_COLOR,
      publicUrl: env.PUBLIC_URL,
      unsubscribeSecret: '',
      smsTransliterate: env.SMS_TRANSLITERATE,
      smsDailyCap: env.SMS_DAILY_CAP,
      sendingHours: env.SENDING_HOURS,
      frequencyCap: { max: env.FREQUENCY_CAP_MAX, days: env.FREQUENCY_CAP_DAYS },
    },
    store: measuredStore(env.TABLE_NAME, journeys),
    mailer: new SesMailer(providerClients.ses(), env.FROM_EMAIL, env.SES_CONFIGURATION_SET),
    sms: new EndUserMessagingSms(providerClients.sms(), env.SMS_ORIGINATION_IDENTITY, env.SMS_CONFIGURATION_SET),
    events: new EventBridgePublisher(providerClients.events(), env.EVENT_BUS_NAME),
    templates: loadTemplates(join(contentDir(env), 'templates')),
    journeys,
    catalogue: loadCatalogue(join(contentDir(env), 'events')),
    clock: systemClock,
    log,
    metrics: powertoolsMetrics(serviceName()),
    webhooks: new FetchWebhookCaller(),
  };
  return { deps, secrets: new SecretLists(powertoolsSecretFetcher, systemClock, log), arn: env.UNSUBSCRIBE_SECRET_ARN, webhookArn: env.WEBHOOK_SECRET_ARN };
});

/** The journey step: the signing secrets from Secrets Manager (cached), never from the environment. */
export async function awsStepDeps(): Promise<StepDeps> {
  const { deps, secrets, arn, webhookArn } = stepBase();
  const [unsubscribe, webhook] = await Promise.all([secrets.one(arn), webhookArn ? secrets.one(webhookArn) : undefined]);
  return { ...deps, config: { ...deps.config, unsubscribeSecret: signingSecret(unsubscribe), ...(webhook ? { webhookSecret: signingSecret(webhook) } : {}) } };
}

export const awsFeedbackDeps = once((): FeedbackDeps => {
  const env = readEnv(FeedbackEnv);
  return {
    tenant: env.TENANT_ID,
    shops: shopsOf(env),
    smsNumbers: env.SMS_SHOP_NUMBERS,
    countOpens: env.COUNT_OPENS,
    store: new Store(documentClient(), env.TABLE_NAME),
    clock: systemClock,
    log: powertoolsLog(serviceLogger()),
  };
});

export const awsSegmentDeps = once((): SegmentDeps => {
  const env = readEnv(SegmentEnv);
  return { ...enrolDeps(env), shops: shopsOf(env) };
});
