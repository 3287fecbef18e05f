import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SesMailer } from '../../functions/adapters/ses.ts';
import { PermanentSendError } from '../../functions/app/ports.ts';
import { StepFunctionsRunner } from '../../functions/adapters/sfn.ts';

const ses = mockClient(SESv2Client);
const sfn = mockClient(SFNClient);
beforeEach(() => {
  ses.reset();
  sfn.reset();
});

const message = {
  to: 'zofia@example.pl',
  subject: 'Twój koszyk',
  text: 'tekst',
  html: '<p>html</p>',
  headers: [{ name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' }],
  tags: { journey: 'abandoned-cart', step: 'first reminder' },
};

describe('SesMailer', () => {
  it('sends a simple UTF-8 message with headers, configuration set and tags', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'abc' });
    await expect(new SesMailer(new SESv2Client({}), 'sklep@example.pl', 'engine').send(message)).resolves.toEqual({ messageId: 'abc' });
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      FromEmailAddress: 'sklep@example.pl',
      Destination: { ToAddresses: ['zofia@example.pl'] },
      ConfigurationSetName: 'engine',
      EmailTags: [
        { Name: 'journey', Value: 'abandoned-cart' },
        { Name: 'step', Value: 'first_reminder' },
      ],
    });
    expect(input.Content?.Simple?.Subject).toEqual({ Data: 'Twój koszyk', Charset: 'UTF-8' });
    expect(input.Content?.Simple?.Headers).toEqual([{ Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' }]);
  });

  it('turns a rejection into a permanent error and lets throttling through for a retry', async () => {
    ses.on(SendEmailCommand).rejectsOnce(Object.assign(new Error('bad address'), { name: 'MessageRejected' })).rejectsOnce(Object.assign(new Error('slow down'), { name: 'TooManyRequestsException' }));
    const mailer = new SesMailer(new SESv2Client({ maxAttempts: 1 }), 'sklep@example.pl');
    await expect(mailer.send(message)).rejects.toBeInstanceOf(PermanentSendError);
    await expect(mailer.send(message)).rejects.toMatchObject({ name: 'TooManyRequestsException' });
  });
});

describe('StepFunctionsRunner', () => {
  const arn = 'arn:aws:states:eu-central-1:123456789012:stateMachine:koszyk-abandoned-cart';
  const input = { version: 1 as const, tenant: 'default', customerId: 'c_1', journey: 'abandoned-cart', key: 't1', firstAt: '2026-03-30T10:00:00.000Z' };

  it('starts with the deterministic name and the input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x' });
    await expect(new StepFunctionsRunner(new SFNClient({}), { 'abandoned-cart': arn }).start('abandoned-cart', 'abandoned-cart-1', input)).resolves.toBe('started');
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({ stateMachineArn: arn, name: 'abandoned-cart-1', input: JSON.stringify(input) });
  });

  it('recognises a second start with identical input, which Step Functions answers with success and the first start date', async () => {
    const runner = new StepFunctionsRunner(new SFNClient({}), { 'abandoned-cart': arn });
    sfn.on(StartExecutionCommand).resolvesOnce({ executionArn: 'x', startDate: new Date() }).resolves({ executionArn: 'x', startDate: new Date(Date.now() - 60_000) });
    await expect(runner.start('abandoned-cart', 'n', input)).resolves.toBe('started');
    await expect(runner.start('abandoned-cart', 'n', input)).resolves.toBe('exists');
  });

  it('treats an existing execution as already started', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    await expect(new StepFunctionsRunner(new SFNClient({}), { 'abandoned-cart': arn }).start('abandoned-cart', 'n', input)).resolves.toBe('exists');
  });

  it('stops by execution ARN derived from the state machine ARN', async () => {
    sfn.on(StopExecutionCommand).resolves({});
    await new StepFunctionsRunner(new SFNClient({}), { 'abandoned-cart': arn }).stop('abandoned-cart', 'n1', 'order.placed');
    expect(sfn.commandCalls(StopExecutionCommand)[0]!.args[0].input).toEqual({
      executionArn: 'arn:aws:states:eu-central-1:123456789012:execution:koszyk-abandoned-cart:n1',
      cause: 'order.placed',
    });
  });
});
