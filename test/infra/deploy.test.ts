import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricName } from '../../functions/shared/metrics.ts';
import { worstProviderCallMs } from '../../functions/shared/provider-clients.ts';
import { buildApp } from '../../infra/app.ts';
import { DEFAULT_REGION } from '../../infra/settings.ts';

/** What `cdk deploy` needs beyond a valid template: key policies, secrets, region, alarms that notify. */

type Resource = { Type: string; Properties: Record<string, unknown> };
type Resources = Record<string, Resource>;
type Statement = { Sid?: string; Principal?: { Service?: string | string[] }; Action: string | string[]; Condition?: Record<string, Record<string, unknown>> };

const noBundling = { 'aws:cdk:bundling-stacks': [] as string[] };
const outdirs: string[] = [];
function synth(context: Record<string, unknown> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'koszyk-deploy-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { ...noBundling, ...context } });
  const built = buildApp(app);
  app.synth();
  return { built, outdir, engine: Template.fromStack(built.engine), data: Template.fromStack(built.data) };
}
afterAll(() => {
  for (const d of outdirs) rmSync(d, { recursive: true, force: true });
});

let s: ReturnType<typeof synth>;
beforeAll(() => {
  s = synth({ alarmEmail: 'ops@sklep.example.pl' });
});

const all = (): Resources => ({ ...(s.engine.toJSON()['Resources'] as Resources), ...(s.data.toJSON()['Resources'] as Resources) });
const byType = (type: string) => Object.entries(all()).filter(([, r]) => r.Type === type);
const keyStatements = (): Statement[] => {
  const keys = byType('AWS::KMS::Key');
  expect(keys).toHaveLength(1);
  return (keys[0]![1].Properties['KeyPolicy'] as { Statement: Statement[] }).Statement;
};
const services = (st: Statement) => [st.Principal?.Service ?? []].flat();
const actions = (st: Statement) => [st.Action].flat();
const refersTo = (value: unknown, logicalId: string) => JSON.stringify(value ?? null).includes(`"${logicalId}"`);

