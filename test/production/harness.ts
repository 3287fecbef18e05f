import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { type DynamoDbLocal, LOCAL_CREDENTIALS, startDynamoDbLocal } from '../../local/dynamodb-local.ts';
import { createStateTable } from '../../local/tables.ts';
import { AwsStandIn } from './aws-stand-in.ts';
import { type HttpCall as HttpRequest, httpApiEvent, schedulerInput, snsEvent } from '../../local/aws-events.ts';
import { readShippedApp, type ShippedApp, type ShippedFunction, synthesize } from './cloud-assembly.ts';
import { StepFunctionsEngine } from './executions.ts';
import { HarnessClock, type Invocation, LambdaSandbox } from './lambda-host.ts';

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

export interface ProductionPath {
  app: ShippedApp;
  aws: AwsStandIn;
  executions: StepFunctionsEngine;
  clock: HarnessClock;
  dynamoEndpoint: string;
  /** Every line the functions wrote to stdout or stderr. */
  logs: { fn: string; line: string }[];
  sandbox(handlerName: string): LambdaSandbox;
  /** Invokes a function as Lambda would (the event as the service delivers it). */
  invoke(handlerName: string, event: unknown): Promise<Invocation>;
  /** An HTTPS request to the HTTP API: matched against the template's routes, proxied to the function. */
  http(req: HttpRequest): Promise<HttpResponse>;
  /** Publishes a message to an SNS topic with a function subscribed to it. */
  publish(topicArn: string, message: unknown): Promise<Invocation[]>;
  /** One EventBridge Scheduler run of the schedule that selects `journey`. */
  schedule(journey: string, scheduledTime: Date): Promise<Invocation>;
  /** Moves the harness clock, letting waiting executions go on at their own times; then waits for them. */
  advance(ms: number): Promise<void>;
  /** Waits until every open execution waits. */
  settled(): Promise<void>;
}

/**
 * The production-path layer for one test file: synthesizes the CDK app once (bundles included),
 * starts DynamoDB Local with the state table as the data stack declares it, the AWS stand-in,
 * and one warm child process per function, reused by every test of the file.
 */
