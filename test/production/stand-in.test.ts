import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsStandIn } from './aws-stand-in.ts';
import type { ShippedApp, ShippedFunction, ShippedStateMachine } from './cloud-assembly.ts';
import { StepFunctionsEngine } from './executions.ts';
import { type CfnTemplate, exportsOf, TemplateResolver, UnsupportedIntrinsic } from './intrinsics.ts';
import { HarnessClock, type Invocation } from './lambda-host.ts';

/**
 * The harness's own contract, checked with the real SDK clients: the wire formats the stand-in
 * speaks, the Step Functions name semantics it mimics, and a resolver that refuses what it does not know.
 */

describe('template resolver', () => {
  const template: CfnTemplate = {
    Resources: {
      State: { Type: 'AWS::DynamoDB::GlobalTable' },
      Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: 'koszyk-x' } },
      Key: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'koszyk/api-keys' } },
      Api: { Type: 'AWS::ApiGatewayV2::Api' },
      Set: { Type: 'AWS::SES::ConfigurationSet' },
    },
  };
  const data = new TemplateResolver(
    { Resources: { Table: { Type: 'AWS::DynamoDB::Table' } }, Outputs: { T: { Value: { Ref: 'Table' }, Export: { Name: 'Data:Table' } } } },
    { stackName: 'Data', region: 'eu-central-1', tableName: () => 'local-state' },
  );
  const exported = exportsOf(data);
  const r = new TemplateResolver(template, { stackName: 'S', region: 'eu-central-1', tableName: () => 'local-state', importValue: (n) => exported.get(n)?.() });

  it('resolves references, joins, selects, splits, imports and pseudo parameters', () => {
    expect(r.resolve({ Ref: 'State' })).toBe('local-state');
    expect(r.resolve({ Ref: 'Machine' })).toBe('arn:aws:states:eu-central-1:000000000000:stateMachine:koszyk-x');
    expect(r.resolve({ 'Fn::GetAtt': ['Key', 'Arn'] })).toMatch(/^arn:aws:secretsmanager:eu-central-1:000000000000:secret:koszyk\/api-keys-[0-9a-f]{6}$/);
    expect(r.resolve({ 'Fn::GetAtt': ['Api', 'ApiEndpoint'] })).toMatch(/^https:\/\/[0-9a-f]{10}\.execute-api\.eu-central-1\.amazonaws\.com$/);
    expect(r.resolve({ Ref: 'Set' })).toBe(r.resolve({ Ref: 'Set' }));
    expect(r.resolve({ 'Fn::Join': [':', ['arn', { Ref: 'AWS::Partition' }, { Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }, { Ref: 'AWS::URLSuffix' }]] })).toBe(
      'arn:aws:eu-central-1:000000000000:amazonaws.com',
    );
    expect(r.resolve({ 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] })).toBe('b');
    expect(r.resolve({ 'Fn::ImportValue': 'Data:Table' })).toBe('local-state');
  });

  it('refuses an intrinsic, an attribute or a resource it does not know', () => {
    expect(() => r.resolve({ 'Fn::Sub': ['x-\u0024{Region}', { Region: { Ref: 'AWS::Region' } }] })).toThrow(UnsupportedIntrinsic);
    expect(() => r.resolve({ 'Fn::If': ['c', 'a', 'b'] })).toThrow(/Fn::If/);
    expect(() => r.resolve({ 'Fn::GetAtt': ['Set', 'Id'] })).toThrow(/GetAtt Id of a AWS::SES::ConfigurationSet/);
    expect(() => r.resolve({ Ref: 'Missing' })).toThrow(/no resource Missing/);
  });
});

