import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** Event shapes as AWS services deliver them to a function: the local stack drives its handlers with them, and the production-path tests the bundles. */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `10/Mar/2026:09:00:00 +0000`, API Gateway's requestContext.time. */
function apiGatewayTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export interface HttpCall {
  method: string;
  /** Path with an optional query string. */
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/**
 * An HTTP API (API Gateway v2) Lambda proxy event, payload format 2.0, for a matched route:
 * header names lower-cased, the body base64-encoded as API Gateway hands over a JSON or form body.
 */
export function httpApiEvent(req: HttpCall, route: { routeKey: string; pathParameters?: Record<string, string> }, api: { apiId: string; region: string; account: string; now: Date }) {
  const [rawPath, rawQueryString = ''] = req.url.split(/\?(.*)/s) as [string, string?];
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) {
    const key = k.toLowerCase();
    headers[key] = headers[key] === undefined ? v : `${headers[key]},${v}`;
  }
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
  if (body) headers['content-length'] = String(body.length);
  const domainName = `${api.apiId}.execute-api.${api.region}.amazonaws.com`;
  Object.assign(headers, { host: domainName, 'x-forwarded-for': '203.0.113.10', 'x-forwarded-port': '443', 'x-forwarded-proto': 'https' });
  // API Gateway takes the Cookie header apart into `cookies`.
  const cookies = headers['cookie']?.split(/;\s*/).filter(Boolean);
  delete headers['cookie'];
  const query = new URLSearchParams(rawQueryString);
  const queryStringParameters: Record<string, string> = {};
  for (const [k, v] of query) queryStringParameters[k] = queryStringParameters[k] === undefined ? v : `${queryStringParameters[k]},${v}`;
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(rawQueryString ? { queryStringParameters } : {}),
    ...(route.pathParameters ? { pathParameters: route.pathParameters } : {}),
    requestContext: {
      accountId: api.account,
      apiId: api.apiId,
      domainName,
      domainPrefix: api.apiId,
      http: { method: req.method.toUpperCase(), path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.10', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID().slice(0, 16),
      routeKey: route.routeKey,
      stage: '$default',
      time: apiGatewayTime(api.now),
      timeEpoch: api.now.getTime(),
    },
    ...(body ? { body: body.toString('base64'), isBase64Encoded: true } : { isBase64Encoded: false }),
  };
}

/** What SNS hands a subscribed function: one record per message. */
export function snsEvent(topicArn: string, subscriptionId: string, message: string, now: Date) {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:${subscriptionId}`,
        Sns: {
          Type: 'Notification',
          MessageId: randomUUID(),
          TopicArn: topicArn,
          Subject: null,
          Message: message,
          Timestamp: now.toISOString(),
          SignatureVersion: '1',
          Signature: Buffer.from('not-verified-by-the-function').toString('base64'),
          SigningCertUrl: 'https://sns.eu-central-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem',
          UnsubscribeUrl: `https://sns.eu-central-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:${subscriptionId}`,
          MessageAttributes: {},
        },
      },
    ],
  };
}

/**
 * An SES event-publishing record for a permanent bounce, as a configuration set's SNS event
 * destination publishes it (eventType, not the older notificationType of identity notifications).
 */
export function sesBounce(recipient: string, opts: { bounceType?: 'Permanent' | 'Transient'; messageId: string; from: string; at: Date }) {
  return {
    eventType: 'Bounce',
    bounce: {
      feedbackId: `0102${randomUUID().replaceAll('-', '')}-000000`,
      bounceType: opts.bounceType ?? 'Permanent',
      bounceSubType: opts.bounceType === 'Transient' ? 'MailboxFull' : 'General',
      bouncedRecipients: [{ emailAddress: recipient, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
      timestamp: opts.at.toISOString(),
      reportingMTA: 'dsn; a1-23.smtp-out.eu-central-1.amazonses.com',
    },
    mail: {
      timestamp: opts.at.toISOString(),
      source: opts.from,
      sendingAccountId: '000000000000',
      messageId: opts.messageId,
      destination: [recipient],
      headersTruncated: false,
      tags: { 'ses:configuration-set': ['configured'] },
    },
  };
}

/** EventBridge Scheduler fills `<aws.scheduler.*>` placeholders of a target's input at each run. */
export function schedulerInput(template: string, scheduledTime: Date, scheduleArn: string): unknown {
  const filled = template
    .replaceAll('<aws.scheduler.scheduled-time>', scheduledTime.toISOString().replace(/\.\d{3}Z$/, 'Z'))
    .replaceAll('<aws.scheduler.schedule-arn>', scheduleArn)
    .replaceAll('<aws.scheduler.execution-id>', randomUUID())
    .replaceAll('<aws.scheduler.attempt-number>', '1');
  if (/<aws\.scheduler\.[^>]+>/.test(filled)) throw new Error(`schedule input has a placeholder the harness does not fill: ${filled}`);
  return JSON.parse(filled);
}

/** API Gateway's answer to the caller, read back into the local server's response. */
export function fromHttpApiResult(r: { statusCode?: number; headers?: Record<string, string | number | boolean>; body?: string; cookies?: string[] }): {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  cookies?: string[];
} {
  const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  const json = (headers['content-type'] ?? '').includes('application/json');
  return { status: r.statusCode ?? 200, headers, body: json && r.body ? (JSON.parse(r.body) as unknown) : (r.body ?? ''), ...(r.cookies?.length ? { cookies: r.cookies } : {}) };
}

/** What Lambda passes a handler beside the event; the local stack's functions get one like it. */
export function lambdaContext(functionName: string): Context {
  return { functionName, awsRequestId: randomUUID(), invokedFunctionArn: `arn:aws:lambda:eu-central-1:000000000000:function:${functionName}` } as Context;
}

