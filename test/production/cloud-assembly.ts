import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SynthesizedApp } from '../../local/definitions.ts';
import { type CfnTemplate, exportsOf, FAKE_ACCOUNT, TemplateResolver } from './intrinsics.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A Lambda function of the engine stack as it would be deployed: its bundle directory and its configuration. */
export interface ShippedFunction {
  logicalId: string;
  /** HANDLER_NAME from its environment (the engine's own name for it). */
  handlerName: string;
  name: string;
  arn: string;
  /** The bundled asset in cdk.out: what would be zipped and uploaded. */
  assetDir: string;
  /** `file.export`, as in the template. */
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** Environment.Variables with every intrinsic resolved. */
  environment: Record<string, string>;
  roleLogicalId: string | undefined;
}

export interface ShippedStateMachine {
  logicalId: string;
  name: string;
  arn: string;
  definition: { StartAt: string; States: Record<string, Record<string, unknown>>; TimeoutSeconds?: number; [k: string]: unknown };
}

export interface ShippedSecret {
  logicalId: string;
  arn: string;
  name: string;
  /** SecretString from the template; `generated` when CloudFormation would generate a random one. */
  value?: string;
  generated: boolean;
}

export interface IamStatement {
  Effect: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
}

export interface ShippedApp {
  outdir: string;
  region: string;
  account: string;
  engine: TemplateResolver;
  data: TemplateResolver;
  tableName: string;
  table: SynthesizedApp['table'];
  functions: ShippedFunction[];
  stateMachines: ShippedStateMachine[];
  secrets: ShippedSecret[];
  /** HTTP API routes: route key → the function of its Lambda proxy integration (payload 2.0). */
  routes: Map<string, ShippedFunction>;
  /** EventBridge Scheduler schedules that invoke a function: the input it sends (with context placeholders). */
  schedules: { logicalId: string; fn: ShippedFunction; input: string; expression: string; timeZone?: string }[];
  /** SNS subscriptions of functions. */
  subscriptions: { topicArn: string; fn: ShippedFunction }[];
  /** Identity-based statements of each role (its policies and inline policies), resolved. */
  statementsOf(roleLogicalId: string): IamStatement[];
  fn(handlerName: string): ShippedFunction;
  byArn(arn: string): ShippedFunction | undefined;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function refId(v: unknown): string | undefined {
  if (v && typeof v === 'object') {
    const ref = (v as { Ref?: unknown }).Ref;
    if (typeof ref === 'string') return ref;
    const att = (v as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
    if (Array.isArray(att) && typeof att[0] === 'string') return att[0];
  }
  return undefined;
}

/**
 * Synthesizes the CDK app into `outdir` in a child process (synth-app.ts), as the CDK CLI runs an
 * app, so this process stays free meanwhile (DynamoDB Local starts beside it).
 */
export async function synthesize(outdir: string): Promise<void> {
  const tsx = import.meta.resolve('tsx');
  const child = spawn(process.execPath, ['--import', tsx, join(ROOT, 'test', 'production', 'synth-app.ts'), outdir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString('utf8')).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`cdk synth (test/production/synth-app.ts) exited with ${code}:\n${output}`);
}

interface Manifest {
  artifacts: Record<string, { type: string; environment?: string; properties?: { templateFile?: string } }>;
}

/** Describes what the cloud assembly in `outdir` would deploy. */
export function readShippedApp(outdir: string, opts: { tableName: string }): ShippedApp {
  const names = JSON.parse(readFileSync(join(outdir, 'production-path.json'), 'utf8')) as { data: string; engine: string };
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as Manifest;
  const stack = (name: string) => {
    const a = manifest.artifacts[name];
    if (a?.type !== 'aws:cloudformation:stack' || !a.properties?.templateFile) throw new Error(`no stack ${name} in the cloud assembly`);
    const [, account = '', region = ''] = /^aws:\/\/([^/]+)\/(.+)$/.exec(a.environment ?? '') ?? [];
    return { stackName: name, account, region, template: JSON.parse(readFileSync(join(outdir, a.properties.templateFile), 'utf8')) as CfnTemplate };
  };
  const engineArtifact = stack(names.engine);
  const dataArtifact = stack(names.data);
  const concrete = (v: string, fallback: string) => (v === '' || v.startsWith('unknown-') ? fallback : v);
  const region = concrete(engineArtifact.region, 'eu-central-1');
  const account = concrete(engineArtifact.account, FAKE_ACCOUNT);

  const dataTemplate = dataArtifact.template;
  const tableIds = Object.entries(dataTemplate.Resources)
    .filter(([, r]) => r.Type === 'AWS::DynamoDB::GlobalTable' || r.Type === 'AWS::DynamoDB::Table')
    .map(([id]) => id);
  if (tableIds.length !== 1) throw new Error(`expected one DynamoDB table in ${dataArtifact.stackName}, found ${tableIds.length}`);
  const tableName = (id: string) => {
    if (id !== tableIds[0]) throw new Error(`no local table for ${id}`);
    return opts.tableName;
  };
  const data = new TemplateResolver(dataTemplate, { stackName: dataArtifact.stackName, region, account, tableName });
  const dataExports = exportsOf(data);
  const engine = new TemplateResolver(engineArtifact.template, {
    stackName: engineArtifact.stackName,
    region,
    account,
    tableName: () => {
      throw new Error('the engine stack has no table of its own');
    },
    importValue: (name) => {
      const value = dataExports.get(name);
      if (!value) throw new Error(`Fn::ImportValue ${name}: no stack exports it`);
      return value();
    },
  });
  const resources = engine.template.Resources;

  const functions: ShippedFunction[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const p = r.Properties ?? {};
    const assetPath = r.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') throw new Error(`function ${id} has no aws:asset:path metadata: it is not a bundled asset`);
    const vars = engine.resolve((p['Environment'] as { Variables?: unknown } | undefined)?.Variables ?? {}, `${id}.Environment.Variables`) as Record<string, unknown>;
    const environment: Record<string, string> = {};
    for (const [k, v] of Object.entries(vars)) {
      if (typeof v !== 'string') throw new Error(`${id}: environment variable ${k} resolved to ${JSON.stringify(v)}`);
      environment[k] = v;
    }
    functions.push({
      logicalId: id,
      handlerName: environment['HANDLER_NAME'] ?? id,
      name: engine.ref(id),
      arn: engine.getAtt(id, 'Arn'),
      assetDir: join(outdir, assetPath),
      handler: engine.resolveString(p['Handler'], `${id}.Handler`),
      runtime: engine.resolveString(p['Runtime'], `${id}.Runtime`),
      timeoutSeconds: Number(p['Timeout'] ?? 3),
      memoryMb: Number(p['MemorySize'] ?? 128),
      environment,
      roleLogicalId: refId(p['Role']),
    });
  }
  // A version's ARN (`…:function:name:N`) is the function's, qualified.
  const byArn = (arn: string) => functions.find((f) => f.arn === arn || f.name === arn || f.arn === arn.replace(/:\d+$/, ''));
  const fnOf = (target: unknown, where: string) => {
    const arn = engine.resolveString(target, where);
    const f = byArn(arn);
    if (!f) throw new Error(`${where}: ${arn} is not a function of the stack`);
    return f;
  };

  const stateMachines: ShippedStateMachine[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const p = r.Properties ?? {};
    let text = engine.resolveString(p['DefinitionString'], `${id}.DefinitionString`);
    const substitutions = engine.resolve(p['DefinitionSubstitutions'] ?? {}, `${id}.DefinitionSubstitutions`) as Record<string, string>;
    for (const [k, v] of Object.entries(substitutions)) text = text.replaceAll(`\${${k}}`, v);
    stateMachines.push({ logicalId: id, name: engine.stateMachineName(id), arn: engine.stateMachineArn(id), definition: JSON.parse(text) });
  }

  const secrets: ShippedSecret[] = Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::SecretsManager::Secret')
    .map(([id, r]) => {
      const p = r.Properties ?? {};
      const value = p['SecretString'] === undefined ? undefined : engine.resolveString(p['SecretString'], `${id}.SecretString`);
      return { logicalId: id, arn: engine.secretArn(id), name: engine.secretArn(id).split(':secret:')[1]!.slice(0, -7), value, generated: value === undefined && p['GenerateSecretString'] !== undefined };
    });

  const routes = new Map<string, ShippedFunction>();
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::ApiGatewayV2::Route') continue;
    const p = r.Properties ?? {};
    const target = engine.resolveString(p['Target'], `${id}.Target`);
    const integrationId = Object.keys(resources).find((k) => resources[k]!.Type === 'AWS::ApiGatewayV2::Integration' && target === `integrations/${engine.ref(k)}`);
    const integration = integrationId ? resources[integrationId]!.Properties ?? {} : undefined;
    if (integration?.['IntegrationType'] !== 'AWS_PROXY' || integration['PayloadFormatVersion'] !== '2.0') {
      throw new Error(`route ${String(p['RouteKey'])} is not a Lambda proxy integration with payload 2.0`);
    }
    routes.set(engine.resolveString(p['RouteKey'], `${id}.RouteKey`), fnOf(integration['IntegrationUri'], `${integrationId}.IntegrationUri`));
  }

  const schedules: ShippedApp['schedules'] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::Scheduler::Schedule') continue;
    const p = r.Properties ?? {};
    const target = p['Target'] as { Arn: unknown; Input?: unknown };
    schedules.push({
      logicalId: id,
      fn: fnOf(target.Arn, `${id}.Target.Arn`),
      input: engine.resolveString(target.Input ?? '{}', `${id}.Target.Input`),
      expression: engine.resolveString(p['ScheduleExpression'], `${id}.ScheduleExpression`),
      timeZone: p['ScheduleExpressionTimezone'] === undefined ? undefined : engine.resolveString(p['ScheduleExpressionTimezone'], `${id}.ScheduleExpressionTimezone`),
    });
  }

