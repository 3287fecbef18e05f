import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { awsEnrolDeps } from '../shared/aws-deps.ts';
import { IngestEnv, readEnv } from '../shared/config.ts';
import { LogCode } from '../shared/logger.ts';
import { lowerCaseHeaders } from './http.ts';
import { handleRequest, type IngestDeps } from './ingest.ts';

/** API Gateway HTTP API (payload 2.0) → the transport-neutral request, and back. */
export function makeIngestHandler(deps: () => IngestDeps) {
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
      deps(),
    );
    const isText = typeof res.body === 'string';
    return {
      statusCode: res.status,
      headers: { 'content-type': isText ? 'text/html; charset=utf-8' : 'application/json', ...res.headers },
      body: isText ? (res.body as string) : JSON.stringify(res.body),
    };
  };
}

let cached: IngestDeps | undefined;
function awsDeps(): IngestDeps {
  if (cached) return cached;
  const env = readEnv(IngestEnv);
  const base = awsEnrolDeps(env, import.meta.url, 'ingest');
  cached = {
    ...base,
    config: {
      ...base.config,
      apiKeys: env.API_KEYS,
      shopifySecrets: env.SHOPIFY_WEBHOOK_SECRETS,
      wooSecrets: env.WOOCOMMERCE_WEBHOOK_SECRETS ?? [],
      stripeSecrets: env.STRIPE_WEBHOOK_SECRETS ?? [],
      unsubscribeSecret: env.UNSUBSCRIBE_SECRET,
      maxBodyBytes: env.MAX_BODY_BYTES,
      rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    },
  };
  return cached;
}

/**
 * Infrastructure failures (DynamoDB, Step Functions) answer 500 without detail so the
 * platform retries; the event key was given back, so the retry is processed in full.
 */
const internalError: middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> = {
  onError: async (request) => {
    awsDeps().log.error(LogCode.IngestRejected, { reason: 'internal', error: (request.error as Error)?.name });
    request.response = { statusCode: 500, headers: { 'content-type': 'application/json' }, body: '{"error":"internal error, retry later"}' };
  },
};

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(internalError)
  .handler(makeIngestHandler(awsDeps));
