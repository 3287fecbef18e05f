import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { JourneyConfig } from '../workflows/src/journey.ts';
import { EngineFunction } from './constructs/engine-function.ts';
import { journeyChain } from './journey-definition.ts';

export interface EngineStackProps extends StackProps {
  readonly table: dynamodb.ITableV2;
  readonly key: kms.IKey;
  readonly journeys: readonly JourneyConfig[];
  /** Verified SES identity (a domain) that mail is sent from. */
  readonly senderDomain: string;
  /** @default `sklep@${senderDomain}` */
  readonly fromEmail?: string;
  /** @default 'Sklep' */
  readonly shopName?: string;
  /** Where customers' unsubscribe links point; the API URL when not set. */
  readonly publicUrl?: string;
  /** Prefix of state machine names, so two installations can share an account. @default 'koszyk' */
  readonly namePrefix?: string;
  /** Shared secrets, passed at deploy time (context or environment). */
  readonly secrets: { apiKeys: string; shopifyWebhookSecrets: string; unsubscribeSecret: string };
}

/** The engine: trigger API, journey state machines and the functions they call. */
export class EngineStack extends Stack {
  public readonly api: apigw.HttpApi;
  public readonly stateMachines: Record<string, sfn.StateMachine> = {};
  public readonly ingest: EngineFunction;
  public readonly step: EngineFunction;

  private readonly namePrefix: string;

  constructor(scope: Construct, id: string, props: EngineStackProps) {
    super(scope, id, props);
    this.namePrefix = props.namePrefix ?? 'koszyk';
    const fromEmail = props.fromEmail ?? `sklep@${props.senderDomain}`;

    const configurationSet = new ses.ConfigurationSet(this, 'Sending', {
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
    });

    this.api = new apigw.HttpApi(this, 'TriggerApi', {
      description: 'Shop triggers, webhooks and unsubscribe links',
      createDefaultStage: true,
    });
    const publicUrl = props.publicUrl ?? this.api.apiEndpoint;

    this.step = new EngineFunction(this, 'JourneyStep', {
      entry: 'functions/journey-step/handler.ts',
      handlerName: 'journey-step',
      encryptionKey: props.key,
      copyDirs: [['workflows/templates', 'templates']],
      environment: {
        TABLE_NAME: props.table.tableName,
        FROM_EMAIL: fromEmail,
        SHOP_NAME: props.shopName ?? 'Sklep',
        PUBLIC_URL: publicUrl,
        UNSUBSCRIBE_SECRET: props.secrets.unsubscribeSecret,
        SES_CONFIGURATION_SET: configurationSet.configurationSetName,
      },
    });
    props.table.grantReadWriteData(this.step.function);
    this.step.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          this.formatArn({ service: 'ses', resource: 'identity', resourceName: props.senderDomain }),
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
        definitionBody: sfn.DefinitionBody.fromChainable(journeyChain(this, journey, this.step.function)),
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
      this.stateMachines[journey.id] = machine;
    }

    this.ingest = new EngineFunction(this, 'Ingest', {
      entry: 'functions/ingest/handler.ts',
      handlerName: 'ingest',
      encryptionKey: props.key,
      timeout: Duration.seconds(10),
      environment: {
        TABLE_NAME: props.table.tableName,
        API_KEYS: props.secrets.apiKeys,
        SHOPIFY_WEBHOOK_SECRETS: props.secrets.shopifyWebhookSecrets,
        UNSUBSCRIBE_SECRET: props.secrets.unsubscribeSecret,
        STATE_MACHINE_ARNS: Stack.of(this).toJsonString(
          Object.fromEntries(Object.entries(this.stateMachines).map(([id, m]) => [id, m.stateMachineArn])),
        ),
      },
    });
    props.table.grantReadWriteData(this.ingest.function);
    for (const journey of props.journeys) {
      this.stateMachines[journey.id]!.grantStartExecution(this.ingest.function);
      this.ingest.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:StopExecution'],
          resources: [this.executionArnPattern(journey.id)],
        }),
      );
    }

    const integration = new HttpLambdaIntegration('IngestIntegration', this.ingest.function);
    const routes: [string, apigw.HttpMethod][] = [
      ['/health', apigw.HttpMethod.GET],
      ['/v1/events', apigw.HttpMethod.POST],
      ['/webhooks/shopify', apigw.HttpMethod.POST],
      ['/unsubscribe', apigw.HttpMethod.GET],
      ['/unsubscribe', apigw.HttpMethod.POST],
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
  }

  stateMachineName(journeyId: string): string {
    return `${this.namePrefix}-${journeyId}`;
  }

  /** Executions of one journey's state machine, any name. */
  executionArnPattern(journeyId: string): string {
    return this.formatArn({ service: 'states', resource: 'execution', resourceName: `${this.stateMachineName(journeyId)}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }
}
