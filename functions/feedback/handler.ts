import type { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import { z } from 'zod';
import { type FeedbackDeps, type FeedbackResult, handleFeedback } from '../app/record-feedback.ts';
import { awsFeedbackDeps, serviceLogger } from '../composition.ts';
import { logContext, parseEvent } from '../shared/middleware.ts';

/** The part of SNS's envelope the function reads; the message itself is parsed by the use case. */
const SnsEnvelope = z.looseObject({ Records: z.array(z.looseObject({ Sns: z.looseObject({ Message: z.string() }) })) });

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

/** The function as SNS invokes it, and as the local stack replays SES and SMS feedback. */
export function feedbackHandler(deps: () => FeedbackDeps, logger?: Logger) {
  return middy<SNSEvent, FeedbackResult[]>()
    .use(logContext(logger))
    .use(parseEvent(SnsEnvelope, 'SNS event') as middy.MiddlewareObj<SNSEvent, FeedbackResult[]>)
    .handler(makeFeedbackHandler(deps));
}

export const handler = feedbackHandler(awsFeedbackDeps, serviceLogger());
