import type { ShippedApp } from './cloud-assembly.ts';

/** The AWS services the stand-in (aws-stand-in.ts) answers, their errors, and what each operation is authorized against. */

export type Service = 'states' | 'secretsmanager' | 'events' | 'sms-voice' | 'ses';

/** An error as the service answers it: its code (`__type`, `x-amzn-ErrorType`), message and HTTP status. */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * The IAM action and the resources an operation acts on, as AWS authorizes it: the secret by the
 * ARN it is found under (`secretArn`), the event bus, the origination identity, the SES identity
 * and configuration set.
 */
export function resourcesOf(
  app: Pick<ShippedApp, 'region' | 'account'>,
  service: Service,
  operation: string,
  request: Record<string, unknown>,
  secretArn: (id: string) => string | undefined,
): { action: string; resources: string[] } {
  const { region, account } = app;
  const action = `${service === 'sms-voice' ? 'sms-voice' : service}:${operation}`;
  switch (`${service}:${operation}`) {
    case 'states:StartExecution':
      return { action, resources: [String(request['stateMachineArn'])] };
    case 'states:StopExecution':
    case 'states:DescribeExecution':
      return { action, resources: [String(request['executionArn'])] };
    case 'secretsmanager:GetSecretValue':
      return { action, resources: [secretArn(String(request['SecretId'])) ?? String(request['SecretId'])] };
    case 'events:PutEvents':
      return {
        action,
        resources: ((request['Entries'] as { EventBusName?: string }[] | undefined) ?? []).map((e) => {
          const bus = e.EventBusName ?? 'default';
          return bus.startsWith('arn:') ? bus : `arn:aws:events:${region}:${account}:event-bus/${bus}`;
        }),
      };
    case 'sms-voice:SendTextMessage': {
      const identity = request['OriginationIdentity'];
      return { action, resources: [typeof identity === 'string' && identity.startsWith('arn:') ? identity : `arn:aws:sms-voice:${region}:${account}:phone-number/${identity ?? 'any'}`] };
    }
    case 'ses:SendEmail': {
      const from = String(request['FromEmailAddress'] ?? '');
      const domain = /@([^>]+)>?$/.exec(from)?.[1] ?? from;
      const set = request['ConfigurationSetName'];
      return {
        action,
        resources: [`arn:aws:ses:${region}:${account}:identity/${domain}`, ...(typeof set === 'string' ? [`arn:aws:ses:${region}:${account}:configuration-set/${set}`] : [])],
      };
    }
    default:
      throw new ServiceError('UnknownOperationException', `the AWS stand-in does not serve ${service}:${operation}`);
  }
}
