import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, MetricName } from '../../functions/shared/metrics.ts';
import type { EngineFunction } from './engine-function.ts';
import type { EngineSecrets } from './engine-secrets.ts';

export interface EngineOperationsProps {
  readonly secrets: EngineSecrets;
  readonly stateMachines: readonly sfn.StateMachine[];
  readonly functions: readonly EngineFunction[];
  /** Names the dashboard `{namePrefix}-engine`. */
  readonly namePrefix: string;
}

/** What operators watch: alarms on the engine's own metrics, and one dashboard of the installation. */
export class EngineOperations extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: EngineOperationsProps) {
    super(scope, id);
    this.alarms(props);
    this.dashboard = this.buildDashboard(props);
  }

  /**
   * Alarms on what the engine counts itself: provider refusals past a threshold (an unverified
   * sender, the SES sandbox, a bad SMS identity) and webhooks refused because their secret is unset.
   */
  private alarms(props: EngineOperationsProps): void {
    const metric = (name: string, dimensionsMap: Record<string, string>) =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: name, dimensionsMap, statistic: 'Sum', period: Duration.minutes(15) });
    for (const provider of ['ses', 'sms']) {
      new cloudwatch.Alarm(this, `ProviderRejected-${provider}`, {
        metric: metric(MetricName.ProviderRejected, { service: 'journey-step', provider }),
        threshold: 10,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `${provider === 'ses' ? 'SES' : 'End User Messaging SMS'} refused 10 or more messages in 15 minutes: check the sender identity, the SES sandbox or the SMS origination identity (decisions say rejected_by_provider).`,
      });
    }
    for (const [platform, secret] of [
      ['shopify', props.secrets.shopify],
      ['woocommerce', props.secrets.woocommerce],
      ['stripe', props.secrets.stripe],
    ] as const) {
      new cloudwatch.Alarm(this, `WebhookSecretUnset-${platform}`, {
        metric: metric(MetricName.WebhookSecretUnset, { service: 'ingest', platform }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `${platform} webhooks are refused because their secret is not set: ${secret.setCommand}`,
      });
    }
  }

  /** One screen per installation: sends, suppressions by reason, journeys started and ended, provider errors. */
  private buildDashboard(props: EngineOperationsProps): cloudwatch.Dashboard {
    const search = (name: string, dims: string[], label: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE},${['service', ...dims].join(',')}} MetricName="${name}"', 'Sum', 3600)`,
        label,
        period: Duration.hours(1),
      });
    const graph = (title: string, ...metrics: cloudwatch.IMetric[]) => new cloudwatch.GraphWidget({ title, left: metrics, width: 12, height: 6, stacked: true });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: `${props.namePrefix}-engine`, defaultInterval: Duration.days(7) });
    dashboard.addWidgets(
      graph('Messages sent, by journey and step', search(MetricName.MessageSent, ['journey', 'step', 'channel'], 'sent')),
      graph('Sends decided against, by reason', search(MetricName.MessageSuppressed, ['journey', 'step', 'reason'], 'suppressed')),
    );
    dashboard.addWidgets(
      graph('Journeys started', search(MetricName.JourneyStarted, ['journey'], 'started')),
      graph('Journeys ended, by reason', search(MetricName.JourneyEnded, ['journey', 'reason'], 'ended')),
    );
    dashboard.addWidgets(
      graph('Provider refusals and errors', search(MetricName.ProviderRejected, ['provider'], 'rejected'), search(MetricName.ProviderError, ['provider'], 'errors')),
      graph('Staff tasks and refused webhooks', search(MetricName.StaffTaskCreated, ['journey', 'step'], 'tasks'), search(MetricName.WebhookSecretUnset, ['platform'], 'secret unset')),
    );
    dashboard.addWidgets(
      graph('Failed journey executions', ...props.stateMachines.map((m) => m.metricFailed({ period: Duration.hours(1) }))),
      graph('Function errors', ...props.functions.map((f) => f.function.metricErrors({ period: Duration.hours(1) }))),
    );
    return dashboard;
  }
}