  const subscriptions: ShippedApp['subscriptions'] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::SNS::Subscription' || r.Properties?.['Protocol'] !== 'lambda') continue;
    subscriptions.push({ topicArn: engine.resolveString(r.Properties['TopicArn'], `${id}.TopicArn`), fn: fnOf(r.Properties['Endpoint'], `${id}.Endpoint`) });
  }

  const statements = new Map<string, IamStatement[]>();
  const statementsOf = (roleId: string): IamStatement[] => {
    const cached = statements.get(roleId);
    if (cached) return cached;
    const out: IamStatement[] = [];
    const role = resources[roleId];
    for (const inline of list(role?.Properties?.['Policies'] as { PolicyDocument: { Statement: unknown } }[] | undefined)) {
      out.push(...(engine.resolve(list(inline.PolicyDocument.Statement), `${roleId}.Policies`) as IamStatement[]));
    }
    for (const [id, r] of Object.entries(resources)) {
      if (r.Type !== 'AWS::IAM::Policy') continue;
      if (!list(r.Properties?.['Roles'] as unknown[]).some((x) => refId(x) === roleId)) continue;
      const doc = r.Properties?.['PolicyDocument'] as { Statement: unknown };
      out.push(...(engine.resolve(list(doc.Statement), `${id}.PolicyDocument`) as IamStatement[]));
    }
    statements.set(roleId, out);
    return out;
  };

  const tableProps = dataTemplate.Resources[tableIds[0]!]!.Properties as SynthesizedApp['table'] & { TimeToLiveSpecification?: { AttributeName?: string } };
  return {
    outdir,
    region,
    account,
    engine,
    data,
    tableName: opts.tableName,
    table: {
      KeySchema: tableProps.KeySchema,
      AttributeDefinitions: tableProps.AttributeDefinitions,
      GlobalSecondaryIndexes: tableProps.GlobalSecondaryIndexes?.map(({ IndexName, KeySchema, Projection }) => ({ IndexName, KeySchema, Projection })),
      ttlAttribute: tableProps.TimeToLiveSpecification?.AttributeName,
    },
    functions,
    stateMachines,
    secrets,
    routes,
    schedules,
    subscriptions,
    statementsOf,
    fn(handlerName: string) {
      const f = functions.find((x) => x.handlerName === handlerName);
      if (!f) throw new Error(`no function ${handlerName} in the engine stack (have ${functions.map((x) => x.handlerName).join(', ')})`);
      return f;
    },
    byArn,
  };
}
