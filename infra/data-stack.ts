import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

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
    this.table = new dynamodb.TableV2(this, 'State', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(this.key),
      timeToLiveAttribute: 'expiresAt',
      deletionProtection: true,
      // Sparse: only customers with an order carry gsi1pk (their last order's day); win-back
      // selection reads one day's partition instead of scanning the table.
      globalSecondaryIndexes: [
        {
          indexName: 'byLastOrderDay',
          partitionKey: { name: 'gsi1pk', type: dynamodb.AttributeType.STRING },
          sortKey: { name: 'gsi1sk', type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.INCLUDE,
          nonKeyAttributes: ['customerId', 'orderCount', 'spentPln', 'lastOrderAt'],
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
