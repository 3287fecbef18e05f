import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ShippedApp, ShippedFunction } from './cloud-assembly.ts';
import type { Execution, StepFunctionsEngine } from './executions.ts';
import { allows } from './iam.ts';
import { resourcesOf, type Service, ServiceError } from './aws-operations.ts';

export type { Service } from './aws-operations.ts';

/**
 * One local HTTP endpoint for the AWS APIs the functions call besides DynamoDB, reached through
 * AWS_ENDPOINT_URL with the wire formats of the SDK's protocols (see the clients' protocol
 * settings in node_modules/@aws-sdk/client-*): JSON 1.0 RPC for Step Functions and End User
 * Messaging SMS (`X-Amz-Target: AWSStepFunctions.*`, `PinpointSMSVoiceV2.*`), JSON 1.1 RPC for
 * Secrets Manager and EventBridge (`secretsmanager.*`, `AWSEvents.*`), REST JSON for SES v2
 * (`POST /v2/email/outbound-emails`). Errors go back as those protocols carry them (`__type` in
 * the body; `x-amzn-ErrorType` for REST).
 *
 * Every call is recorded with the function that made it (each function signs with its own dummy
 * access key) and the time it signed the request (its x-amz-date, on its own clock). Each call is
 * also checked against the calling function's IAM role in the template, as AWS would: a call the
 * deployed role may not make answers AccessDeniedException here too. A test can make an operation
 * fail: an error code and status, a dropped connection, or no answer at all, once, n times or always.
 */

export interface RecordedCall {
  service: Service | 'unknown';
  operation: string;
  /** HANDLER_NAME of the calling function, when one of the stack's functions called. */
  caller?: string;
  /** When the caller signed the request: its x-amz-date, so the caller's (virtual) clock. */
  signedAt?: string;
  request: Record<string, unknown>;
  /** HTTP status answered, or how the connection was left. */
  status: number | 'reset' | 'hang';
  response?: unknown;
  error?: string;
}

export interface Fault {
  /** `service:Operation`, e.g. `ses:SendEmail`, `states:StartExecution`. */
  operation: string;
  /** Error code answered (with `status`, default 400). */
  error?: string;
  status?: number;
  message?: string;
  /** `reset`: the connection is closed without an answer; `hang`: it is kept open and never answered. */
  drop?: 'reset' | 'hang';
  /** How many matching calls fail. @default every one */
  times?: number;
  /** Only calls whose request matches. */
  when?: (request: Record<string, unknown>) => boolean;
}

const TARGET_PREFIXES: Record<string, { service: Service; json: string }> = {
  AWSStepFunctions: { service: 'states', json: '1.0' },
  secretsmanager: { service: 'secretsmanager', json: '1.1' },
  AWSEvents: { service: 'events', json: '1.1' },
  PinpointSMSVoiceV2: { service: 'sms-voice', json: '1.0' },
};

/** Characters AWS refuses in execution names; control characters are checked apart. */
const BAD_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;
const hasControl = (s: string) => [...s].some((c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f));

interface Secret {
  arn: string;
  name: string;
  value?: string;
  versionId?: string;
  createdAt: number;
}

export class AwsStandIn {
  readonly calls: RecordedCall[] = [];
  private readonly faults: (Fault & { left: number })[] = [];
  private readonly secrets = new Map<string, Secret>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  endpoint = '';

