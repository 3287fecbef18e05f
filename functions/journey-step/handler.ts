import type { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { runStep, type StepDeps, type StepResult } from '../app/run-step.ts';
import { awsStepDeps, serviceLogger } from '../composition.ts';
import { parseStepPayload } from '../core/step-payload.ts';
import { logContext } from '../shared/middleware.ts';

/** The state machine's Task payload → one journey step. A payload of no live version fails the task loudly. */
export function makeStepHandler(deps: () => StepDeps | Promise<StepDeps>) {
  return async (event: unknown): Promise<StepResult> => {
    const d = await deps();
    return runStep(parseStepPayload(event, d.journeys), d);
  };
}

/** The function as Lambda runs it, and as the local engine's Task states call it. */
export function stepHandler(deps: () => StepDeps | Promise<StepDeps>, logger?: Logger) {
  return middy<unknown, StepResult>()
    .use(logContext(logger))
    .handler(makeStepHandler(deps));
}

export const handler = stepHandler(awsStepDeps, serviceLogger());
