import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { JourneyInput, JourneyRunner } from './journey-runner.ts';

/** Step Functions adapter: execution names are the journey idempotency key. */
export class StepFunctionsRunner implements JourneyRunner {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArns: Readonly<Record<string, string>>,
  ) {}

  private arn(journey: string): string {
    const arn = this.stateMachineArns[journey];
    if (!arn) throw new Error(`no state machine for journey ${journey}`);
    return arn;
  }

  async start(journey: string, executionName: string, input: JourneyInput): Promise<'started' | 'exists'> {
    try {
      await this.sfn.send(new StartExecutionCommand({ stateMachineArn: this.arn(journey), name: executionName, input: JSON.stringify(input) }));
      return 'started';
    } catch (e) {
      if (e instanceof ExecutionAlreadyExists || (e as Error).name === 'ExecutionAlreadyExists') return 'exists';
      throw e;
    }
  }

  async stop(journey: string, executionName: string, reason: string): Promise<void> {
    const executionArn = `${this.arn(journey).replace(':stateMachine:', ':execution:')}:${executionName}`;
    try {
      await this.sfn.send(new StopExecutionCommand({ executionArn, cause: reason }));
    } catch (e) {
      // Already finished or never started: the enrolment record has ended it either way.
      if ((e as Error).name !== 'ExecutionDoesNotExist') throw e;
    }
  }
}
