import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import { systemClock } from '../shared/clock.ts';
import { readEnv, SegmentEnv } from '../shared/config.ts';
import { documentClient } from '../adapters/dynamo/client.ts';
import { powertoolsLog } from '../shared/logger.ts';
import { Store } from '../adapters/dynamo/store.ts';
import { type FeedbackDeps, type FeedbackResult, handleFeedback } from '../app/record-feedback.ts';

/** SNS (SES event destination, two-way SMS) → one feedback event per record. */
export function makeFeedbackHandler(deps: () => FeedbackDeps) {
  return async (event: SNSEvent): Promise<FeedbackResult[]> => {
    const results: FeedbackResult[] = [];
    for (const record of event.Records) {
      let body: unknown;
      try {
        body = JSON.parse(record.Sns.Message);
      } catch {
        results.push({ kind: 'ignored', reason: 'message is not JSON' });
        continue;
      }
      results.push(await handleFeedback(body, deps()));
    }
    return results;
  };
}

let cached: FeedbackDeps | undefined;
function awsDeps(): FeedbackDeps {
  if (cached !== undefined) return cached;
  const env = readEnv(SegmentEnv.pick({ TABLE_NAME: true, TENANT_ID: true }));
  cached = { tenant: env.TENANT_ID, store: new Store(documentClient(), env.TABLE_NAME), clock: systemClock, log: powertoolsLog('feedback') };
  return cached as FeedbackDeps;
}

export const handler = middy<SNSEvent, FeedbackResult[]>().handler(makeFeedbackHandler(awsDeps));
