import { Stack, Validations } from 'aws-cdk-lib';
import type { CfnResource } from 'aws-cdk-lib';
import type { DataStack } from './data-stack.ts';
import type { EngineStack } from './engine-stack.ts';

function ack(scope: Parameters<typeof Validations.of>[0], finding: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-${finding}`, reason });
}

/** Every acknowledged cdk-nag finding, each with the reason it does not apply. */
export function applySuppressions(_data: DataStack, engine: EngineStack): void {
  ack(
    engine.api,
    'APIG4',
    'Callers are shop platforms and customers: webhooks are authenticated by HMAC over the raw body, the event API by bearer key and unsubscribe links by signed tokens, all inside the ingest function (an API Gateway authorizer cannot see the raw body).',
  );
  ack(engine.step.role, `IAM5[Resource::arn:<AWS::Partition>:sms-voice:${engine.region}:<AWS::AccountId>:*]`, 'SendTextMessage authorises against the origination identity, chosen per account after deploy (phone number, pool or sender id).');
  for (const s of engine.secrets.all) {
    ack(
      s.secret,
      'SMG4',
      s.setAfterDeploy
        ? 'A platform webhook secret is issued by the platform (Shopify, WooCommerce, Stripe); it is rotated there and then put here beside the old one (README: rotating a secret), not by a Lambda rotator.'
        : 'Rotated by putting a new value beside the old one (one per line) and removing the old one after clients moved (README: rotating a secret); an automatic rotator would invalidate links and keys still in use.',
    );
  }
  for (const fn of [engine.ingest, engine.step, engine.segmentSelect, engine.feedback]) {
    ack(fn.role, 'IAM5[Resource::*]', 'X-Ray PutTraceSegments/PutTelemetryRecords do not support resource-level permissions.');
    ack(fn.role, 'IAM5[Action::kms:ReEncrypt*]', 'CDK grant on the one data key that encrypts the table; scoped to that key ARN.');
    ack(fn.role, 'IAM5[Action::kms:GenerateDataKey*]', 'CDK grant on the one data key that encrypts the table; scoped to that key ARN.');
  }
  const selectFn = engine.segmentSelect.function.node.defaultChild as CfnResource;
  ack(
    engine,
    `IAM5[Resource::<${Stack.of(engine).resolve(Stack.of(engine).getLogicalId(selectFn))}.Arn>:*]`,
    'EventBridge Scheduler invokes the one segment-selection function, any version of it.',
  );
  const stepFn = engine.step.function.node.defaultChild as CfnResource;
  const stepLogicalId = Stack.of(engine).resolve(Stack.of(engine).getLogicalId(stepFn)) as string;
  for (const [journey, machine] of Object.entries(engine.stateMachines)) {
    ack(machine.role, 'IAM5[Resource::*]', 'X-Ray and CloudWatch Logs delivery actions used by Step Functions logging do not support resource-level permissions.');
    ack(machine.role, `IAM5[Resource::<${stepLogicalId}.Arn>:*]`, 'Invoke of the one step function, any version or alias of it.');
    ack(
      engine.ingest.role,
      `IAM5[Resource::arn:<AWS::Partition>:states:${engine.region}:<AWS::AccountId>:execution:${engine.stateMachineName(journey)}:*]`,
      'StopExecution on executions of this journey only; execution names are not known before the trigger arrives.',
    );
  }
}
