import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { GraphPayloadTemplate } from '../functions/core/step-payload.ts';
import { parseDurationSeconds } from '../workflows/src/duration.ts';
import { END, type Flow } from '../workflows/src/flow.ts';
import { type JourneyConfig, journeyFlow } from '../workflows/src/journey.ts';
import { kindOf } from '../workflows/src/nodes.ts';
import { ENROLMENT, humanDelay } from './journey-definition.ts';


/** Waits whose following nodes send marketing before the next wait: their end moves into sending hours. */
export function hoursAfter(flow: Flow): string[] {
  return flow.nodes
    .filter((n) => n.wait && n.next && n.next !== END && flow.segment(n.next).nodes.some((x) => flow.isMarketingSend(x.id)))
    .map((n) => n.id);
}

/**
 * Compiles a journey graph. Each entry node (see Flow.entries) is one Task: the step function
 * walks from it through sends and decisions to the next wait, and a Choice reads where it
 * stopped. A wait is a Wait state until the instant the step computed. Billable transitions on a
 * path: a Task and a Choice per stretch between waits, a Wait per wait.
 */
export function journeyGraph(scope: Construct, journey: JourneyConfig, stepFunction: IFunction): sfn.IChainable {
  const flow = journeyFlow(journey)!;
  const hours = hoursAfter(flow);
  const ended = new sfn.Succeed(scope, 'Journey ended', { comment: 'The last node, an exit, the goal, an exit event or an unsubscribe.' });
  const states = new Map<string, sfn.State>();

  const task = (name: string, entry: string, resume?: 'timeout'): sfn.State => {
    const key = `task:${name}`;
    const existing = states.get(key);
    if (existing) return existing;
    const segment = flow.segment(entry, resume);
    const payload: GraphPayloadTemplate = {
      version: 3,
      journey: journey.id,
      trigger: journey.trigger,
      topic: journey.topic,
      entry,
      ...(resume ? { resume } : {}),
      ...(flow.deferrable(entry, resume) ? { deferrable: true } : {}),
      segment: JSON.stringify(segment.nodes),
      hoursAfter: hours.filter((h) => segment.nodes.some((n) => n.id === h)),
    };
    const t = new tasks.LambdaInvoke(scope, name, {
      lambdaFunction: stepFunction,
      payloadResponseOnly: true,
      payload: sfn.TaskInput.fromObject({ ...payload, executionName: sfn.JsonPath.stringAt('$$.Execution.Name'), enrolment: ENROLMENT }),
      resultPath: '$.result',
    });
    t.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(20), backoffRate: 2, maxAttempts: 4 });
    states.set(key, t);
    const stops = segment.outcomes.filter((o) => o !== END);
    if (stops.length === 0) return t;
    const choice = new sfn.Choice(scope, `After ${name}`);
    t.next(choice);
    for (const stop of stops) choice.when(sfn.Condition.stringEquals('$.result.next', stop), waitState(stop));
    choice.otherwise(ended);
    return t;
  };

  const waitState = (stop: string): sfn.State => {
    const key = `wait:${stop}`;
    const existing = states.get(key);
    if (existing) return existing;
    let w: sfn.Wait;
    const until = sfn.WaitTime.timestampPath('$.result.nextAt');
    if (stop.startsWith('hours:')) {
      const send = stop.slice('hours:'.length);
      w = new sfn.Wait(scope, `Sending hours before ${send}`, { time: until });
      states.set(key, w);
      w.next(task(send, send));
      return w;
    }
    const node = flow.node(stop);
    if (kindOf(node) === 'waitFor') {
      const f = node.waitFor!;
      w = new sfn.Wait(scope, `${stop}: up to ${humanDelay(parseDurationSeconds(f.timeout))} for ${f.event}`, { time: until });
      states.set(key, w);
      w.next(task(`${stop} timed out`, stop, 'timeout'));
      return w;
    }
    w = new sfn.Wait(scope, `${stop}: ${describeWait(node.wait!)}`, { time: until });
    states.set(key, w);
    w.next(task(node.next!, node.next!));
    return w;
  };

  const startNode = flow.node(flow.start);
  let start: sfn.State;
  if (kindOf(startNode) === 'wait') {
    const w = new sfn.Wait(scope, `${flow.start}: ${describeWait(startNode.wait!)} (start)`, { time: sfn.WaitTime.timestampPath('$.firstAt') });
    w.next(task(startNode.next!, startNode.next!));
    start = w;
  } else {
    start = task(kindOf(startNode) === 'waitFor' ? 'Start' : flow.start, flow.start);
    // A date journey is enrolled by the run before its day: it opens at the moment the run computed.
    if (journey.trigger === 'date') {
      const opening = new sfn.Wait(scope, `Until ${journey.date?.attribute ?? 'the date'} (start)`, { time: sfn.WaitTime.timestampPath('$.firstAt') });
      opening.next(start);
      start = opening;
    }
  }
  // An awaited event that came first starts a continuation at the waitFor's event branch.
  const continuations = flow.nodes.filter((n) => n.waitFor).map((n) => n.waitFor!.onEvent);
  if (continuations.length === 0) return start;
  const entry = new sfn.Choice(scope, 'Continue after an awaited event?');
  for (const target of [...new Set(continuations)]) {
    entry.when(sfn.Condition.and(sfn.Condition.isPresent('$.entry'), sfn.Condition.stringEquals('$.entry', target)), task(target, target));
  }
  entry.otherwise(start);
  return entry;
}

function describeWait(w: NonNullable<JourneyConfig['nodes']>[number]['wait'] & object): string {
  if (w.for !== undefined) return `wait ${humanDelay(parseDurationSeconds(w.for))}`;
  if (w.until !== undefined) return `wait until ${w.until}${w.weekdays ? ` on ${w.weekdays.join(', ')}` : ''}`;
  return `wait until ${w.date}${w.offset ? ` ${w.offset}` : ''} at ${w.at ?? '09:00'}${w.yearly ? ', yearly' : ''}`;
}