describe('the data key admits every service that writes encrypted data for the engine', () => {
  it('CloudWatch Logs of this region, for every encrypted log group, limited to log groups of this account', () => {
    const encrypted = byType('AWS::Logs::LogGroup').filter(([, r]) => r.Properties['KmsKeyId'] !== undefined);
    expect(encrypted.length).toBeGreaterThanOrEqual(6);
    const st = keyStatements().find((x) => services(x).includes(`logs.${DEFAULT_REGION}.amazonaws.com`));
    expect(st, 'key policy statement for logs').toBeDefined();
    expect(actions(st!)).toEqual(expect.arrayContaining(['kms:Encrypt*', 'kms:Decrypt*', 'kms:GenerateDataKey*']));
    expect(JSON.stringify(st!.Condition?.['ArnLike']?.['kms:EncryptionContext:aws:logs:arn'])).toContain(`:logs:${DEFAULT_REGION}:`);
  });

  it('SNS, for every encrypted queue a subscription delivers to; SES, for every encrypted topic a configuration set publishes to; CloudWatch, for every encrypted topic an alarm notifies', () => {
    const needs = new Map<string, string>();
    const resources = all();
    for (const [, sub] of byType('AWS::SNS::Subscription')) {
      const dlq = (sub.Properties['RedrivePolicy'] as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn;
      for (const [id, q] of byType('AWS::SQS::Queue')) if (refersTo(dlq, id) && q.Properties['KmsMasterKeyId']) needs.set(`queue ${id}`, 'sns.amazonaws.com');
    }
    for (const [, dest] of byType('AWS::SES::ConfigurationSetEventDestination')) {
      const topic = (dest.Properties['EventDestination'] as { SnsDestination?: { TopicARN: unknown } }).SnsDestination?.TopicARN;
      for (const [id, t] of byType('AWS::SNS::Topic')) if (refersTo(topic, id) && t.Properties['KmsMasterKeyId']) needs.set(`topic ${id} (SES)`, 'ses.amazonaws.com');
    }
    for (const [, alarm] of byType('AWS::CloudWatch::Alarm')) {
      for (const [id, t] of byType('AWS::SNS::Topic')) if (refersTo(alarm.Properties['AlarmActions'], id) && t.Properties['KmsMasterKeyId']) needs.set(`topic ${id} (alarms)`, 'cloudwatch.amazonaws.com');
    }
    expect(new Set(needs.values())).toEqual(new Set(['sns.amazonaws.com', 'ses.amazonaws.com', 'cloudwatch.amazonaws.com']));
    expect(Object.keys(resources).length).toBeGreaterThan(50);
    for (const [what, service] of needs) {
      const st = keyStatements().find((x) => services(x).includes(service));
      expect(st, `${what} needs ${service} in the key policy`).toBeDefined();
      expect(actions(st!)).toEqual(expect.arrayContaining(['kms:GenerateDataKey*', 'kms:Decrypt']));
      // Only this account's resources may use the key through the service (confused deputy).
      expect(st!.Condition?.['StringEquals']?.['aws:SourceAccount'], `${service}: aws:SourceAccount`).toBeDefined();
      if (service !== 'sns.amazonaws.com') expect(st!.Condition?.['ArnLike']?.['aws:SourceArn'], `${service}: aws:SourceArn`).toBeDefined();
    }
  });

  it('lets no service principal encrypt with the key without a condition', () => {
    for (const st of keyStatements()) {
      if (services(st).length > 0 && actions(st).some((a) => /Encrypt|GenerateDataKey/.test(a))) expect(st.Condition, JSON.stringify(st)).toBeDefined();
    }
  });
});

describe('secrets live in Secrets Manager, never in a template, the environment or cdk.out', () => {
  const values = ['local-api-key', 'test_webhook_secret_DO_NOT_USE', 'local-unsubscribe-secret', 'change-me'];

  it('no file of the cloud assembly holds a secret value or a placeholder', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(s.outdir);
    expect(files.some((f) => f.endsWith('.template.json'))).toBe(true);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const v of values) expect(text.includes(v), `${f} contains ${v}`).toBe(false);
    }
  });

  it('functions get secret ARNs only, as references to secrets the stack made', () => {
    const secretIds = byType('AWS::SecretsManager::Secret').map(([id]) => id);
    expect(secretIds).toHaveLength(6);
    for (const [id, fn] of byType('AWS::Lambda::Function')) {
      const vars = (fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
      for (const [name, value] of Object.entries(vars)) {
        if (!/SECRET|API_KEY|PASSWORD|TOKEN/.test(name)) continue;
        expect(name, `${id}.${name}`).toMatch(/_ARN$/);
        expect(secretIds.some((sid) => refersTo(value, sid)), `${id}.${name} refers to a stack secret`).toBe(true);
      }
    }
  });

  it('generates the API key and the signing secrets (links, outbound webhooks); platform secrets start empty, to be set after deploy', () => {
    const secrets = Object.fromEntries(byType('AWS::SecretsManager::Secret').map(([id, r]) => [id.replace(/^Secrets/, '').replace(/[0-9A-F]{8}$/, ''), r.Properties]));
    for (const name of ['ApiKeys', 'UnsubscribeSigning', 'OutboundWebhookSigning']) {
      expect(secrets[name]?.['GenerateSecretString']).toMatchObject({ ExcludePunctuation: true });
      expect(secrets[name]?.['SecretString']).toBeUndefined();
    }
    for (const name of ['ShopifyWebhook', 'WooCommerceWebhook', 'StripeWebhook']) {
      expect(secrets[name], name).toBeDefined();
      expect(secrets[name]?.['GenerateSecretString']).toBeUndefined();
      expect(secrets[name]?.['SecretString']).toBeUndefined();
    }
  });

  it('lets the ingest read every inbound secret and the step only the signing secrets', () => {
    const readers = (secretName: string) => {
      const [sid] = byType('AWS::SecretsManager::Secret').find(([id]) => id.startsWith(`Secrets${secretName}`))!;
      return byType('AWS::IAM::Policy')
        .filter(([, p]) => (p.Properties['PolicyDocument'] as { Statement: (Statement & { Resource: unknown })[] }).Statement.some((st) => actions(st).includes('secretsmanager:GetSecretValue') && refersTo(st.Resource, sid)))
        .map(([id]) => id.replace(/(Role|Function).*$/, ''));
    };
    expect(readers('ShopifyWebhook')).toEqual(['Ingest']);
    expect(readers('UnsubscribeSigning').sort()).toEqual(['Ingest', 'JourneyStep']);
    expect(readers('OutboundWebhookSigning')).toEqual(['JourneyStep']);
  });
});

