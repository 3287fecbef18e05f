import { ArnFormat, Aspects, CfnOutput, Duration, type IAspect, RemovalPolicy, Stack, type StackProps, TimeZone } from 'aws-cdk-lib';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { JourneyConfig } from '../workflows/src/journey.ts';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { EngineFunction } from './constructs/engine-function.ts';
import { deliveryFeedback } from './constructs/delivery-feedback.ts';
import { EngineSecrets } from './constructs/engine-secrets.ts';
import { lastOrderIndex } from '../functions/adapters/dynamo/keys.ts';
import { EngineOperations } from './constructs/engine-operations.ts';
import type { EngineSettings } from './settings.ts';
import { INGEST_TIMEOUT_SECONDS, SEGMENT_TIMEOUT_SECONDS } from '../functions/shared/config.ts';
import type { IConstruct } from 'constructs';

/** Journey, template and event catalogue files, copied next to each bundle (read at cold start). */
const CONTENT: [string, string][] = [
  ['workflows/journeys', 'content/journeys'],
  ['workflows/templates', 'content/templates'],
  ['workflows/events', 'content/events'],
];
import { journeyChain } from './journey-definition.ts';
import { dailyRun } from '../workflows/src/triggers.ts';
import { publishLive } from './constructs/journey-versions.ts';
import { join, relative } from 'node:path';
import { buildDashboard } from '../dashboard/build.ts';

export interface EngineStackProps extends StackProps {
  readonly table: dynamodb.ITableV2;
  readonly key: kms.IKey;
  readonly journeys: readonly JourneyConfig[];
  /**
   * Shop, sender, SMS and guardrail settings, already checked with the functions' own schemas
   * (see settings.ts): sender domain, shop name and URL, public URL, sending hours, frequency cap,
   * SMS daily cap and transliteration, SMS origination identity and configuration set, alarm e-mail,
   * and the prefix of resource names (so two installations can share an account).
   */
  readonly settings: EngineSettings;
}

/** The shops' brands for the pages the ingest serves customers (functions/shared/branding.ts). */
function brandEnvironment(settings: EngineSettings): Record<string, string> {
  const optional = { SHOP_URL: settings.shopUrl, SHOP_COLOR: settings.shopColor, SHOP_LOGO_URL: settings.shopLogoUrl, PRIVACY_EMAIL: settings.privacyEmail, SHOP_BRANDS: settings.shopBrands };
  return { SHOP_NAME: settings.shopName, ...Object.fromEntries(Object.entries(optional).filter((e): e is [string, string] => e[1] !== undefined)) };
}

/** Points every alarm in its scope at the operators' topic, so no alarm can be made silent. */
class AlarmsNotify implements IAspect {
  constructor(private readonly action: cloudwatch.IAlarmAction) {}
  visit(node: IConstruct): void {
    if (node instanceof cloudwatch.Alarm) node.addAlarmAction(this.action);
  }
}

/** The engine: trigger API, journey state machines and the functions they call. */
export class EngineStack extends Stack {
  public readonly api: apigw.HttpApi;
  public readonly stateMachines: Record<string, sfn.StateMachine> = {};
  /** The ARN of each journey's `live` alias: what the ingest and the segment selection start executions on. */
  public readonly liveAliases: Record<string, string> = {};
  public readonly ingest: EngineFunction;
  public readonly step: EngineFunction;
  public readonly segmentSelect: EngineFunction;
  public readonly feedback: EngineFunction;
  /** SES bounce and complaint events (and, when wired to two-way SMS, inbound opt-outs). */
  public readonly feedbackTopic: sns.Topic;
  /** Every alarm of the installation notifies this topic. */
  public readonly alarmTopic: sns.Topic;
  public readonly secrets: EngineSecrets;
  public readonly dashboard: cloudwatch.Dashboard;

  private readonly namePrefix: string;

