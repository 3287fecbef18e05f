import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import aslValidator from 'asl-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphPayload, parseGraphPayload, parseStepPayload, StepPayloadV2 } from '../../functions/core/step-payload.ts';
import { buildApp } from '../../infra/app.ts';
import { type SynthesizedApp, synthesizeApp } from '../../local/definitions.ts';

let engine: Template;
let data: Template;

beforeAll(() => {
  // Validation plugins (cdk-nag AwsSolutions) run in synth and throw on any unacknowledged finding.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const built = buildApp(app);
  app.synth();
  engine = Template.fromStack(built.engine);
  data = Template.fromStack(built.data);
});

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

describe('cdk-nag', () => {
  it('runs the AwsSolutions pack in synth: an unacknowledged finding fails it', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const built = buildApp(app);
    new Queue(built.engine, 'PlainQueue');
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS/);
  });
});

describe('data stack', () => {
  it('keeps state in one on-demand table with PITR, TTL and a rotating customer-managed key', () => {
    data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, SSESpecification: { KMSMasterKeyId: Match.anyValue() } })],
    });
    data.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });
});

describe('engine stack policies', () => {
  it('gives every function its own encrypted log group, tracing and a current Node runtime, and a DLQ exactly when it is invoked asynchronously', () => {
    const functions = Object.entries(engine.findResources('AWS::Lambda::Function') as Resources);
    expect(functions.length).toBeGreaterThanOrEqual(2);
    const logGroups = engine.findResources('AWS::Logs::LogGroup') as Resources;
    // Asynchronous callers: SNS subscriptions and EventBridge Scheduler targets.
    const text = (v: unknown) => JSON.stringify(v);
    const asyncTargets = [
      ...Object.values(engine.findResources('AWS::SNS::Subscription') as Resources).map((r) => text(r.Properties['Endpoint'])),
      ...Object.values(engine.findResources('AWS::Scheduler::Schedule') as Resources).map((r) => text((r.Properties['Target'] as { Arn: unknown }).Arn)),
    ];
    for (const [id, fn] of functions) {
      const p = fn.Properties as { Runtime: string; DeadLetterConfig?: unknown; LoggingConfig?: { LogGroup?: { Ref: string } }; TracingConfig?: { Mode: string } };
      expect(p.Runtime).toMatch(/^nodejs(22|24)\.x$/);
      const invokedAsync = asyncTargets.some((t) => t.includes(`"${id}"`));
      expect(p.DeadLetterConfig !== undefined, `${id}: a DLQ only for asynchronous invocation`).toBe(invokedAsync);
      expect(p.TracingConfig?.Mode).toBe('Active');
      const group = logGroups[p.LoggingConfig?.LogGroup?.Ref ?? ''];
      expect(group?.Properties['KmsKeyId']).toBeDefined();
    }
  });

  it('has no AWS managed policies and no wildcard actions', () => {
    for (const [, role] of Object.entries(engine.findResources('AWS::IAM::Role') as Resources)) {
      expect(role.Properties['ManagedPolicyArns']).toBeUndefined();
    }
    for (const [, policy] of Object.entries(engine.findResources('AWS::IAM::Policy') as Resources)) {
      const statements = (policy.Properties['PolicyDocument'] as { Statement: { Action: string | string[] }[] }).Statement;
      for (const s of statements) for (const a of [s.Action].flat()) expect(a).not.toMatch(/^\*$|:\*$/);
    }
  });

  it('lets only ingest and segment selection start journeys, only ingest stop them, only the step function send', () => {
    const policies = Object.entries(engine.findResources('AWS::IAM::Policy') as Resources).map(([id, p]) => ({
      id,
      actions: (p.Properties['PolicyDocument'] as { Statement: { Action: string | string[] }[] }).Statement.flatMap((s) => [s.Action].flat()),
    }));
    const holders = (action: string) => policies.filter((p) => p.actions.includes(action)).map((p) => p.id);
    expect(holders('states:StartExecution').sort()).toEqual([expect.stringMatching(/^Ingest/), expect.stringMatching(/^SegmentSelect/)]);
    expect(holders('states:StopExecution')).toEqual([expect.stringMatching(/^Ingest/)]);
    expect(holders('ses:SendEmail')).toEqual([expect.stringMatching(/^JourneyStep/)]);
    expect(holders('sms-voice:SendTextMessage')).toEqual([expect.stringMatching(/^JourneyStep/)]);
    expect(holders('dynamodb:Scan')).toEqual([]);
  });

  it('allows every DynamoDB request the store makes to each function that uses the store', () => {
    // The requests the store's code sends, read from every file of its adapter so a new kind cannot be missed.
    const dir = join(import.meta.dirname, '..', '..', 'functions', 'adapters', 'dynamo');
    const source = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    // A transaction is authorised item by item: each write it may hold needs its own action.
    const action: Record<string, string[]> = {
      Get: ['GetItem'],
      BatchGet: ['BatchGetItem'],
      Put: ['PutItem'],
      Update: ['UpdateItem'],
      Delete: ['DeleteItem'],
      Query: ['Query'],
      TransactWrite: ['PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem'],
    };
    const used = [...new Set([...source.matchAll(/new (\w+)Command\(/g)].map((m) => m[1]!))];
    expect(used.filter((c) => !action[c])).toEqual([]);
    expect(used).toContain('BatchGet');
    for (const [id, p] of Object.entries(engine.findResources('AWS::IAM::Policy') as Resources)) {
      if (!/^(Ingest|JourneyStep|SegmentSelect|Feedback)/.test(id)) continue;
      const actions = (p.Properties['PolicyDocument'] as { Statement: { Action: string | string[] }[] }).Statement.flatMap((s) => [s.Action].flat());
      for (const a of used.flatMap((c) => action[c]!)) expect(actions, `${id} may not ${a}`).toContain(`dynamodb:${a}`);
    }
  });

  it('alarms on failed executions and on dead letters', () => {
    const alarms = Object.values(engine.findResources('AWS::CloudWatch::Alarm') as Resources).map((a) => a.Properties['MetricName']);
    expect(alarms).toContain('ExecutionsFailed');
    expect(alarms).toContain('ApproximateNumberOfMessagesVisible');
  });

  it('routes the trigger API to the ingest function, with access logs and throttling', () => {
    const routes = Object.values(engine.findResources('AWS::ApiGatewayV2::Route') as Resources).map((r) => r.Properties['RouteKey']);
    expect(routes.sort()).toEqual([
      'GET /dashboard',
      'GET /dashboard/{proxy+}',
      'GET /health',
      'GET /preferences',
      'GET /survey',
      'GET /u/{short}',
      'GET /unsubscribe',
      'GET /v1/code-pools/{pool}',
      'GET /v1/customers/decisions',
      'GET /v1/customers/export',
      'GET /v1/journeys/stats',
      'GET /v1/journeys/{id}/stats',
      'GET /v1/tasks',
      'GET /why',
      'POST /dashboard/{proxy+}',
      'POST /preferences',
      'POST /survey',
      'POST /unsubscribe',
      'POST /v1/code-pools/{pool}',
      'POST /v1/customers/erase',
      'POST /v1/events',
      'POST /v1/tasks/done',
      'POST /webhooks/shopify',
      'POST /webhooks/stripe',
      'POST /webhooks/woocommerce',
    ]);
    engine.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
      DefaultRouteSettings: { ThrottlingBurstLimit: 500, ThrottlingRateLimit: 200 },
    });
  });

  it('has an SES v2 configuration set that suppresses bounces and complaints and reports them, deliveries and clicks (no opens unless asked) to the feedback function', () => {
    engine.hasResourceProperties('AWS::SES::ConfigurationSet', { SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] } });
    engine.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({ MatchingEventTypes: ['bounce', 'complaint', 'delivery', 'click'], SnsDestination: Match.anyValue() }),
    });
    engine.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda' });
    engine.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ COUNT_OPENS: 'false', SHOPS: Match.anyValue() }) } });
  });

  it('publishes opens to the feedback function and counts them only with -c trackOpens=true', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], trackOpens: 'true' } });
    const opened = Template.fromStack(buildApp(app).engine);
    opened.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({ MatchingEventTypes: ['bounce', 'complaint', 'delivery', 'click', 'open'] }),
    });
    opened.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ COUNT_OPENS: 'true', SHOPS: Match.anyValue() }) } });
  });
});

