import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { JourneyInput } from '../functions/app/ports.ts';
import { STEP_PAYLOAD_VERSION, type StepPayloadTemplate } from '../functions/core/step-payload.ts';
import { type JourneyConfig, stepDelays } from '../workflows/src/journey.ts';
import { journeyGraph } from './journey-graph.ts';

/**
 * The execution input a trigger starts a journey with (JourneyInput), passed on to every step;
 * `properties` (optional, so no path to it) stays in the execution's input for its conditions.
 */
export const ENROLMENT: Record<`${keyof Omit<JourneyInput, 'entry' | 'properties'>}.$`, string> = {
  'version.$': '$.version',
  'tenant.$': '$.tenant',
  'customerId.$': '$.customerId',
  'journey.$': '$.journey',
  'key.$': '$.key',
  'firstAt.$': '$.firstAt',
};

export function humanDelay(seconds: number): string {
  if (seconds === 0) return '0 s';
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/**
 * Compiles a journey file into a chain that reads like the process: for each step,
 * "Wait …" → the step (check exits, consent, send) → "… still wanted?" → next.
 * Waits cost nothing; each state is one billable transition, so a step is three states
 * and the last step two: an abandoned cart with two reminders costs five.
 */
export function journeyChain(scope: Construct, journey: JourneyConfig, stepFunction: IFunction): sfn.IChainable {
  if (journey.nodes) return journeyGraph(scope, journey, stepFunction);
  const steps = journey.steps!;
  const delays = stepDelays(journey);
  const ended = new sfn.Succeed(scope, 'Journey no longer wanted', { comment: 'An exit event, an unsubscribe or the goal ended the journey.' });
  let next: sfn.IChainable | undefined;
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i]!;
    const last = i === steps.length - 1;
    const topic = step.topic ?? journey.topic;
    // Each Wait waits until a planned instant: the previous step (or the trigger, for the first)
    // computed it from the delay and, for marketing, moved it into the customer's sending hours.
    // A service step due at once needs no Wait: every state is a billable transition.
    const wait =
      delays[i]! > 0 || topic === 'marketing'
        ? new sfn.Wait(scope, `Wait ${humanDelay(delays[i]!)} before ${step.id}`, {
            time: sfn.WaitTime.timestampPath(i === 0 ? '$.firstAt' : '$.result.nextAt'),
          })
        : undefined;
    const following = steps[i + 1];
    // The payload's one description is functions/core/step-payload.ts; the step parses this shape.
    const payload: StepPayloadTemplate = {
      version: STEP_PAYLOAD_VERSION,
      journey: journey.id,
      trigger: journey.trigger,
      step: step.id,
      channel: step.channel,
      template: step.template,
      ...(step.templateByCategory ? { templateByCategory: step.templateByCategory } : {}),
      topic,
      last,
      ...(following ? { next: { step: following.id, delaySeconds: delays[i + 1]!, topic: following.topic ?? journey.topic } } : {}),
    };
    const task = new tasks.LambdaInvoke(scope, step.id, {
      lambdaFunction: stepFunction,
      payloadResponseOnly: true,
      payload: sfn.TaskInput.fromObject({ ...payload, executionName: sfn.JsonPath.stringAt('$$.Execution.Name'), enrolment: ENROLMENT }),
      resultPath: '$.result',
    });
    task.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(20), backoffRate: 2, maxAttempts: 4 });
    if (!last && next) {
      const stillWanted = new sfn.Choice(scope, `Still wanted after ${step.id}?`)
        .when(sfn.Condition.booleanEquals('$.result.continue', true), next)
        .otherwise(ended);
      task.next(stillWanted);
    }
    next = wait ? wait.next(task) : task;
  }
  return next!;
}