describe('region and residency', () => {
  it('deploys to the EU region cdk.json names, whatever the CLI profile says', () => {
    const before = process.env['CDK_DEFAULT_REGION'];
    process.env['CDK_DEFAULT_REGION'] = 'us-east-1';
    try {
      const app = new App({ context: noBundling });
      const { engine, data } = buildApp(app);
      expect([engine.region, data.region]).toEqual([DEFAULT_REGION, DEFAULT_REGION]);
    } finally {
      if (before === undefined) delete process.env['CDK_DEFAULT_REGION'];
      else process.env['CDK_DEFAULT_REGION'] = before;
    }
    const cdkJson = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: { region: string } };
    expect(cdkJson.context.region).toBe(DEFAULT_REGION);
  });

  it('takes another EEA region from -c region, refuses one outside the EEA unless told otherwise', () => {
    expect(buildApp(new App({ context: { ...noBundling, region: 'eu-north-1' } })).engine.region).toBe('eu-north-1');
    expect(() => buildApp(new App({ context: { ...noBundling, region: 'us-east-1' } }))).toThrow(/region=us-east-1: outside the European Economic Area/);
    expect(() => buildApp(new App({ context: { ...noBundling, region: 'eu-west-2' } }))).toThrow(/allowRegionOutsideEea/);
    expect(buildApp(new App({ context: { ...noBundling, region: 'us-east-1', allowRegionOutsideEea: 'true' } })).engine.region).toBe('us-east-1');
  });
});

