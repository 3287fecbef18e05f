import { RemovalPolicy } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/** The alias every journey's new executions start on. */
export const LIVE_ALIAS = 'live';

/**
 * Each deploy that changes a journey's definition publishes a version, and `live` points at it: new
 * executions start on the alias, running ones keep the version they started on. Versions are
 * retained, so a deploy never removes the definition of an execution still waiting. Returns the
 * alias's ARN.
 */
export function publishLive(scope: Construct, journeyId: string, machine: sfn.StateMachine): string {
  const version = new sfn.CfnStateMachineVersion(scope, `Journey-${journeyId}-Version`, {
    stateMachineArn: machine.stateMachineArn,
    stateMachineRevisionId: machine.stateMachineRevisionId,
    description: `journey ${journeyId}`,
  });
  version.applyRemovalPolicy(RemovalPolicy.RETAIN);
  const alias = new sfn.CfnStateMachineAlias(scope, `Journey-${journeyId}-Live`, {
    name: LIVE_ALIAS,
    description: `what new enrolments of ${journeyId} start on`,
    routingConfiguration: [{ stateMachineVersionArn: version.attrArn, weight: 100 }],
  });
  return alias.ref;
}
