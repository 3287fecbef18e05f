import { createHash } from 'node:crypto';

/**
 * CloudFormation as the production-path tests need it: every value a synthesized template hands
 * a function or a state machine, resolved the way a deployment would, with local or fake physical
 * names. Anything the resolver does not know throws, naming the construct, so a template change
 * that introduces a new intrinsic or a new kind of reference fails here instead of slipping by.
 */

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DependsOn?: unknown;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
}

export const FAKE_ACCOUNT = '000000000000';

export interface ResolverOptions {
  stackName: string;
  region: string;
  /** @default FAKE_ACCOUNT */
  account?: string;
  /** The local name of a DynamoDB table (they are created in DynamoDB Local under it). */
  tableName: (logicalId: string) => string;
  /** The value another stack exports under `name` (Fn::ImportValue). */
  importValue?: (name: string) => unknown;
}

export class UnsupportedIntrinsic extends Error {
  override name = 'UnsupportedIntrinsic';
}

const short = (s: string, n = 6) => createHash('sha256').update(s).digest('hex').slice(0, n);

/** Resolves Ref, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split, Fn::ImportValue and the pseudo parameters. */
export class TemplateResolver {
  readonly partition = 'aws';
  readonly urlSuffix = 'amazonaws.com';

  constructor(
    readonly template: CfnTemplate,
    readonly o: ResolverOptions,
  ) {}

  get region(): string {
    return this.o.region;
  }

  get account(): string {
    return this.o.account ?? FAKE_ACCOUNT;
  }