describe('journey state machines', () => {
  let journeys: SynthesizedApp['journeys'];
  beforeAll(async () => {
    // Synthesized here, not read from the cache: this is the test of what synth makes.
    ({ journeys } = await synthesizeApp({ cacheDir: false }));
  });

  it('are Standard, logged without execution data, traced, one per journey', () => {
    const machines = Object.values(engine.findResources('AWS::StepFunctions::StateMachine') as Resources);
    expect(machines).toHaveLength(journeys.size);
    for (const m of machines) {
      expect(m.Properties['StateMachineType']).toBe('STANDARD');
      expect(m.Properties['LoggingConfiguration']).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
      expect(m.Properties['TracingConfiguration']).toEqual({ Enabled: true });
    }
  });

  it('cover the ten journeys; the segment journeys have their daily schedules in Warsaw time, the date journey at midnight UTC', () => {
    expect([...journeys.keys()].sort()).toEqual(['abandoned-cart', 'birthday', 'coffee-refill', 'delivery-delay', 'dunning', 'order-follow-up', 'post-purchase', 'second-order', 'welcome', 'win-back']);
    engine.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(00 09 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Warsaw',
      Target: Match.objectLike({ Input: Match.stringLikeRegexp('"journey":"win-back"') }),
    });
    engine.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(00 10 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Warsaw',
      Target: Match.objectLike({ Input: Match.stringLikeRegexp('"journey":"coffee-refill"') }),
    });
    engine.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(00 00 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      Target: Match.objectLike({ Input: Match.stringLikeRegexp('"journey":"birthday"') }),
    });
    expect(Object.keys(engine.findResources('AWS::Scheduler::Schedule'))).toHaveLength(3);
  });

  it('call the step version of their deploy, kept after the next one, and may call every version of it', () => {
    const stepVersions = Object.entries(engine.findResources('AWS::Lambda::Version'));
    expect(stepVersions).toHaveLength(1);
    const [versionId, version] = stepVersions[0]!;
    expect(version['DeletionPolicy']).toBe('Retain');
    expect(version['UpdateReplacePolicy']).toBe('Retain');
    const stepFn = (version['Properties'] as { FunctionName: { Ref: string } }).FunctionName.Ref;
    for (const [id, machine] of Object.entries(engine.findResources('AWS::StepFunctions::StateMachine'))) {
      const parts = (machine['Properties'] as { DefinitionString: { 'Fn::Join': [string, unknown[]] } }).DefinitionString['Fn::Join'][1];
      const called = parts.filter((p) => typeof p !== 'string');
      // Every Task of every journey names the version, never the function's unqualified ARN.
      expect(called.length, id).toBeGreaterThan(0);
      for (const p of called) expect(p, id).toEqual({ Ref: versionId });
    }
    // Running executions of an earlier deploy call its version: the roles may invoke any version.
    const invokes = Object.values(engine.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p['Properties'] as { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } }).PolicyDocument.Statement.filter((st) => JSON.stringify(st.Action).includes('lambda:InvokeFunction')),
    );
    expect(invokes.some((st) => JSON.stringify(st.Resource).includes(`{"Fn::Join":["",[{"Fn::GetAtt":["${stepFn}","Arn"]},":*"]]}`))).toBe(true);
  });

  it('publish a version per deploy and start new executions on a `live` alias; versions outlive the deploy that replaces them', () => {
    const versions = engine.findResources('AWS::StepFunctions::StateMachineVersion');
    const aliases = engine.findResources('AWS::StepFunctions::StateMachineAlias');
    expect(Object.keys(versions)).toHaveLength(journeys.size);
    expect(Object.keys(aliases)).toHaveLength(journeys.size);
    for (const v of Object.values(versions)) {
      expect(v['DeletionPolicy']).toBe('Retain');
      // A new version only when the definition's revision changed.
      expect(v['Properties']['StateMachineRevisionId']).toMatchObject({ 'Fn::GetAtt': [expect.any(String), 'StateMachineRevisionId'] });
    }
    for (const a of Object.values(aliases)) {
      expect(a['Properties']).toMatchObject({ Name: 'live', RoutingConfiguration: [{ Weight: 100, StateMachineVersionArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } }] });
    }
    // The ingest is told the aliases, and may start executions on them, not on the bare machines.
    const ingest = Object.values(engine.findResources('AWS::Lambda::Function')).find((f) => JSON.stringify(f).includes('STATE_MACHINE_ARNS'))!;
    const arns = JSON.stringify(ingest['Properties']['Environment']['Variables']['STATE_MACHINE_ARNS']);
    for (const id of Object.keys(aliases)) expect(arns).toContain(id);
    const starts = Object.values(engine.findResources('AWS::IAM::Policy')).flatMap((p) => (p['Properties']['PolicyDocument']['Statement'] as { Action: unknown; Resource: unknown }[]).filter((st) => JSON.stringify(st.Action).includes('states:StartExecution')));
    expect(starts.length).toBeGreaterThan(0);
    for (const st of starts) expect(Object.keys(aliases).some((id) => JSON.stringify(st.Resource).includes(id)), JSON.stringify(st.Resource)).toBe(true);
  });

  it('are valid Amazon States Language', () => {
    for (const jd of journeys.values()) {
      const result = aslValidator(jd.definition as never);
      expect(result.errorsText('\n')).toBe('');
      expect(result.isValid).toBe(true);
    }
  });

  it('abandoned cart reads like the process and costs 5 transitions on its most common path', () => {
    const cart = journeys.get('abandoned-cart')!.definition;
    const state = (name: string) => cart.States[name]!;
    expect(cart.StartAt).toBe('first-wait: wait 1 h (start)');
    // The trigger planned the first instant: 1 h, moved into sending hours.
    expect(state(cart.StartAt)).toMatchObject({ Type: 'Wait', TimestampPath: '$.firstAt', Next: 'holdout' });
    // One Task walks the holdout, the value branch and the A/B split and sends; a Choice reads where it stopped.
    expect(state('holdout')).toMatchObject({ Type: 'Task', Next: 'After holdout' });
    const routes = Object.fromEntries((state('After holdout')['Choices'] as { StringEquals: string; Next: string }[]).map((c) => [c.StringEquals, c.Next]));
    // After a wait moved into sending hours, no send in the walk can fall outside them: no extra waits.
    expect(routes).toEqual({ 'second-wait': 'second-wait: wait 23 h', 'help-wait': 'help-wait: wait 3 h' });
    expect(state('After holdout')['Default']).toBe('Journey ended');
    expect(state('second-wait: wait 23 h')).toMatchObject({ Type: 'Wait', TimestampPath: '$.result.nextAt', Next: 'second-reminder' });
    // The last send begins its Task after a wait: inside sending hours already, so nothing can follow it.
    expect(state('second-reminder')).toMatchObject({ Type: 'Task', End: true });
    const path = ['first-wait: wait 1 h (start)', 'holdout', 'After holdout', 'second-wait: wait 23 h', 'second-reminder'];
    path.slice(0, -1).forEach((name, i) => {
      const s = state(name);
      const next = s.Type === 'Choice' ? routes['second-wait'] : s.Next;
      expect(next, name).toBe(path[i + 1]);
    });
  });

  it('passes a versioned payload with the execution name and the nodes to walk to the step function', () => {
    const task = journeys.get('abandoned-cart')!.definition.States['holdout']!;
    const params = task['Parameters'] as Record<string, unknown>;
    expect(params).toMatchObject({ version: 3, journey: 'abandoned-cart', entry: 'holdout', 'executionName.$': '$$.Execution.Name', topic: 'marketing', hoursAfter: ['help-wait', 'second-wait'] });
    const segment = (JSON.parse(params['segment'] as string) as { id: string }[]).map((n) => n.id);
    expect(segment.sort()).toEqual(['cart-value', 'first-reminder', 'first-reminder-b', 'help-channel', 'help-email', 'help-sms', 'help-wait', 'holdout', 'second-wait', 'subject-test']);
    expect(Object.keys(journeys.get('abandoned-cart')!.taskHandlers).sort()).toEqual(['holdout', 'second-reminder', 'subject-test']);
  });

  it('builds every Task payload of every journey in the one shape the step parses', () => {
    const enrolment = { version: 1, tenant: 'default', customerId: 'c_1', journey: 'j', key: 'k', firstAt: '2026-01-01T00:00:00Z' };
    let tasks = 0;
    for (const [, j] of journeys) {
      for (const [name, state] of Object.entries(j.definition.States)) {
        if (state['Type'] !== 'Task') continue;
        tasks++;
        const params = state['Parameters'] as Record<string, unknown>;
        // What Step Functions makes of the JSONPath fields at run time.
        const { 'executionName.$': _e, enrolment: _en, ...fixed } = params;
        const payload: Record<string, unknown> = { ...fixed, executionName: 'exec-1', enrolment };
        if (payload['version'] === 3) {
          expect(() => parseGraphPayload(payload), name).not.toThrow();
          expect(GraphPayload.strict().safeParse(payload).success, `${name}: no field the parser does not know`).toBe(true);
          continue;
        }
        expect(() => parseStepPayload(payload, []), name).not.toThrow();
        expect(StepPayloadV2.strict().safeParse(payload).success, `${name}: no field the parser does not know`).toBe(true);
      }
    }
    expect(tasks).toBeGreaterThanOrEqual(12);
  });
});