describe('AWS stand-in', () => {
  const clock = new HarnessClock();
  const machine: ShippedStateMachine = {
    logicalId: 'Machine',
    name: 'koszyk-test',
    arn: 'arn:aws:states:eu-central-1:000000000000:stateMachine:koszyk-test',
    definition: {
      StartAt: 'Wait',
      States: {
        Wait: { Type: 'Wait', SecondsPath: '$.seconds', Next: 'Work' },
        Work: { Type: 'Task', Resource: 'arn:aws:lambda:eu-central-1:000000000000:function:work', End: true },
      },
    },
  };
  const invoked: unknown[] = [];
  const engine = new StepFunctionsEngine([machine], async (_arn, payload): Promise<Invocation> => {
    invoked.push(payload);
    return { ok: true, result: { done: true }, ms: 1 };
  }, clock);
  const caller = { handlerName: 'caller', roleLogicalId: 'Role' } as ShippedFunction;
  const secretArn = 'arn:aws:secretsmanager:eu-central-1:000000000000:secret:koszyk/shopify-webhook-abcdef';
  const app = {
    region: 'eu-central-1',
    account: '000000000000',
    secrets: [{ logicalId: 'S', arn: secretArn, name: 'koszyk/shopify-webhook', generated: false }],
    statementsOf: () => [{ Effect: 'Allow', Action: ['states:*', 'secretsmanager:GetSecretValue'], Resource: '*' }],
  } as unknown as ShippedApp;
  const aws = new AwsStandIn(app, engine, new Map([['ASIACALLER', caller]]), clock);
  let sfn: SFNClient;
  const config = () => ({ endpoint: aws.endpoint, region: 'eu-central-1', credentials: { accessKeyId: 'ASIACALLER', secretAccessKey: 'x' }, maxAttempts: 1 });

  beforeAll(async () => {
    await aws.start();
    sfn = new SFNClient(config());
  });
  afterAll(async () => {
    engine.stopAll();
    await aws.close();
  });

  it('StartExecution: a new name starts; the same name and input while open answers the original; else ExecutionAlreadyExists', async () => {
    const input = JSON.stringify({ seconds: 3600 });
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn: machine.arn, name: 'n1', input }));
    expect(first.executionArn).toBe('arn:aws:states:eu-central-1:000000000000:execution:koszyk-test:n1');
    expect(first.startDate).toBeInstanceOf(Date);
    await engine.settled();
    const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: machine.arn, name: 'n1', input }));
    expect(again).toMatchObject({ executionArn: first.executionArn, startDate: first.startDate });
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: machine.arn, name: 'n1', input: '{"seconds":1}' }))).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });

    expect(invoked).toEqual([]);
    await engine.advanceTo(clock.now() + 3_600_000);
    await engine.settled();
    expect(invoked).toEqual([{ seconds: 3600 }]);
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }))).status).toBe('SUCCEEDED');
    // Closed: the same name is refused whatever the input.
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: machine.arn, name: 'n1', input }))).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('StopExecution aborts a waiting execution, and names an unknown one ExecutionDoesNotExist', async () => {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: machine.arn, name: 'n2', input: '{"seconds":60}' }));
    await engine.settled();
    await sfn.send(new StopExecutionCommand({ executionArn, cause: 'order placed' }));
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('ABORTED');
    await expect(sfn.send(new StopExecutionCommand({ executionArn: `${executionArn}-missing` }))).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });

  it('answers as told to fail, refuses what the caller role does not allow, and has no value for a secret never set', async () => {
    const ses = new SESv2Client(config());
    const email = new SendEmailCommand({ FromEmailAddress: 'a@example.com', Destination: { ToAddresses: ['b@example.com'] }, Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } } });
    aws.fail({ operation: 'ses:SendEmail', error: 'TooManyRequestsException', status: 429, times: 1 });
    await expect(ses.send(email)).rejects.toMatchObject({ name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } });
    // The role allows no ses:SendEmail.
    await expect(ses.send(email)).rejects.toMatchObject({ name: 'AccessDeniedException' });

    const secrets = new SecretsManagerClient(config());
    await expect(secrets.send(new GetSecretValueCommand({ SecretId: secretArn }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    aws.setSecret(secretArn, 'shop-a::s1\ns2');
    expect(await secrets.send(new GetSecretValueCommand({ SecretId: 'koszyk/shopify-webhook' }))).toMatchObject({ ARN: secretArn, SecretString: 'shop-a::s1\ns2' });
    expect(aws.callsOf('secretsmanager:GetSecretValue').map((c) => c.caller)).toEqual(['caller', 'caller']);
  });
});
