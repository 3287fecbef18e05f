import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { awsEnrolDeps } from '../shared/aws-deps.ts';
import { IngestEnv, readEnv } from '../shared/config.ts';
import { LogCode, powertoolsLog } from '../shared/logger.ts';
import { powertoolsSecretFetcher, SecretLists } from '../shared/secrets.ts';
import { lowerCaseHeaders } from './http.ts';
import { handleRequest, type IngestDeps } from './ingest.ts';

/** API Gateway HTTP API (payload 2.0) → the transport-neutral request, and back. */
export function makeIngestHandler(deps: () => IngestDeps | Promise<IngestDeps>) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const rawBody = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
    const res = await handleRequest(
      {
        method: event.requestContext.http.method,
        path: event.rawPath,
        headers: lowerCaseHeaders(event.headers ?? {}),
        query: event.queryStringParameters ?? {},
        rawBody,
      },
      await deps(),
    );
    const isText = typeof res.body === 'string';
    return {
      statusCode: res.status,
      headers: { 'content-type': isText ? 'text/html; charset=utf-8' : 'application/json', ...res.headers },
      body: isText ? (res.body as string) : JSON.stringify(res.body),
    };
  };
}

let cached: { deps: IngestDeps; env: IngestEnv; secrets: SecretLists } | undefined;
function base(): NonNullable<typeof cached> {
  if (cached) return cached;
  const env = readEnv(IngestEnv);
  const enrol = awsEnrolDeps(env, import.meta.url, 'ingest');
  const deps: IngestDeps = {
    ...enrol,
    config: { ...enrol.config, apiKeys: [], shopifySecrets: [], wooSecrets: [], stripeSecrets: [], unsubscribeSecret: '', maxBodyBytes: env.MAX_BODY_BYTES, rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE },
  };
  cached = { deps, env, secrets: new SecretLists(powertoolsSecretFetcher, enrol.clock, enrol.log) };
  return cached;
}

/** Credentials come from Secrets Manager on every request (cached a few minutes), so a rotation needs no redeploy. */
async function awsDeps(): Promise<IngestDeps> {
  const { deps, env, secrets } = base();
  const [apiKeys, shopifySecrets, wooSecrets, stripeSecrets, unsubscribe] = await Promise.all([
    secrets.list(env.API_KEYS_SECRET_ARN),
    secrets.list(env.SHOPIFY_SECRET_ARN),
    secrets.list(env.WOOCOMMERCE_SECRET_ARN),
    secrets.list(env.STRIPE_SECRET_ARN),
    secrets.one(env.UNSUBSCRIBE_SECRET_ARN),
  ]);
  // Links signed with an empty key could be forged by anyone: no signing secret, no service.
  if (!unsubscribe) throw new Error('the unsubscribe signing secret has no value');
  return { ...deps, config: { ...deps.config, apiKeys, shopifySecrets, wooSecrets, stripeSecrets, unsubscribeSecret: unsubscribe } };
}

const errorLog = powertoolsLog('ingest');

/**
 * Infrastructure failures (DynamoDB, Step Functions) answer 500 without detail so the
 * platform retries; the event key was given back, so the retry is processed in full.
 */
const internalError: middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> = {
  onError: async (request) => {
    errorLog.error(LogCode.IngestRejected, { reason: 'internal', error: (request.error as Error)?.name });
    request.response = { statusCode: 500, headers: { 'content-type': 'application/json' }, body: '{"error":"internal error, retry later"}' };
  },
};

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(internalError)
  .handler(makeIngestHandler(awsDeps));