describe('settings are checked at synth with the functions’ own schemas', () => {
  it.each([
    ['frequencyCapMax', 'abc'],
    ['sendingHours', '25:00-20:00'],
    ['shopUrl', 'ftp://sklep.example.pl'],
    ['publicUrl', 'not a url'],
    ['alarmEmail', 'ops'],
    ['senderDomain', 'not a domain'],
    ['smsDailyCap', '-1'],
  ])('a bad %s (%s) fails synth, naming the setting', (name, value) => {
    expect(() => buildApp(new App({ context: { ...noBundling, [name]: value } }))).toThrow(`-c ${name}=`);
  });

  it('hands the settings to the step function', () => {
    const { engine } = synth({ frequencyCapMax: 2, sendingHours: '09:00-19:00', shopUrl: 'https://sklep.example.pl', smsOriginationIdentity: 'KOSZYK', smsConfigurationSet: 'koszyk-sms', smsTransliterate: true });
    const step = Object.values(engine.findResources('AWS::Lambda::Function') as Resources).find(
      (f) => (f.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables['HANDLER_NAME'] === 'journey-step',
    )!;
    expect((step.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      FREQUENCY_CAP_MAX: '2',
      SENDING_HOURS: '09:00-19:00',
      SHOP_URL: 'https://sklep.example.pl',
      SMS_ORIGINATION_IDENTITY: 'KOSZYK',
      SMS_TRANSLITERATE: 'true',
    });
    // The SMS configuration set is the stack's own, named as asked, and every send names it.
    const [setId, set] = Object.entries(engine.findResources('AWS::SMSVOICE::ConfigurationSet') as Resources)[0]!;
    expect((step.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables['SMS_CONFIGURATION_SET']).toEqual({ Ref: setId });
    expect(set.Properties['ConfigurationSetName']).toBe('koszyk-sms');
  });

  it('sends SMS delivery events to the feedback topic, which End User Messaging may publish to and whose key it may use', () => {
    const { engine, data } = synth({});
    const [, set] = Object.entries(engine.findResources('AWS::SMSVOICE::ConfigurationSet') as Resources)[0]!;
    const [topicId] = Object.entries(engine.findResources('AWS::SNS::Topic') as Resources).find(([id]) => id.startsWith('DeliveryFeedback'))!;
    expect(set.Properties['EventDestinations']).toEqual([
      { EventDestinationName: 'delivery-feedback', Enabled: true, MatchingEventTypes: ['TEXT_ALL'], SnsDestination: { TopicArn: { Ref: topicId } } },
    ]);
    const topicPolicy = JSON.stringify(Object.values(engine.findResources('AWS::SNS::TopicPolicy') as Resources).map((p) => p.Properties));
    expect(topicPolicy).toContain('sms-voice.amazonaws.com');
    expect(JSON.stringify(data.findResources('AWS::KMS::Key'))).toContain('sms-voice.amazonaws.com');
  });
});

describe('operations', () => {
  it('every alarm of both stacks notifies the operators’ topic, which e-mails the configured address', () => {
    const [topicId] = byType('AWS::SNS::Topic').find(([id]) => id.startsWith('OperatorAlarms'))!;
    const alarms = byType('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThanOrEqual(10);
    for (const [id, a] of alarms) expect(refersTo(a.Properties['AlarmActions'], topicId), id).toBe(true);
    s.engine.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@sklep.example.pl' });
  });

  it('alarms on provider refusals and on webhooks refused for an unset secret, saying what to set', () => {
    const alarms = byType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    expect(alarms.filter((a) => a['MetricName'] === MetricName.ProviderRejected).map((a) => Object.fromEntries((a['Dimensions'] as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value])))).toEqual([
      { service: 'journey-step', provider: 'ses' },
      { service: 'journey-step', provider: 'sms' },
    ]);
    const unset = alarms.filter((a) => a['MetricName'] === MetricName.WebhookSecretUnset);
    expect(unset).toHaveLength(3);
    const arnOf = (platform: string) => byType('AWS::SecretsManager::Secret').find(([id]) => id.toLowerCase().startsWith(`secrets${platform}webhook`))![0];
    for (const platform of ['shopify', 'woocommerce', 'stripe']) {
      const alarm = unset.find((a) => JSON.stringify(a['Dimensions']).includes(`"${platform}"`))!;
      // The description names the command, with this installation's secret in it.
      expect(JSON.stringify(alarm['AlarmDescription'])).toContain('aws secretsmanager put-secret-value --secret-id ');
      expect(refersTo(alarm['AlarmDescription'], arnOf(platform))).toBe(true);
    }
  });

  it('has a dashboard of sends, suppressions by reason, journeys started and ended, and provider errors', () => {
    const [, dashboard] = byType('AWS::CloudWatch::Dashboard')[0]!;
    const body = JSON.stringify(dashboard.Properties['DashboardBody']);
    for (const m of [MetricName.MessageSent, MetricName.MessageSuppressed, MetricName.JourneyStarted, MetricName.JourneyEnded, MetricName.ProviderRejected, MetricName.ProviderError]) {
      expect(body).toContain(`MetricName=\\\\\\"${m}\\\\\\"`);
    }
  });

  it('gives a provider call less time than every function that makes one, so a hung provider is recorded, not a killed function', () => {
    const byHandler = (name: string) => byType('AWS::Lambda::Function').find(([, f]) => (f.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables['HANDLER_NAME'] === name)![1];
    // Ingest: Step Functions calls (and secrets); step: SES, SMS, EventBridge; selection: Step Functions.
    for (const name of ['ingest', 'journey-step', 'segment-select']) {
      const timeoutMs = (byHandler(name).Properties['Timeout'] as number) * 1000;
      // Room for the store's requests around the call.
      expect(worstProviderCallMs() + 5_000, name).toBeLessThan(timeoutMs);
    }
  });

  it('keeps no queue nothing can deliver to', () => {
    const resources = all();
    for (const [id] of byType('AWS::SQS::Queue')) {
      const senders = Object.entries(resources).filter(
        ([, r]) =>
          (r.Type === 'AWS::Lambda::Function' && refersTo(r.Properties['DeadLetterConfig'], id)) ||
          (r.Type === 'AWS::SNS::Subscription' && refersTo(r.Properties['RedrivePolicy'], id)),
      );
      expect(senders.length, `${id} has a sender`).toBeGreaterThan(0);
    }
  });
});
