import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type middy from '@middy/core';
import type { z } from 'zod';

/**
 * The cross-cutting steps every handler's middy chain is built from, so a handler's own code is
 * the translation of one event into one use case call.
 */

/** Puts the Lambda request id and function on every log line (none locally, where no logger is given). */
export function logContext(logger: Logger | undefined): middy.MiddlewareObj[] {
  return logger ? [injectLambdaContext(logger, { resetKeys: true }) as middy.MiddlewareObj] : [];
}

export class EventShapeError extends Error {
  override name = 'EventShapeError';
}

/**
 * Parses the event at the boundary with its schema; a malformed event is an error naming the
 * fields (the state machine's retry, the scheduler's, or SNS's redelivery and dead-letter queue
 * take it from there), never a half-read event.
 */
export function parseEvent<S extends z.ZodType>(schema: S, what: string): middy.MiddlewareObj<unknown> {
  return {
    before: async (request) => {
      const parsed = schema.safeParse(request.event);
      if (!parsed.success) throw new EventShapeError(`${what}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ')}`);
      request.event = parsed.data;
    },
  };
}
