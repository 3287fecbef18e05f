import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { lastOrderIndex } from '../functions/adapters/dynamo/keys.ts';

/** Stateful resources live apart from the code that uses them, so a redeploy never replaces them. */
export class DataStack extends Stack {
  public readonly key: kms.Key;
  public readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.key = new kms.Key(this, 'DataKey', {
      description: 'Encrypts customer state, logs and queues of the marketing engine',
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.allowServicesOfThisAccount();
    this.table = new dynamodb.TableV2(this, 'State', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(this.key),
      timeToLiveAttribute: 'expiresAt',
      deletionProtection: true,
      // Sparse: only customers with an order carry its partition key (their last order's day);
      // win-back selection reads one day's partition instead of scanning the table.
      globalSecondaryIndexes: [
        {
          indexName: lastOrderIndex.name,
          partitionKey: { name: lastOrderIndex.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: lastOrderIndex.sortKey, type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.INCLUDE,
          nonKeyAttributes: ['customerId', 'orderCount', 'spentPln', 'lastOrderAt'],
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * AWS services that write encrypted data on the engine's behalf need the key policy to say so:
   * IAM grants cannot reach a service principal. Each is limited to this account (and, for logs,
   * to log groups of this account and region), so no other account's resource can use the key.
   */
  private allowServicesOfThisAccount(): void {
    const { account, region, partition } = this;
    const use = ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'];
    // Every log group encrypted with this key (functions, state machines, API access logs).
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: use,
        resources: ['*'],
        conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` } },
      }),
    );
    const publishers: [string, string, Record<string, Record<string, string>>][] = [
      // SNS delivering to encrypted queues (subscription dead-letter queues).
      ['SnsDeliveryOfThisAccount', 'sns.amazonaws.com', {}],
      // SES publishing bounces and complaints from a configuration set to the encrypted feedback topic.
      ['SesEventsOfThisAccount', 'ses.amazonaws.com', { ArnLike: { 'aws:SourceArn': `arn:${partition}:ses:${region}:${account}:configuration-set/*` } }],
      // End User Messaging publishing SMS delivery events to the encrypted feedback topic.
      ['SmsEventsOfThisAccount', 'sms-voice.amazonaws.com', {}],
      // CloudWatch alarms publishing to the encrypted operators' topic.
      ['CloudWatchAlarmsOfThisAccount', 'cloudwatch.amazonaws.com', { ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` } }],
    ];
    for (const [sid, service, extra] of publishers) {
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid,
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': account }, ...extra },
        }),
      );
    }
  }
}
