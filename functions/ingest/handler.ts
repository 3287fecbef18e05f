import type { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { awsIngestDeps, serviceLogger } from '../composition.ts';
import { type Log, LogCode, powertoolsLog } from '../shared/logger.ts';
import { logContext } from '../shared/middleware.ts';
import { lowerCaseHeaders } from './http.ts';
import { handleRequest, type IngestDeps } from './ingest.ts';

/** API Gateway HTTP API (payload 2.0) → the transport-neutral request, and back. */
export function makeIngestHandler(deps: () => IngestDeps | Promise<IngestDeps>) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const rawBody = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
    const headers = lowerCaseHeaders(event.headers ?? {});
    // Payload 2.0 hands cookies over apart from the headers.
    if (event.cookies?.length) headers['cookie'] = event.cookies.join('; ');
    const res = await handleRequest(
      {
        method: event.requestContext.http.method,
        path: event.rawPath,
        headers,
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
      ...(res.cookies?.length ? { cookies: res.cookies } : {}),
    };
  };
}

/**
 * Infrastructure failures (DynamoDB, Step Functions) answer 500 without detail so the
 * platform retries; the event key was given back, so the retry is processed in full.
 */
function internalError(log: Log): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: async (request) => {
      log.error(LogCode.IngestRejected, { reason: 'internal', error: (request.error as Error)?.name });
      request.response = { statusCode: 500, headers: { 'content-type': 'application/json' }, body: '{"error":"internal error, retry later"}' };
    },
  };
}

/** The function as API Gateway (HTTP API, payload 2.0) invokes it, and as the local server does. */
export function ingestHandler(deps: () => IngestDeps | Promise<IngestDeps>, log: Log, logger?: Logger) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(logContext(logger))
    .use(internalError(log))
    .handler(makeIngestHandler(deps));
}

export const handler = ingestHandler(awsIngestDeps, powertoolsLog(serviceLogger()), serviceLogger());
