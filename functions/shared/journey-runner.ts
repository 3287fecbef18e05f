/**
 * Starts and stops journey executions. On AWS: Step Functions StartExecution/StopExecution;
 * locally: the embedded engine. Execution names are deterministic, so a second start of the
 * same trigger is a no-op.
 */
export interface JourneyInput {
  version: 1;
  tenant: string;
  customerId: string;
  journey: string;
  key: string;
  /** When the first step is due, already moved into sending hours for marketing steps. */
  firstAt: string;
}

export interface JourneyRunner {
  start(journey: string, executionName: string, input: JourneyInput): Promise<'started' | 'exists'>;
  stop(journey: string, executionName: string, reason: string): Promise<void>;
}
