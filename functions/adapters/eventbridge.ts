import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventPublisher } from '../app/ports.ts';
import type { StaffTask } from '../core/model.ts';


export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async taskCreated(task: StaffTask): Promise<void> {
    // Ids and instructions only; staff look the customer up by id.
    const out = await this.client.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: this.busName, Source: 'koszyk.journeys', DetailType: 'StaffTaskCreated', Detail: JSON.stringify(task) }],
      }),
    );
    if (out.FailedEntryCount) throw new Error(`EventBridge refused the task event: ${out.Entries?.[0]?.ErrorCode}`);
  }
}
