import type { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { outliveNoErasure } from '../app/erasure-race.ts';
import { runStep, type StepResult } from '../app/run-step.ts';
import { awsStepDeps, serviceLogger } from '../composition.ts';
import { type GraphDeps, type GraphResult, runGraphStep } from '../app/run-graph.ts';
import { isGraphPayload, parseGraphPayload, parseStepPayload } from '../core/step-payload.ts';
import { logContext } from '../shared/middleware.ts';

/**
 * The state machine's Task payload → one journey step (a line journey's) or one walk (a graph's).
 * A payload of no live version fails the task loudly.
 */
export function makeStepHandler(deps: () => GraphDeps | Promise<GraphDeps>) {
  return async (event: unknown): Promise<StepResult | GraphResult> => {
    const d = await deps();
    const began = d.clock.now();
    if (isGraphPayload(event)) {
      const input = parseGraphPayload(event);
      return outliveNoErasure(d.store, { tenant: input.enrolment.tenant, customerId: input.enrolment.customerId, began }, () => runGraphStep(input, d));
    }
    const input = parseStepPayload(event, d.journeys);
    return outliveNoErasure(d.store, { tenant: input.enrolment.tenant, customerId: input.enrolment.customerId, began }, () => runStep(input, d));
  };
}

/** The function as Lambda runs it, and as the local engine's Task states call it. */
export function stepHandler(deps: () => GraphDeps | Promise<GraphDeps>, logger?: Logger) {
  return middy<unknown, StepResult | GraphResult>()
    .use(logContext(logger))
    .handler(makeStepHandler(deps));
}

export const handler = stepHandler(awsStepDeps, serviceLogger());