  /** Deep-resolves a template value (a property, an environment, a definition string). */
  resolve(value: unknown, where = '(value)'): unknown {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v, i) => this.resolve(v, `${where}[${i}]`));
    const keys = Object.keys(value);
    const only = keys.length === 1 ? keys[0]! : undefined;
    if (only === 'Ref' || only?.startsWith('Fn::') || only === 'Condition') return this.intrinsic(only, (value as Record<string, unknown>)[only], where);
    return Object.fromEntries(keys.map((k) => [k, this.resolve((value as Record<string, unknown>)[k], `${where}.${k}`)]));
  }

  /** The same, for a value that must come out a string (an environment variable, an ARN). */
  resolveString(value: unknown, where: string): string {
    const v = this.resolve(value, where);
    if (typeof v !== 'string') throw new UnsupportedIntrinsic(`${where} resolved to ${JSON.stringify(v)?.slice(0, 80)}, not a string`);
    return v;
  }

  private intrinsic(fn: string, arg: unknown, where: string): unknown {
    switch (fn) {
      case 'Ref':
        if (typeof arg !== 'string') throw new UnsupportedIntrinsic(`${where}: Ref of ${JSON.stringify(arg)}`);
        return this.ref(arg, where);
      case 'Fn::GetAtt': {
        const [id, attribute] = typeof arg === 'string' ? (arg.split(/\.(.*)/s) as [string, string]) : (arg as [string, unknown]);
        if (typeof id !== 'string' || typeof attribute !== 'string') throw new UnsupportedIntrinsic(`${where}: Fn::GetAtt of ${JSON.stringify(arg)}`);
        return this.getAtt(id, attribute, where);
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown];
        const list = this.resolve(parts, where);
        if (typeof sep !== 'string' || !Array.isArray(list)) throw new UnsupportedIntrinsic(`${where}: malformed Fn::Join`);
        return list.map((p, i) => this.asString(p, `${where} Fn::Join[${i}]`)).join(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        const i = Number(this.resolve(index, where));
        const items = this.resolve(list, where);
        if (!Array.isArray(items) || !Number.isInteger(i) || i < 0 || i >= items.length) throw new UnsupportedIntrinsic(`${where}: Fn::Select ${i} out of ${JSON.stringify(items)?.slice(0, 80)}`);
        return items[i];
      }
      case 'Fn::Split': {
        const [sep, source] = arg as [string, unknown];
        return this.asString(this.resolve(source, where), `${where} Fn::Split`).split(sep);
      }
      case 'Fn::ImportValue': {
        const name = this.asString(this.resolve(arg, where), `${where} Fn::ImportValue`);
        if (!this.o.importValue) throw new UnsupportedIntrinsic(`${where}: Fn::ImportValue ${name} with no other stack to import from`);
        return this.o.importValue(name);
      }
      default:
        throw new UnsupportedIntrinsic(`${where}: ${fn} is not resolved by the production-path harness (teach test/production/intrinsics.ts what it means)`);
    }
  }

  private asString(v: unknown, where: string): string {
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    throw new UnsupportedIntrinsic(`${where}: ${JSON.stringify(v)?.slice(0, 80)} is not a string`);
  }

  private resource(id: string, where: string): CfnResource {
    const r = this.template.Resources[id];
    if (!r) throw new UnsupportedIntrinsic(`${where}: no resource ${id} in stack ${this.o.stackName}`);
    return r;
  }

  /** A name property of the resource if the template sets one (resolved), else a stable made-up one. */
  private physicalName(id: string, prop: string | undefined, maxLength = 64): string {
    const set = prop ? this.template.Resources[id]?.Properties?.[prop] : undefined;
    if (set !== undefined) return this.resolveString(set, `${id}.${prop}`);
    return `${this.o.stackName}-${id}-${short(`${this.o.stackName}/${id}`, 8).toUpperCase()}`.slice(0, maxLength);
  }

  ref(id: string, where = id): string {
    switch (id) {
      case 'AWS::Region':
        return this.region;
      case 'AWS::AccountId':
        return this.account;
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::URLSuffix':
        return this.urlSuffix;
      case 'AWS::StackName':
        return this.o.stackName;
    }
    if (id.startsWith('AWS::')) throw new UnsupportedIntrinsic(`${where}: pseudo parameter ${id}`);
    const param = this.template.Parameters?.[id];
    if (param) {
      if (param.Default === undefined) throw new UnsupportedIntrinsic(`${where}: parameter ${id} has no default`);
      return this.asString(param.Default, `${where} parameter ${id}`);
    }
    const r = this.resource(id, where);
    switch (r.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return this.o.tableName(id);
      case 'AWS::StepFunctions::StateMachine':
        return this.stateMachineArn(id);
      case 'AWS::StepFunctions::StateMachineVersion':
        // The first version a stack publishes; its ARN is the state machine's with the version number.
        return `${this.asString(this.resolve(r.Properties?.['StateMachineArn'], `${where} StateMachineArn`), `${where} StateMachineArn`)}:1`;
      case 'AWS::StepFunctions::StateMachineAlias': {
        const routes = (r.Properties?.['RoutingConfiguration'] as { StateMachineVersionArn: unknown }[] | undefined) ?? [];
        const version = this.asString(this.resolve(routes[0]?.StateMachineVersionArn, `${where} RoutingConfiguration`), `${where} RoutingConfiguration`);
        return `${version.replace(/:\d+$/, '')}:${this.asString(r.Properties?.['Name'], `${where} Name`)}`;
      }
      case 'AWS::SecretsManager::Secret':
        return this.secretArn(id);
      case 'AWS::SNS::Topic':
        return `arn:${this.partition}:sns:${this.region}:${this.account}:${this.physicalName(id, 'TopicName', 256)}`;
      case 'AWS::SQS::Queue':
        return `https://sqs.${this.region}.${this.urlSuffix}/${this.account}/${this.physicalName(id, 'QueueName', 80)}`;
      case 'AWS::Lambda::Function':
        return this.physicalName(id, 'FunctionName');
      case 'AWS::Lambda::Version': {
        // The first version a stack publishes: the function's ARN qualified with its number.
        const fn = this.asString(this.resolve(r.Properties?.['FunctionName'], `${where} FunctionName`), `${where} FunctionName`);
        return `${fn.startsWith('arn:') ? fn : `arn:${this.partition}:lambda:${this.region}:${this.account}:function:${fn}`}:1`;
      }
      case 'AWS::ApiGatewayV2::Api':
        return this.apiId(id);
      default:
        // Roles, log groups, configuration sets, integrations…: the name or id CloudFormation makes up.
        return this.physicalName(id, undefined);
    }
  }

  getAtt(id: string, attribute: string, where = `${id}.${attribute}`): string {
    const r = this.resource(id, where);
    const service = r.Type.split('::')[1]?.toLowerCase() ?? 'unknown';
    if (attribute === 'Arn') {
      switch (r.Type) {
        case 'AWS::DynamoDB::Table':
        case 'AWS::DynamoDB::GlobalTable':
          return `arn:${this.partition}:dynamodb:${this.region}:${this.account}:table/${this.o.tableName(id)}`;
        case 'AWS::StepFunctions::StateMachine':
          return this.stateMachineArn(id);
        case 'AWS::StepFunctions::StateMachineVersion':
        case 'AWS::StepFunctions::StateMachineAlias':
          return this.ref(id);
        case 'AWS::SecretsManager::Secret':
          return this.secretArn(id);
        case 'AWS::Lambda::Function':
          return `arn:${this.partition}:lambda:${this.region}:${this.account}:function:${this.ref(id)}`;
        case 'AWS::SNS::Topic':
          return this.ref(id);
        case 'AWS::SQS::Queue':
          return `arn:${this.partition}:sqs:${this.region}:${this.account}:${this.physicalName(id, 'QueueName', 80)}`;
        case 'AWS::IAM::Role':
          return `arn:${this.partition}:iam::${this.account}:role/${this.ref(id)}`;
        case 'AWS::Logs::LogGroup':
          return `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:${this.physicalName(id, 'LogGroupName', 512)}:*`;
        case 'AWS::KMS::Key':
          return `arn:${this.partition}:kms:${this.region}:${this.account}:key/${short(id, 32)}`;
        default:
          return `arn:${this.partition}:${service}:${this.region}:${this.account}:${this.ref(id)}`;
      }
    }
    if (r.Type === 'AWS::ApiGatewayV2::Api' && attribute === 'ApiEndpoint') return `https://${this.apiId(id)}.execute-api.${this.region}.${this.urlSuffix}`;
    if (r.Type === 'AWS::ApiGatewayV2::Api' && attribute === 'ApiId') return this.apiId(id);
    if (r.Type === 'AWS::StepFunctions::StateMachine' && attribute === 'Name') return this.stateMachineName(id);
    if (r.Type === 'AWS::SQS::Queue' && attribute === 'QueueName') return this.physicalName(id, 'QueueName', 80);
    if (r.Type === 'AWS::SNS::Topic' && attribute === 'TopicName') return this.physicalName(id, 'TopicName', 256);
    if (r.Type === 'AWS::KMS::Key' && attribute === 'KeyId') return short(id, 32);
    throw new UnsupportedIntrinsic(`${where}: Fn::GetAtt ${attribute} of a ${r.Type} is not resolved by the production-path harness`);
  }

  stateMachineName(id: string): string {
    return this.physicalName(id, 'StateMachineName', 80);
  }

  /** arn:aws:states:eu-central-1:000000000000:stateMachine:<name> */
  stateMachineArn(id: string): string {
    return `arn:${this.partition}:states:${this.region}:${this.account}:stateMachine:${this.stateMachineName(id)}`;
  }

  /** Secrets Manager appends six random characters to a secret's name in its ARN; here a stable six. */
  secretArn(id: string): string {
    const name = this.physicalName(id, 'Name', 512);
    return `arn:${this.partition}:secretsmanager:${this.region}:${this.account}:secret:${name}-${short(`secret/${name}`)}`;
  }

  private apiId(id: string): string {
    return short(`api/${this.o.stackName}/${id}`, 10);
  }
}

/** Exports of a stack's template by name, for Fn::ImportValue in the stacks that import them. */
export function exportsOf(resolver: TemplateResolver): Map<string, () => unknown> {
  const out = new Map<string, () => unknown>();
  for (const [id, o] of Object.entries(resolver.template.Outputs ?? {})) {
    if (!o.Export) continue;
    const name = resolver.resolveString(o.Export.Name, `Outputs.${id}.Export.Name`);
    out.set(name, () => resolver.resolve(o.Value, `Outputs.${id}.Value`));
  }
  return out;
}
