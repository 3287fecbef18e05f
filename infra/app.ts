import { App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadJourneys } from '../workflows/src/load.ts';
import { DataStack } from './data-stack.ts';
import { EngineStack } from './engine-stack.ts';
import { applySuppressions } from './nag-suppressions.ts';

export interface BuiltApp {
  app: App;
  data: DataStack;
  engine: EngineStack;
}

/** Builds the whole application; `cdk synth`, the tests and the local engine all start here. */
export function buildApp(
  app = new App(),
  // Frankfurt by default: closest to Polish shops and inside the EU for RODO.
  env: Environment = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION ?? 'eu-central-1' },
): BuiltApp {
  const ctx = (name: string, fallback: string) => (app.node.tryGetContext(name) as string | undefined) ?? process.env[name.toUpperCase()] ?? fallback;
  const data = new DataStack(app, 'KoszykData', { env });
  const engine = new EngineStack(app, 'KoszykEngine', {
    env,
    table: data.table,
    key: data.key,
    journeys: loadJourneys(),
    senderDomain: ctx('senderDomain', 'example.com'),
    shopName: ctx('shopName', 'Sklep'),
    secrets: {
      apiKeys: ctx('apiKeys', 'change-me-api-key'),
      shopifyWebhookSecrets: ctx('shopifyWebhookSecrets', 'change-me-shopify-secret'),
      wooWebhookSecrets: ctx('wooWebhookSecrets', 'change-me-woocommerce-secret'),
      stripeWebhookSecrets: ctx('stripeWebhookSecrets', 'change-me-stripe-secret'),
      unsubscribeSecret: ctx('unsubscribeSecret', 'change-me-unsubscribe-secret-32b'),
    },
  });
  applySuppressions(data, engine);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, data, engine };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildApp(new App()).app.synth();
}
