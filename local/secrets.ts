/** The local stack's credentials: defaults a newcomer can use as they are, every one overridable. */
export interface LocalSecrets {
  apiKey: string;
  shopifySecret: string;
  wooSecret: string;
  stripeSecret: string;
  unsubscribeSecret: string;
  /** Signs journey graphs' webhook calls. */
  webhookSecret?: string;
}

/** Local defaults, documented in the README; override with the environment variables of the same name. */
export function secretsFromEnv(env = process.env): LocalSecrets {
  return {
    apiKey: env['API_KEY'] ?? 'local-api-key',
    shopifySecret: env['SHOPIFY_WEBHOOK_SECRET'] ?? 'test_webhook_secret_DO_NOT_USE',
    wooSecret: env['WOOCOMMERCE_WEBHOOK_SECRET'] ?? 'test_webhook_secret_DO_NOT_USE',
    stripeSecret: env['STRIPE_WEBHOOK_SECRET'] ?? 'test_webhook_secret_DO_NOT_USE',
    unsubscribeSecret: env['UNSUBSCRIBE_SECRET'] ?? 'local-unsubscribe-secret-0123456789',
    webhookSecret: env['WEBHOOK_SECRET'] ?? 'local-webhook-signing-secret-0123456789',
  };
}