  constructor(scope: Construct, id: string, props: EngineStackProps) {
    super(scope, id, props);
    const settings = props.settings;
    this.namePrefix = settings.namePrefix;
    const fromEmail = settings.fromEmail ?? `sklep@${settings.senderDomain}`;

    this.alarmTopic = new sns.Topic(this, 'OperatorAlarms', { masterKey: props.key, enforceSSL: true, displayName: 'Koszyk alarms' });
    if (settings.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));
    // This stack only: an alarm in the data stack notifying a topic here would make the data stack
    // depend on the engine (a test fails on any alarm without the action, in either stack).
    Aspects.of(this).add(new AlarmsNotify(new cwActions.SnsAction(this.alarmTopic)));

    this.secrets = new EngineSecrets(this, 'Secrets', { key: props.key });

    const { configurationSet, feedbackTopic, smsConfigurationSet } = deliveryFeedback(this, { key: props.key, settings });
    this.feedbackTopic = feedbackTopic;

    this.api = new apigw.HttpApi(this, 'TriggerApi', {
      description: 'Shop triggers, webhooks and unsubscribe links',
      createDefaultStage: true,
    });
    const publicUrl = settings.publicUrl ?? this.api.apiEndpoint;

    this.step = new EngineFunction(this, 'JourneyStep', {
      entry: 'functions/journey-step/handler.ts',
      // Each journey's Tasks call the step's version of their deploy: a running execution keeps
      // the templates and step code it started with, as it keeps its state machine version.
      versioned: true,
      handlerName: 'journey-step',
      encryptionKey: props.key,
      // Two provider attempts with their time limits, and the store's requests around them.
      timeout: Duration.seconds(30),
      secrets: [this.secrets.unsubscribe, this.secrets.webhook],
      copyDirs: CONTENT,
      environment: {
        TABLE_NAME: props.table.tableName,
        FROM_EMAIL: fromEmail,
        SHOP_NAME: settings.shopName,
        ...(settings.shopUrl ? { SHOP_URL: settings.shopUrl } : {}),
        ...(settings.shopColor ? { SHOP_COLOR: settings.shopColor } : {}),
        PUBLIC_URL: publicUrl,
        SES_CONFIGURATION_SET: configurationSet.configurationSetName,
        EVENT_BUS_NAME: 'default',
        SENDING_HOURS: settings.sendingHours,
        FREQUENCY_CAP_MAX: String(settings.frequencyCapMax),
        FREQUENCY_CAP_DAYS: String(settings.frequencyCapDays),
        SMS_TRANSLITERATE: String(settings.smsTransliterate),
        SMS_DAILY_CAP: String(settings.smsDailyCap),
        ...(settings.smsOriginationIdentity ? { SMS_ORIGINATION_IDENTITY: settings.smsOriginationIdentity } : {}),
        SMS_CONFIGURATION_SET: smsConfigurationSet.ref,
      },
    });
    this.step.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [this.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })] }),
    );
    this.step.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sms-voice:SendTextMessage'],
        // Origination identities (numbers, pools, sender ids) are chosen at deploy time in the account.
        resources: [this.formatArn({ service: 'sms-voice', resource: '*' })],
      }),
    );
    this.grantState(this.step, props);
    this.step.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          this.formatArn({ service: 'ses', resource: 'identity', resourceName: settings.senderDomain }),
          this.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: configurationSet.configurationSetName }),
        ],
      }),
    );

    for (const journey of props.journeys) {
      const logGroup = new logs.LogGroup(this, `${journey.id}-Logs`, {
        retention: logs.RetentionDays.THREE_MONTHS,
        encryptionKey: props.key,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const machine = new sfn.StateMachine(this, `Journey-${journey.id}`, {
        stateMachineName: this.stateMachineName(journey.id),
        stateMachineType: sfn.StateMachineType.STANDARD,
        comment: `journey:${journey.id}`,
        definitionBody: sfn.DefinitionBody.fromChainable(journeyChain(new Construct(this, `${journey.id}-States`), journey, this.step.function.currentVersion)),
        // Execution data holds only ids, but is still kept out of the logs.
        logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
        tracingEnabled: true,
        timeout: Duration.days(366),
        encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.key),
      });
      new cloudwatch.Alarm(this, `${journey.id}-FailedAlarm`, {
        metric: machine.metricFailed({ period: Duration.minutes(5) }),
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `journey ${journey.id} has failed executions`,
      });
      // Every version of the step, not only this deploy's: an execution that started on an earlier
      // state machine version calls the step version it was deployed with.
      this.step.function.grantInvoke(machine);
      this.stateMachines[journey.id] = machine;
      this.liveAliases[journey.id] = publishLive(this, journey.id, machine);
    }

    const stateMachineArns = Stack.of(this).toJsonString(this.liveAliases);
    this.ingest = new EngineFunction(this, 'Ingest', {
      entry: 'functions/ingest/handler.ts',
      handlerName: 'ingest',
      encryptionKey: props.key,
      // A Step Functions call that hangs is cut by the client's time limits well before this, so the
      // claim of the event is given back and the platform's redelivery is processed; a killed
      // attempt's lease (EVENT_LEASE_SECONDS) runs out well after it.
      timeout: Duration.seconds(INGEST_TIMEOUT_SECONDS),
      // The dashboard's client, built at synth (dashboard/build.ts), served by this function.
      copyDirs: [...CONTENT, [relative(join(import.meta.dirname, '..'), buildDashboard()), 'content/dashboard']],
      environment: {
        TABLE_NAME: props.table.tableName,
        SENDING_HOURS: settings.sendingHours,
        STATE_MACHINE_ARNS: stateMachineArns,
        ...brandEnvironment(settings),
      },
      // Every credential it checks, and the link signing secret; not the outbound webhook secret (the step signs with it).
      secrets: this.secrets.all.filter((s) => s !== this.secrets.webhook),
    });
    this.grantState(this.ingest, props);
    for (const journey of props.journeys) {
      this.ingest.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [this.liveAliases[journey.id]!] }));
      this.ingest.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:StopExecution'],
          resources: [this.executionArnPattern(journey.id)],
        }),
      );
    }

    this.feedback = new EngineFunction(this, 'Feedback', {
      entry: 'functions/feedback/handler.ts',
      handlerName: 'feedback',
      encryptionKey: props.key,
      invokedAsynchronously: true,
      environment: {
        TABLE_NAME: props.table.tableName,
        SHOPS: settings.shops.join(','),
        COUNT_OPENS: settings.trackOpens,
        ...(settings.smsShopNumbers ? { SMS_SHOP_NUMBERS: settings.smsShopNumbers } : {}),
      },
    });
    this.grantState(this.feedback, props);
    this.feedbackTopic.addSubscription(new subscriptions.LambdaSubscription(this.feedback.function, { deadLetterQueue: this.feedback.deadLetterQueue }));

    // Segment journeys: EventBridge Scheduler → selection function → one execution per customer.
    this.segmentSelect = new EngineFunction(this, 'SegmentSelect', {
      entry: 'functions/segment-select/handler.ts',
      handlerName: 'segment-select',
      encryptionKey: props.key,
      invokedAsynchronously: true,
      timeout: Duration.seconds(SEGMENT_TIMEOUT_SECONDS),
      memorySize: 512,
      copyDirs: CONTENT,
      environment: { TABLE_NAME: props.table.tableName, SENDING_HOURS: settings.sendingHours, STATE_MACHINE_ARNS: stateMachineArns, SHOPS: settings.shops.join(',') },
    });
    this.grantState(this.segmentSelect, props);
    // Date journeys (a birthday) run the same way: each run enrols the customers whose day comes before the next.
    for (const journey of props.journeys) {
      const run = dailyRun(journey);
      if (!run) continue;
      this.segmentSelect.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [this.liveAliases[journey.id]!] }));
      const [hour, minute] = run.dailyAt.split(':');
      new scheduler.Schedule(this, `${journey.id}-Schedule`, {
        description: `daily selection for journey ${journey.id}`,
        schedule: scheduler.ScheduleExpression.cron({ hour, minute, timeZone: TimeZone.of(run.timeZone) }),
        target: new targets.LambdaInvoke(this.segmentSelect.function, {
          input: scheduler.ScheduleTargetInput.fromObject({ version: 1, journey: journey.id, scheduledTime: scheduler.ContextAttribute.scheduledTime }),
          retryAttempts: 3,
        }),
      });
    }

    const integration = new HttpLambdaIntegration('IngestIntegration', this.ingest.function);
    const routes: [string, apigw.HttpMethod][] = [
      ['/health', apigw.HttpMethod.GET],
      ['/v1/events', apigw.HttpMethod.POST],
      ['/webhooks/shopify', apigw.HttpMethod.POST],
      ['/webhooks/woocommerce', apigw.HttpMethod.POST],
      ['/webhooks/stripe', apigw.HttpMethod.POST],
      ['/v1/tasks', apigw.HttpMethod.GET],
      ['/v1/customers/export', apigw.HttpMethod.GET],
      ['/v1/customers/decisions', apigw.HttpMethod.GET],
      ['/v1/customers/erase', apigw.HttpMethod.POST],
      ['/v1/journeys/stats', apigw.HttpMethod.GET],
      ['/v1/journeys/{id}/stats', apigw.HttpMethod.GET],
      ['/v1/code-pools/{pool}', apigw.HttpMethod.GET],
      ['/v1/code-pools/{pool}', apigw.HttpMethod.POST],
      ['/survey', apigw.HttpMethod.GET],
      ['/survey', apigw.HttpMethod.POST],
      ['/u/{short}', apigw.HttpMethod.GET],
      ['/unsubscribe', apigw.HttpMethod.GET],
      ['/unsubscribe', apigw.HttpMethod.POST],
      ['/preferences', apigw.HttpMethod.GET],
      ['/preferences', apigw.HttpMethod.POST],
      ['/why', apigw.HttpMethod.GET],
      ['/v1/tasks/done', apigw.HttpMethod.POST],
      ['/dashboard', apigw.HttpMethod.GET],
      ['/dashboard/{proxy+}', apigw.HttpMethod.GET],
      ['/dashboard/{proxy+}', apigw.HttpMethod.POST],
    ];
    for (const [path, method] of routes) this.api.addRoutes({ path, methods: [method], integration });

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stage = this.api.defaultStage!.node.defaultChild as apigw.CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      // Ids and status only: no query strings (unsubscribe tokens) and no bodies.
      format: JSON.stringify({ requestId: '$context.requestId', route: '$context.routeKey', status: '$context.status', latency: '$context.responseLatency' }),
    };
    stage.defaultRouteSettings = { throttlingBurstLimit: 500, throttlingRateLimit: 200 };

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    this.dashboard = new EngineOperations(this, 'Operations', {
      secrets: this.secrets,
      stateMachines: Object.values(this.stateMachines),
      functions: [this.ingest, this.step, this.feedback, this.segmentSelect],
      namePrefix: props.settings.namePrefix,
    }).dashboard;
  }


  /** Item-level access to the state table and its one index, nothing table-wide (no Scan). */
  private grantState(fn: EngineFunction, props: EngineStackProps): void {
    fn.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
        resources: [props.table.tableArn, `${props.table.tableArn}/index/${lastOrderIndex.name}`],
      }),
    );
    props.key.grantEncryptDecrypt(fn.function);
  }

  stateMachineName(journeyId: string): string {
    return `${this.namePrefix}-${journeyId}`;
  }

  /** Executions of one journey's state machine, any name. */
  executionArnPattern(journeyId: string): string {
    return this.formatArn({ service: 'states', resource: 'execution', resourceName: `${this.stateMachineName(journeyId)}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }
}
