import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadJourneys } from '../../workflows/src/load.ts';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { systemClock } from '../shared/clock.ts';
import { IngestEnv, readEnv } from '../shared/config.ts';
import { documentClient } from '../shared/dynamodb.ts';
import { LogCode, powertoolsLog } from '../shared/logger.ts';
import { StepFunctionsRunner } from '../shared/sfn-runner.ts';
import { Store } from '../shared/store.ts';
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
  cached = {
    config: {
      tenant: env.TENANT_ID,
      apiKeys: env.API_KEYS,
      shopifySecrets: env.SHOPIFY_WEBHOOK_SECRETS,
      wooSecrets: env.WOOCOMMERCE_WEBHOOK_SECRETS ?? [],
      stripeSecrets: env.STRIPE_WEBHOOK_SECRETS ?? [],
      unsubscribeSecret: env.UNSUBSCRIBE_SECRET,
      maxBodyBytes: env.MAX_BODY_BYTES,
      sendingHours: env.SENDING_HOURS,
      rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    },
    store: new Store(documentClient(), env.TABLE_NAME),
    journeys: loadJourneys(join(env.CONTENT_DIR ?? join(dirname(fileURLToPath(import.meta.url)), 'content'), 'journeys')),
    runner: new StepFunctionsRunner(new SFNClient({}), env.STATE_MACHINE_ARNS),
    clock: systemClock,
    log: powertoolsLog('ingest'),
  };
  return cached as IngestDeps;
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
