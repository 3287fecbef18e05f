import { describe, expect, it } from 'vitest';
import { makeIngestHandler } from '../../functions/ingest/handler.ts';
import type { IngestDeps } from '../../functions/ingest/ingest.ts';
import { signBase64Hmac } from '../../functions/ingest/signatures.ts';
import type { Log } from '../../functions/shared/logger.ts';
import { MemoryMetrics } from '../../functions/shared/metrics.ts';
import type { Store } from '../../functions/adapters/dynamo/store.ts';
import { signStripe } from '../../functions/ingest/stripe.ts';

/** A platform whose webhook secret was never set is refused outright, loudly, before any store access. */
function setup(secrets: Partial<IngestDeps['config']>) {
  const logged: { level: string; code: string; fields?: Record<string, unknown> }[] = [];
  const log: Log = {
    info: (code, fields) => logged.push({ level: 'info', code, fields }),
    warn: (code, fields) => logged.push({ level: 'warn', code, fields }),
    error: (code, fields) => logged.push({ level: 'error', code, fields }),
  };
  const metrics = new MemoryMetrics();
  const storeTouched: string[] = [];
  const store = new Proxy(
    {},
    {
      get: (_t, p) => {
        storeTouched.push(String(p));
        return async () => undefined;
      },
    },
  ) as unknown as Store;
  const deps: IngestDeps = {
    config: { tenant: 'default', apiKeys: ['k'], shopifySecrets: [], wooSecrets: [], stripeSecrets: [], unsubscribeSecret: 'unsubscribe-secret-0123456789', maxBodyBytes: 262_144, ...secrets },
    store,
    journeys: [],
    runner: { start: async () => 'started', stop: async () => undefined },
    clock: { now: () => new Date('2026-11-23T12:00:00Z') },
    log,
    metrics,
  };
  const handler = makeIngestHandler(async () => deps);
  const post = (path: string, body: string, headers: Record<string, string>) =>
    handler({
      version: '2.0',
      routeKey: `POST ${path}`,
      rawPath: path,
      rawQueryString: '',
      headers,
      isBase64Encoded: true,
      body: Buffer.from(body).toString('base64'),
      requestContext: { http: { method: 'POST', path } },
    } as unknown as Parameters<typeof handler>[0]);
  return { post, logged, metrics, storeTouched };
}

describe('webhook routes of a platform whose secret is not set', () => {
  const body = '{"id":1}';

  it.each([
    ['shopify', '/webhooks/shopify', { 'X-Shopify-Hmac-Sha256': signBase64Hmac(body, 'whatever'), 'X-Shopify-Topic': 'orders/create' }],
    ['woocommerce', '/webhooks/woocommerce', { 'X-WC-Webhook-Signature': signBase64Hmac(body, 'whatever'), 'X-WC-Webhook-Topic': 'order.created' }],
    ['stripe', '/webhooks/stripe', { 'Stripe-Signature': signStripe(body, 'whatever', Date.parse('2026-11-23T12:00:00Z') / 1000) }],
  ])('%s: 401 naming the missing secret, a log line and a metric for the alarm, and no store access', async (platform, path, headers) => {
    const { post, logged, metrics, storeTouched } = setup({});
    const res = await post(path, body, headers);
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body as string).error).toBe(`the ${platform} webhook secret is not set on this installation`);
    expect(logged).toContainEqual(expect.objectContaining({ level: 'warn', code: 'WEBHOOK_SECRET_UNSET', fields: expect.objectContaining({ route: platform }) }));
    expect(metrics.total('WebhookSecretUnset', { platform })).toBe(1);
    expect(storeTouched).toEqual([]);
  });

  it('still answers the WooCommerce activation ping, and other platforms keep working', async () => {
    const { post } = setup({});
    expect((await post('/webhooks/woocommerce', 'webhook_id=7', { 'content-type': 'application/x-www-form-urlencoded' })).statusCode).toBe(200);
    const shopifyOnly = setup({ shopifySecrets: ['s3cret'] });
    const signed = await shopifyOnly.post('/webhooks/shopify', body, { 'X-Shopify-Hmac-Sha256': signBase64Hmac(body, 'wrong'), 'X-Shopify-Topic': 'orders/create' });
    expect(JSON.parse(signed.body as string).error).toBe('X-Shopify-Hmac-Sha256 does not match the body');
    expect(shopifyOnly.metrics.total('WebhookSecretUnset')).toBe(0);
  });
});
