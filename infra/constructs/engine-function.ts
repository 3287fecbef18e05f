import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface EngineFunctionProps {
  /** Path of the handler module, relative to the repository root. */
  readonly entry: string;
  /** Name the local engine maps this function by (set as HANDLER_NAME). */
  readonly handlerName: string;
  readonly environment: Record<string, string>;
  /** Key that encrypts the log group and the dead-letter queue. */
  readonly encryptionKey: kms.IKey;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(15) */
  readonly timeout?: Duration;
  /** Extra files copied next to the bundle: [source dir, target dir name]. @default none */
  readonly copyDirs?: readonly [string, string][];
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Invoked asynchronously (SNS, EventBridge Scheduler): failed events go to a dead-letter queue.
   * A synchronously invoked function (API Gateway, a Step Functions task) gets none: its caller
   * sees the error, and a queue nothing can reach would only hide that.
   * @default false
   */
  readonly invokedAsynchronously?: boolean;
  /**
   * Publishes a version of the function with every change of its code or configuration, and
   * keeps the old ones: what calls `currentVersion` (a journey's Task) stays on the code and
   * content it was deployed with. @default false
   */
  readonly versioned?: boolean;
  /** Secrets the function reads: it may read them, and gets each one's ARN (never its value) in `envName`. @default none */
  readonly secrets?: readonly { readonly secret: secretsmanager.ISecret; readonly envName: string }[];
}

/**
 * A Lambda function as every function of the engine has it: esbuild bundle (ESM, Node 24),
 * its own encrypted log group, X-Ray, an alarm on errors, and for asynchronous invocation a
 * dead-letter queue with an alarm on its depth.
 */
export class EngineFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly deadLetterQueue?: sqs.Queue;
  public readonly logGroup: logs.LogGroup;
  public readonly role: iam.Role;
  public readonly errorsAlarm: cloudwatch.Alarm;
  public readonly deadLetterAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: EngineFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    if (props.invokedAsynchronously) {
      this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
        encryptionMasterKey: props.encryptionKey,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
    }
    // Its own role instead of AWSLambdaBasicExecutionRole: it may write to its own log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.handlerName}: least privilege, grants added by the stack`,
    });
    this.logGroup.grantWrite(this.role);
    // On the role only: Secret.grantRead would also write the role into the data key's policy, and
    // that key lives in the data stack, which must not depend on this one. The role's own KMS grant
    // on the data key (given with the table access) decrypts the values.
    if (props.secrets?.length) {
      this.role.addToPolicy(
        new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: props.secrets.map((s) => s.secret.secretArn) }),
      );
    }
    const secretArns = Object.fromEntries((props.secrets ?? []).map((s) => [s.envName, s.secret.secretArn]));
    const copies = props.copyDirs ?? [];
    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(15),
      logGroup: this.logGroup,
      role: this.role,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      deadLetterQueue: this.deadLetterQueue,
      ...(props.versioned ? { currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN } } : {}),
      environment: { HANDLER_NAME: props.handlerName, NODE_OPTIONS: '--enable-source-maps', ...props.environment, ...secretArns },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        sourceMap: true,
        mainFields: ['module', 'main'],
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        externalModules: [],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) =>
            copies.map(([from, to]) => `mkdir -p "$(dirname "${outputDir}/${to}")" && cp -r "${inputDir}/${from}" "${outputDir}/${to}"`),
        },
      },
    });
    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      metric: this.function.metricErrors({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${props.handlerName} threw errors`,
    });
    if (this.deadLetterQueue) {
      this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `${props.handlerName} has dead letters`,
      });
    }
  }
}