export function productionPath(): ProductionPath {
  let outdir: string | undefined;
  let ddb: DynamoDbLocal | undefined;
  const sandboxes = new Map<string, LambdaSandbox>();
  const clock = new HarnessClock();
  const logs: { fn: string; line: string }[] = [];
  const state = {} as { app: ShippedApp; aws: AwsStandIn; executions: StepFunctionsEngine };

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'koszyk-cdk-out-'));
    // Both in processes of their own: Java starts while the app is synthesized.
    const [db, synthesized] = await Promise.allSettled([startDynamoDbLocal(), synthesize(outdir)]);
    if (db.status === 'fulfilled') ddb = db.value;
    else throw db.reason;
    if (synthesized.status === 'rejected') throw synthesized.reason;
    const app = readShippedApp(outdir, { tableName: 'koszyk-state' });
    const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: app.region, credentials: LOCAL_CREDENTIALS });
    await createStateTable(client, { journeys: new Map(), table: app.table }, app.tableName);
    client.destroy();

    const keys = new Map<string, ShippedFunction>();
    for (const [i, f] of app.functions.entries()) keys.set(`ASIAPRODUCTIONPATH${String(i).padStart(2, '0')}`, f);
    const executions = new StepFunctionsEngine(app.stateMachines, (arn, payload) => invokeArn(arn, payload), clock);
    const aws = new AwsStandIn(app, executions, keys, clock);
    const endpoint = await aws.start();
    for (const [accessKeyId, fn] of keys) {
      sandboxes.set(
        fn.handlerName,
        new LambdaSandbox(fn, { region: app.region, endpoint, dynamoEndpoint: ddb.endpoint, accessKeyId, clock, onLog: (name, line) => logs.push({ fn: name, line }) }),
      );
    }
    Object.assign(state, { app, aws, executions });
    // Synthesis bundles every function with esbuild: ~25 s alone, much longer beside the rest of the suite on two cores.
  }, 360_000);

  afterAll(async () => {
    state.executions?.stopAll();
    await Promise.all([...sandboxes.values()].map((s) => s.stop()));
    await state.aws?.close();
    await ddb?.stop();
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  const sandbox = (handlerName: string) => {
    const s = sandboxes.get(handlerName);
    if (!s) throw new Error(`no function ${handlerName} (have ${[...sandboxes.keys()].join(', ')})`);
    return s;
  };
  const invokeArn = (arn: string, payload: unknown) => {
    const fn = state.app.byArn(arn);
    if (!fn) throw new Error(`a Task calls ${arn}, which is no function of the stack`);
    return sandbox(fn.handlerName).invoke(payload);
  };

  const http = async (req: HttpRequest): Promise<HttpResponse> => {
    const { app } = state;
    const path = req.url.split('?')[0]!;
    let match: { routeKey: string; fn: ShippedFunction; pathParameters?: Record<string, string> } | undefined;
    for (const [routeKey, fn] of app.routes) {
      const [method, pattern] = routeKey.split(' ') as [string, string];
      if (method !== req.method.toUpperCase() && method !== 'ANY') continue;
      const names: string[] = [];
      const re = new RegExp(
        `^${pattern.replace(/\{([^}+]+)\+?\}/g, (_, n: string) => {
          names.push(n);
          return '([^/]+)';
        })}$`,
      );
      const m = re.exec(path);
      if (!m) continue;
      match = { routeKey, fn, ...(names.length ? { pathParameters: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) } : {}) };
      break;
    }
    const response = (status: number, headers: Record<string, string>, body: string): HttpResponse => ({
      status,
      headers,
      body,
      json: <T>() => JSON.parse(body) as T,
    });
    if (!match) return response(404, { 'content-type': 'application/json' }, '{"message":"Not Found"}');
    const apiId = app.engine.ref(Object.keys(app.engine.template.Resources).find((k) => app.engine.template.Resources[k]!.Type === 'AWS::ApiGatewayV2::Api')!);
    const event = httpApiEvent(req, match, { apiId, region: app.region, account: app.account, now: new Date(clock.now()) });
    const out = await sandbox(match.fn.handlerName).invoke(event);
    if (!out.ok) return response(500, { 'content-type': 'application/json' }, '{"message":"Internal Server Error"}');
    const r = out.result as { statusCode?: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean } | null;
    if (r && typeof r === 'object' && typeof r.statusCode === 'number') {
      const body = r.body === undefined ? '' : r.isBase64Encoded ? Buffer.from(r.body, 'base64').toString('utf8') : r.body;
      return response(r.statusCode, r.headers ?? {}, body);
    }
    // Payload 2.0 without statusCode: API Gateway answers 200 with the result as JSON.
    return response(200, { 'content-type': 'application/json' }, JSON.stringify(r));
  };

  return {
    get app() {
      return state.app;
    },
    get aws() {
      return state.aws;
    },
    get executions() {
      return state.executions;
    },
    clock,
    get dynamoEndpoint() {
      return ddb!.endpoint;
    },
    logs,
    sandbox,
    invoke: (handlerName, event) => sandbox(handlerName).invoke(event),
    http,
    async publish(topicArn, message) {
      const subscribers = state.app.subscriptions.filter((s) => s.topicArn === topicArn);
      if (subscribers.length === 0) throw new Error(`no function subscribes to ${topicArn}`);
      const text = typeof message === 'string' ? message : JSON.stringify(message);
      return Promise.all(subscribers.map((s, i) => sandbox(s.fn.handlerName).invoke(snsEvent(topicArn, `subscription-${i}`, text, new Date(clock.now())))));
    },
    async schedule(journey, scheduledTime) {
      const s = state.app.schedules.find((x) => (JSON.parse(x.input.replace(/<aws\.scheduler\.[^>]+>/g, 'x')) as { journey?: string }).journey === journey);
      if (!s) throw new Error(`no schedule for journey ${journey}`);
      const arn = `arn:aws:scheduler:${state.app.region}:${state.app.account}:schedule/default/${s.logicalId}`;
      return sandbox(s.fn.handlerName).invoke(schedulerInput(s.input, scheduledTime, arn));
    },
    async advance(ms) {
      await state.executions.advanceTo(clock.now() + ms);
      await state.executions.settled();
    },
    settled: () => state.executions.settled(),
  };
}