  constructor(
    private readonly app: ShippedApp,
    private readonly engine: StepFunctionsEngine,
    private readonly callers: ReadonlyMap<string, ShippedFunction>,
    private readonly clock: { now(): number },
  ) {
    for (const s of app.secrets) {
      // As CloudFormation leaves them: the template's value, a generated random one, or none at all.
      const value = s.value ?? (s.generated ? randomBytes(24).toString('base64url') : undefined);
      this.secrets.set(s.arn, { arn: s.arn, name: s.name, value, versionId: value === undefined ? undefined : randomUUID(), createdAt: clock.now() });
    }
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    return this.endpoint;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server?.close(resolve) ?? resolve(undefined));
  }

  fail(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.times ?? Number.POSITIVE_INFINITY });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** The value of a secret of the stack (what an operator's PutSecretValue would leave); undefined: no value. */
  setSecret(arn: string, value: string | undefined): void {
    const s = this.secrets.get(arn);
    if (!s) throw new Error(`the stack has no secret ${arn} (secrets: ${[...this.secrets.keys()].join(', ') || 'none'})`);
    Object.assign(s, { value, versionId: value === undefined ? undefined : randomUUID() });
  }

  /** Calls of one operation, e.g. `ses:SendEmail`. */
  callsOf(operation: string): RecordedCall[] {
    return this.calls.filter((c) => `${c.service}:${c.operation}` === operation);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const auth = /Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/.exec(String(req.headers['authorization'] ?? ''));
    const caller = auth ? this.callers.get(auth[1]!) : undefined;
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const signedAt = /^\d{8}T\d{6}Z$/.test(amzDate)
      ? `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`
      : undefined;

    const target = String(req.headers['x-amz-target'] ?? '');
    const [prefix, op] = target.split('.');
    const rpc = prefix ? TARGET_PREFIXES[prefix] : undefined;
    let service: Service | 'unknown' = 'unknown';
    let operation = `${req.method} ${req.url}${target ? ` ${target}` : ''}`;
    if (rpc && op) {
      service = rpc.service;
      operation = op;
    } else if (req.method === 'POST' && req.url?.split('?')[0] === '/v2/email/outbound-emails') {
      service = 'ses';
      operation = 'SendEmail';
    }
    let request: Record<string, unknown> = {};
    try {
      request = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      request = { $raw: raw };
    }
    const call: RecordedCall = { service, operation, caller: caller?.handlerName, signedAt, request, status: 0 };
    this.calls.push(call);

    const answer = (status: number, body: unknown, error?: string) => {
      call.status = status;
      call.response = body;
      call.error = error;
      const headers: Record<string, string> = { 'x-amzn-requestid': randomUUID() };
      if (rpc) headers['content-type'] = `application/x-amz-json-${rpc.json}`;
      else headers['content-type'] = 'application/json';
      if (error && !rpc) headers['x-amzn-errortype'] = error;
      res.writeHead(status, headers);
      res.end(JSON.stringify(body));
    };
    const refuse = (e: ServiceError) => answer(e.status, rpc ? { __type: e.code, message: e.message } : { message: e.message }, e.code);

    try {
      if (service === 'unknown') throw new ServiceError('UnknownOperationException', `the AWS stand-in does not serve ${operation}`);
      if (auth && (auth[4] !== service || auth[3] !== this.app.region)) {
        throw new ServiceError('InvalidSignatureException', `Credential should be scoped to ${this.app.region}/${service}, not ${auth[3]}/${auth[4]}`, 403);
      }
      const fault = this.faults.find((f) => f.operation === `${service}:${operation}` && f.left > 0 && (!f.when || f.when(request)));
      if (fault) {
        fault.left--;
        if (fault.drop === 'reset') {
          call.status = 'reset';
          req.socket.destroy();
          return;
        }
        if (fault.drop === 'hang') {
          // Left open: the caller's own time limit, or the end of the test file, closes it.
          call.status = 'hang';
          return;
        }
        throw new ServiceError(fault.error ?? 'InternalFailure', fault.message ?? 'injected by the test', fault.status ?? 400);
      }
      if (caller) this.authorize(caller, service, operation, request);
      const body = this.serve(service, operation, request);
      answer(200, body);
    } catch (e) {
      if (e instanceof ServiceError) refuse(e);
      else refuse(new ServiceError('InternalFailure', (e as Error).message, 500));
    }
  }

  private authorize(caller: ShippedFunction, service: Service, operation: string, request: Record<string, unknown>): void {
    const { action, resources } = resourcesOf(this.app, service, operation, request, (id) => this.findSecret(id)?.arn);
    const statements = caller.roleLogicalId ? this.app.statementsOf(caller.roleLogicalId) : [];
    if (!allows(statements, action, resources)) {
      throw new ServiceError('AccessDeniedException', `User: ${caller.handlerName} is not authorized to perform: ${action} on resource: ${resources.join(', ')}`, service === 'ses' ? 403 : 400);
    }
  }

  private serve(service: Service, operation: string, request: Record<string, unknown>): unknown {
    switch (`${service}:${operation}`) {
      case 'states:StartExecution':
        return this.startExecution(request);
      case 'states:StopExecution': {
        const exec = this.execution(request);
        this.engine.stop(exec, request['error'] as string | undefined, request['cause'] as string | undefined);
        // A closed execution is left as it ended; the answer is the same.
        return { stopDate: (exec.stopDate ?? this.clock.now()) / 1000 };
      }
      case 'states:DescribeExecution': {
        const e = this.execution(request);
        return {
          executionArn: e.executionArn,
          stateMachineArn: e.stateMachineArn,
          name: e.name,
          status: e.status,
          startDate: e.startDate / 1000,
          ...(e.stopDate === undefined ? {} : { stopDate: e.stopDate / 1000 }),
          input: e.input,
          ...(e.output === undefined ? {} : { output: e.output }),
          ...(e.error === undefined ? {} : { error: e.error }),
          ...(e.cause === undefined ? {} : { cause: e.cause }),
        };
      }
      case 'secretsmanager:GetSecretValue': {
        const s = this.findSecret(String(request['SecretId'] ?? ''));
        if (!s) throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        if (s.value === undefined) throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT");
        return { ARN: s.arn, Name: s.name, VersionId: s.versionId, SecretString: s.value, VersionStages: ['AWSCURRENT'], CreatedDate: s.createdAt / 1000 };
      }
      case 'events:PutEvents': {
        const entries = (request['Entries'] as { Detail?: string; Source?: string; DetailType?: string }[] | undefined) ?? [];
        const results = entries.map((e) => {
          try {
            JSON.parse(e.Detail ?? '');
          } catch {
            return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
          }
          return e.Source && e.DetailType ? { EventId: randomUUID() } : { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source or DetailType is not valid.' };
        });
        return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
      }
      case 'sms-voice:SendTextMessage':
        if (typeof request['DestinationPhoneNumber'] !== 'string' || !/^\+[1-9]\d{1,14}$/.test(request['DestinationPhoneNumber'])) {
          throw new ServiceError('ValidationException', 'DestinationPhoneNumber is not a valid E.164 number');
        }
        return { MessageId: randomUUID() };
      case 'ses:SendEmail': {
        const to = (request['Destination'] as { ToAddresses?: unknown[] } | undefined)?.ToAddresses;
        if (!request['Content'] || !Array.isArray(to) || to.length === 0) throw new ServiceError('BadRequestException', 'Content and a destination are required');
        return { MessageId: `0107${randomBytes(16).toString('hex')}-${randomUUID()}-000000` };
      }
      default:
        throw new ServiceError('UnknownOperationException', `the AWS stand-in does not serve ${service}:${operation}`);
    }
  }

  private startExecution(request: Record<string, unknown>): { executionArn: string; startDate: number } {
    const stateMachineArn = String(request['stateMachineArn'] ?? '');
    if (!this.engine.hasMachine(stateMachineArn)) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    const name = request['name'] === undefined ? randomUUID() : String(request['name']);
    if (name.length < 1 || name.length > 80 || BAD_NAME.test(name) || hasControl(name)) throw new ServiceError('InvalidName', `Invalid Name: '${name}'`);
    const input = request['input'] === undefined ? '{}' : String(request['input']);
    try {
      JSON.parse(input);
    } catch {
      throw new ServiceError('InvalidExecutionInput', 'Invalid State Machine Execution Input');
    }
    const existing = this.engine.executions.get(this.engine.executionArn(stateMachineArn, name));
    if (existing) {
      // Same name: success with the original only while it is open and the input is identical.
      if (existing.status === 'RUNNING' && existing.input === input) return { executionArn: existing.executionArn, startDate: existing.startDate / 1000 };
      throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.executionArn}'`);
    }
    const exec = this.engine.start(stateMachineArn, name, input);
    return { executionArn: exec.executionArn, startDate: exec.startDate / 1000 };
  }

  private execution(request: Record<string, unknown>): Execution {
    const arn = String(request['executionArn'] ?? '');
    const e = this.engine.executions.get(arn);
    if (!e) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return e;
  }

  /** By ARN, by name, or by an ARN without Secrets Manager's six-character suffix. */
  private findSecret(id: string): Secret | undefined {
    for (const s of this.secrets.values()) if (s.arn === id || s.name === id || s.arn.slice(0, -7) === id) return s;
    return undefined;
  }
}
