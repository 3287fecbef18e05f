import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** CloudWatch namespace of every engine metric; the stack's dashboard and alarms read it. */
export const METRICS_NAMESPACE = 'Koszyk';

/**
 * Metric names, stable like log codes: the dashboard, the alarms and the tests match on them.
 * Dimensions carry ids and reasons only, never addresses.
 */
export const MetricName = {
  MessageSent: 'MessageSent',
  MessageSuppressed: 'MessageSuppressed',
  StaffTaskCreated: 'StaffTaskCreated',
  JourneyStarted: 'JourneyStarted',
  JourneyEnded: 'JourneyEnded',
  ProviderRejected: 'ProviderRejected',
  ProviderError: 'ProviderError',
  WebhookSecretUnset: 'WebhookSecretUnset',
  EventTimeClamped: 'EventTimeClamped',
  /** A code node met an empty pool (by journey and step): the shop should load more. */
  CodePoolEmpty: 'CodePoolEmpty',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

export type MetricDimensions = Partial<Record<'journey' | 'step' | 'channel' | 'reason' | 'platform' | 'provider', string>>;

export interface Metrics {
  count(name: MetricName, dimensions: MetricDimensions, value?: number): void;
}

export const noMetrics: Metrics = { count() {} };

/** Embedded metric format through Powertools: one line per data point, with its own dimensions. */
export function powertoolsMetrics(serviceName: string, metrics = new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName })): Metrics {
  return {
    count(name, dimensions, value = 1) {
      const single = metrics.singleMetric();
      for (const [k, v] of Object.entries(dimensions)) if (v !== undefined) single.addDimension(k, v);
      single.addMetric(name, MetricUnit.Count, value);
    },
  };
}

/** Counts kept in memory, for tests and the local stack. */
export class MemoryMetrics implements Metrics {
  readonly points: { name: MetricName; dimensions: MetricDimensions; value: number }[] = [];
  count(name: MetricName, dimensions: MetricDimensions, value = 1): void {
    this.points.push({ name, dimensions, value });
  }
  total(name: MetricName, filter: MetricDimensions = {}): number {
    return this.points
      .filter((p) => p.name === name && Object.entries(filter).every(([k, v]) => p.dimensions[k as keyof MetricDimensions] === v))
      .reduce((sum, p) => sum + p.value, 0);
  }
}
