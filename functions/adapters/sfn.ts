import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { JourneyInput, JourneyRunner } from '../app/ports.ts';

/**
 * How far Step Functions' clock may be behind this function's: an execution whose start date is
 * older than the call by more than this was started by an earlier call.
 */
export const START_DATE_TOLERANCE_MS = 2_000;

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
    const calledAt = Date.now();
    try {
      // A Standard execution started again under its name with identical input is not an error:
      // StartExecution answers 200 with the first execution's ARN and start date. Its age tells.
      const out = await this.sfn.send(new StartExecutionCommand({ stateMachineArn: this.arn(journey), name: executionName, input: JSON.stringify(input) }));
      return out.startDate && out.startDate.getTime() < calledAt - START_DATE_TOLERANCE_MS ? 'exists' : 'started';
    } catch (e) {
      if (e instanceof ExecutionAlreadyExists || (e as Error).name === 'ExecutionAlreadyExists') return 'exists';
      throw e;
    }
  }

  async stop(journey: string, executionName: string, reason: string): Promise<void> {
    // An execution started on an alias or a version is named under its state machine alone.
    const machine = this.arn(journey).replace(/^(arn:[^:]+:states:[^:]*:[^:]*:stateMachine:[^:]+):[^:]+$/, '$1');
    const executionArn = `${machine.replace(':stateMachine:', ':execution:')}:${executionName}`;
    try {
      await this.sfn.send(new StopExecutionCommand({ executionArn, cause: reason }));
    } catch (e) {
      // Already finished or never started: the enrolment record has ended it either way.
      if ((e as Error).name !== 'ExecutionDoesNotExist') throw e;
    }
  }
}
