
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, SNSEvent } from 'aws-lambda';
import type { HttpRequest, HttpResponse } from '../functions/ingest/http.ts';
import { ingestHandler } from '../functions/ingest/handler.ts';
import type { IngestDeps } from '../functions/ingest/ingest.ts';
import { feedbackHandler } from '../functions/feedback/handler.ts';
import { segmentHandler } from '../functions/segment-select/handler.ts';
import { fromHttpApiResult, httpApiEvent, lambdaContext, snsEvent } from './aws-events.ts';
import { localRoute } from './local-routes.ts';
import { parseCredential } from '../functions/ingest/signatures.ts';
import type { Clock } from '../functions/shared/clock.ts';
import type { Log } from '../functions/shared/logger.ts';
import type { Store } from '../functions/adapters/dynamo/store.ts';
import type { MemoryStore } from '../functions/adapters/memory/index.ts';
import { stepHandler } from '../functions/journey-step/handler.ts';
import type { GraphDeps, TraceEvent } from '../functions/app/run-graph.ts';
import { FetchWebhookCaller } from '../functions/adapters/webhook.ts';
import type { ObservedDecision, StepDeps } from '../functions/app/run-step.ts';
import { loadCatalogue, loadJourneys, loadTemplates } from '../workflows/src/load.ts';
import { nextDailyRun } from '../functions/app/select-segment.ts';
import { dailyRun } from '../workflows/src/triggers.ts';
import type { EventPublisher, JourneyRunner, Mailer, SmsSender, StateStore } from '../functions/app/ports.ts';
import type { StaffTask } from '../functions/core/model.ts';
import { delivering, Outbox, type OutboxSms } from './outbox.ts';
import type { EnrolDeps } from '../functions/app/enrolment.ts';
import { withStats } from '../functions/app/measure.ts';
import { NONE, statsDay } from '../functions/core/measurement.ts';
import type { SendingHours } from '../workflows/src/quiet-hours.ts';
import { isVirtual } from './clock.ts';
import { LOCAL_REGION, type SynthesizedApp, synthesizeApp } from './definitions.ts';
import { freePort } from './dynamodb-local.ts';
import { LocalEngine } from './engine/index.ts';
import { startHttpServer } from './server.ts';
import { type LocalBackend, openLocalStorage } from './storage.ts';
import { configuredShops, localBranding, type LocalShop, shopCredentials } from './shops.ts';
import type { ShopBrand } from '../functions/shared/branding.ts';
import type { StatsSource } from '../functions/ingest/dashboard/stats.ts';
import { statsSource } from '../functions/app/journey-stats.ts';
import { COST_PRICES } from '../functions/shared/prices.ts';
import { localDashboardAssets } from '../dashboard/build.ts';
import { type LocalSecrets, secretsFromEnv } from './secrets.ts';

export { type LocalSecrets, secretsFromEnv } from './secrets.ts';

export interface LocalStackOptions {
  clock: Clock;
  log: Log;
  secrets?: LocalSecrets;
  /** Keep DynamoDB data here across restarts; in memory when absent. */
  dataDir?: string;
  /** Use an already running DynamoDB-API server instead of starting one. */
  dynamoEndpoint?: string;
  apiPort?: number;
  sesPort?: number;
  smsPort?: number;
  /** Transliterate SMS to GSM-7. @default false */
  smsTransliterate?: boolean;
  sendingHours?: SendingHours;
  frequencyCap?: { max: number; days: number };
  rateLimitPerMinute?: number;
  smsDailyCap?: number;
  /** Called with the capacity DynamoDB reports for every request (benchmarks price it). */
  onDynamoCapacity?: (table: string, kind: 'read' | 'write', units: number) => void;
  /** Memory backend: told of every call to a storage port (the benchmark's store requests). */
  onStoreCall?: (method: string) => void;
  /** More credentials, `tenant::secret` for other shops or rotated secrets. */
  extraCredentials?: { apiKeys: string[]; shopifySecrets: string[]; wooSecrets: string[]; stripeSecrets: string[] };
  /** More shops with their credentials (`npm start`: KOSZYK_SHOPS). Every shop a credential names gets the scheduled runs. */
  shops?: LocalShop[];
  /** false: no SES emulator; mail goes to `mailer` or nowhere. */
  sesEmulator?: boolean;
  /**
   * 'emulators': e-mail through the SES v2 emulator and SMS through the SMS outbox server, each an
   * HTTP call (npm start, the end-to-end tests). 'in-process': both into an Outbox in this process,
   * which keeps and refuses what they would (the simulator, the benchmark); no emulator is started.
   * @default 'emulators'
   */
  senders?: 'emulators' | 'in-process';
  /** With in-process senders: keep at most this many of the latest messages of each kind (see Outbox). */
  outboxRetain?: number;
  mailer?: StepDeps['mailer'];
  /** Where SMS go instead of the local SMS outbox server. */
  sms?: SmsSender;
  /** The app as synthesized already (a caller starting many stacks synthesizes once). */
  synthesized?: SynthesizedApp;
  /** Wraps the ports the handlers use and each handler invocation (the deterministic simulation's faults). */
  intercept?: PortInterceptor;
  observe?: (d: ObservedDecision) => void;
  /** Told of every node a journey graph's walk passes (the simulator's --trace). */
  trace?: (e: TraceEvent) => void;
  /** Told of each conversion when the ingest records it (the simulator's conversion lines). */
  onConversion?: EnrolDeps['onConversion'];
  /**
   * Report every message the senders accept as delivered, through the feedback function, as SES and
   * End User Messaging do on AWS (the journeys' `delivered` counters). @default true
   */
  emulateDelivery?: boolean;
  /** Poll for due waits in real time (npm start); tests and the simulator drive time themselves. */
  realTimeTimer?: boolean;
  shopName?: string;
  /** The default shop's colour, logo, site and privacy address on its pages (its name is `shopName`). */
  brand?: Omit<ShopBrand, 'name'>;
  /** Journey statistics for the dashboard (the stats endpoint's use case, or a fixture). @default none: an empty state */
  stats?: StatsSource;
  /** A folder laid out as workflows/ to run instead of it (tests that bring journeys); synthesized unless `synthesized` is given. */
  workflowsDir?: string;
  /** Prefix for table names, so several stacks can share one DynamoDB server. @default '' */
  tablePrefix?: string;
  /**
   * Under a virtual clock: keep the time it reaches with the data and, on start, carry on from the
   * time kept, whatever time the clock was made with, and never behind the executions stored
   * (see LocalEngine.resumeClock). `npm start` with CLOCK=virtual. @default false
   */
  persistClock?: boolean;
}

/**
 * What the deterministic simulation puts between the handlers and their ports: each wrapper gets
 * the real port and returns the one the handlers use; `invocation` runs around every handler call
 * (one Lambda invocation), so a fault can end an invocation as a crashed process would.
 */
export interface PortInterceptor {
  store?(store: StateStore): StateStore;
  mailer?(mailer: Mailer): Mailer;
  sms?(sms: SmsSender): SmsSender;
  runner?(runner: JourneyRunner): JourneyRunner;
  invocation?<T>(fn: 'ingest' | 'journey-step' | 'feedback' | 'segment-select', event: unknown, run: () => Promise<T>): Promise<T>;
}

/** The state store a backend gives: the port, with what each implementation adds for tests and tools. */
export type StoreOf<B extends LocalBackend> = B extends 'memory' ? MemoryStore : Store;

export interface LocalStack<B extends LocalBackend = 'dynamodb-local'> {
  apiUrl: string;
  inboxUrl?: string;
  /** The SMS outbox server; none with in-process senders. */
  smsOutboxUrl?: string;
  smsOutbox: OutboxSms[];
  /** With in-process senders: what was sent. */
  outbox?: Outbox;
  /** Staff tasks published as events (EventBridge on AWS). */
  publishedTasks: StaffTask[];
  sesEndpoint?: string;
  /** The DynamoDB server in use; undefined on the memory backend. */
  dynamoEndpoint?: string;
  /** false when the DynamoDB Local it started listens on every interface (no JDK to bind it to loopback); undefined when given an endpoint. */
  dynamoLoopbackOnly?: boolean;
  engine: LocalEngine;
  store: StoreOf<B>;
  clock: Clock;
  tenant: string;
  /** Every configured shop, the default first. */
  shops: string[];
  request(req: Omit<HttpRequest, 'headers'> & { headers?: Record<string, string | undefined> }): Promise<HttpResponse>;
  /** Stops servers; `crash` skips waiting for running segments (as a killed process would). */
  stop(opts?: { crash?: boolean }): Promise<void>;
}

const LOCAL_FEEDBACK_TOPIC = 'arn:aws:sns:eu-central-1:000000000000:koszyk-local-feedback';

export { ENGINE_TABLE, STATE_TABLE } from './storage.ts';
const MAX_BODY = 262_144;
/** The whole product on one machine: DynamoDB Local, the SES v2 emulator, the engine and the API. */
export async function startLocalStack<B extends LocalBackend = 'dynamodb-local'>(
  o: LocalStackOptions & {
    /**
     * Where state and executions are kept: 'dynamodb-local' (npm start, the e2e tests) or 'memory'
     * (no DynamoDB Local is started; nothing outlives the process). @default 'dynamodb-local'
     */
    backend?: B;
  },
): Promise<LocalStack<B>> {
  const secrets = o.secrets ?? secretsFromEnv();
  const given = o.extraCredentials ?? { apiKeys: [], shopifySecrets: [], wooSecrets: [], stripeSecrets: [] };
  const ofShops = shopCredentials(o.shops ?? []);
  const extraTenants = {
    apiKeys: [...given.apiKeys, ...ofShops.apiKeys],
    shopifySecrets: [...given.shopifySecrets, ...ofShops.shopifySecrets],
    wooSecrets: [...given.wooSecrets, ...ofShops.wooSecrets],
    stripeSecrets: [...given.stripeSecrets, ...ofShops.stripeSecrets],
  };
  const own = o.workflowsDir;
  const journeys = own ? loadJourneys(join(own, 'journeys')) : loadJourneys();
  const synthesized = o.synthesized ?? (await synthesizeApp(own ? { journeys } : {}));
  const storage = await openLocalStorage(o, synthesized);
  const store = storage.store as StoreOf<B>;
  const ports = o.intercept ?? {};
  const catalogue = own ? loadCatalogue(join(own, 'events')) : loadCatalogue();
  // What the handlers get: the store counting into the journeys' counters what is first recorded on
  // it (transitions and invocations come from the engine, which counts the real ones).
  const measured = withStats(store, { journeys, log: o.log });
  const portStore = ports.store ? ports.store(measured) : measured;
  const invoke = ports.invocation ?? (<T>(_fn: string, _event: unknown, run: () => Promise<T>) => run());

  // In process: what the emulators would keep, kept here; otherwise the emulators, over HTTP.
  const outbox = o.senders === 'in-process' ? new Outbox({ now: () => o.clock.now().getTime(), retain: o.outboxRetain }) : undefined;
  const emulated = outbox ? undefined : await (await import('./emulators.ts')).startEmulatedSenders({ sesEmulator: o.sesEmulator !== false, sesPort: o.sesPort, smsPort: o.smsPort });
  const providers = { mailer: o.mailer ?? outbox?.mailer ?? emulated!.mailer, sms: o.sms ?? outbox?.smsSender ?? emulated!.sms };
  const deliver = (event: Record<string, unknown>) => feedback(snsEvent(LOCAL_FEEDBACK_TOPIC, 'local', JSON.stringify(event), o.clock.now()) as unknown as SNSEvent, lambdaContext('feedback'));
  const { mailer: realMailer, sms: realSms } = o.emulateDelivery === false ? providers : delivering(providers, deliver, () => o.clock.now());
  const mailer = ports.mailer ? ports.mailer(realMailer) : realMailer;
  const sms = ports.sms ? ports.sms(realSms) : realSms;
  const sesEndpoint = emulated?.sesEndpoint;
  const publishedTasks: StaffTask[] = [];
  const events: EventPublisher = {
    taskCreated: async (task) => {
      publishedTasks.push(task);
    },
  };

  const apiPort = o.apiPort ?? (await freePort());
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const stepDeps: GraphDeps = {
    config: {
      shopName: o.shopName ?? 'Sklep Testowy',
      shopColor: o.brand?.color,
      publicUrl: apiUrl,
      unsubscribeSecret: secrets.unsubscribeSecret,
      webhookSecret: secrets.webhookSecret,
      smsTransliterate: o.smsTransliterate,
      sendingHours: o.sendingHours,
      frequencyCap: o.frequencyCap,
      smsDailyCap: o.smsDailyCap,
    },
    store: portStore,
    mailer,
    sms,
    events,
    templates: own ? loadTemplates(join(own, 'templates')) : loadTemplates(),
    journeys,
    catalogue,
    clock: o.clock,
    log: o.log,
    observe: o.observe,
    trace: o.trace,
    webhooks: new FetchWebhookCaller(),
  };
  const tenant = 'default';
  const shops = configuredShops(tenant, extraTenants);
  const smsNumbers = Object.fromEntries((o.shops ?? []).flatMap((s) => (s.smsNumber ? [[s.smsNumber, s.id]] : [])));
  // The engine needs the enrolment deps for scheduled runs, and the enrolment deps need the engine.
  const enrolDeps = (runner: JourneyRunner) => ({ config: { tenant, sendingHours: o.sendingHours }, shops, store: portStore, journeys, runner, clock: o.clock, log: o.log, observe: o.observe });
  // The same middy chains Lambda runs, given the events AWS gives them.
  const journeyStep = stepHandler(() => stepDeps);
  const segment = segmentHandler(() => enrolDeps(runner));
  const engine: LocalEngine = new LocalEngine({
    schedules: journeys.flatMap((j) => {
      const run = dailyRun(j);
      if (!run) return [];
      return [
        {
          name: j.id,
          next: (from: Date) => nextDailyRun(from, run.dailyAt, run.timeZone),
          run: async (at: Date) => {
            // As EventBridge Scheduler invokes the selection function on AWS.
            const event = { version: 1 as const, journey: j.id, scheduledTime: at.toISOString() };
            await invoke('segment-select', event, () => segment(event, lambdaContext('segment-select')));
          },
        },
      ];
    }),
    journeys: synthesized.journeys,
    validated: true,
    handlers: { 'journey-step': (event) => invoke('journey-step', event, () => journeyStep(event, lambdaContext('journey-step'))) },
    executions: storage.executions,
    clock: o.clock,
    log: o.log,
    persistClock: o.persistClock === true && isVirtual(o.clock),
    onUsage: async (u) => {
      const { tenant: shop } = JSON.parse(u.input) as { tenant: string };
      await store.addCounts(shop, u.journey, { day: statsDay(u.at), version: NONE, node: NONE, variant: NONE }, { transitions: u.transitions, invocations: u.invocations });
    },
  });
  const runner: JourneyRunner = ports.runner ? ports.runner(engine) : engine;
  if (o.persistClock && isVirtual(o.clock)) await engine.resumeClock();
  await engine.recover();
  const ingestDeps: IngestDeps = {
    config: {
      tenant,
      apiKeys: [secrets.apiKey, ...extraTenants.apiKeys],
      shopifySecrets: [secrets.shopifySecret, ...extraTenants.shopifySecrets],
      wooSecrets: [secrets.wooSecret, ...extraTenants.wooSecrets],
      stripeSecrets: [secrets.stripeSecret, ...extraTenants.stripeSecrets],
      unsubscribeSecret: secrets.unsubscribeSecret,
      maxBodyBytes: MAX_BODY,
      sendingHours: o.sendingHours,
      rateLimitPerMinute: o.rateLimitPerMinute,
      branding: localBranding({ ...o.brand, name: o.shopName ?? 'Sklep Testowy' }, o.shops ?? []),
    },
    store: portStore,
    journeys,
    catalogue,
    runner,
    observe: o.observe,
    onConversion: o.onConversion,
    clock: o.clock,
    log: o.log,
    // The dashboard reads what GET /v1/journeys/stats answers, unless a test gives its own figures.
    stats: o.stats ?? statsSource({ store: portStore, journeys, prices: COST_PRICES, clock: o.clock }),
    dashboardAssets: localDashboardAssets(),
  };
  const ingestChain = ingestHandler(() => ingestDeps, o.log);
  const ingest = (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => invoke('ingest', event, () => ingestChain(event, context));
  const feedbackChain = feedbackHandler(() => ({ tenant, shops, smsNumbers, store: portStore, clock: o.clock, log: o.log }));
  const feedback = (event: SNSEvent, context: ReturnType<typeof lambdaContext>) => invoke('feedback', event, () => feedbackChain(event, context));


  // The bearer key of /_local/feedback: the default tenant's API key, as /v1/events reads it.
  const feedbackKey = parseCredential(secrets.apiKey, tenant).secret;
  const handle = async (req: HttpRequest): Promise<HttpResponse> => {
    const local = await localRoute(req, { port: apiPort, clock: o.clock, log: o.log, feedbackKey, advance: (to) => engine.advanceTo(to), feedback: async (message) => (await feedback(snsEvent(LOCAL_FEEDBACK_TOPIC, 'local', message, o.clock.now()) as unknown as SNSEvent, lambdaContext('feedback')))[0] });
    if (local) return local;
    // As API Gateway's HTTP API hands a request to the ingest function, and its answer back.
    const url = `${req.path}${req.query && Object.keys(req.query).length ? `?${new URLSearchParams(req.query as Record<string, string>)}` : ''}`;
    const headers = Object.fromEntries(Object.entries(req.headers).filter((e): e is [string, string] => e[1] !== undefined));
    const event = httpApiEvent({ method: req.method, url, headers, body: req.rawBody.length ? req.rawBody : undefined }, { routeKey: '$default' }, { apiId: 'local', region: LOCAL_REGION, account: '000000000000', now: o.clock.now() });
    return fromHttpApiResult(await ingest(event as unknown as APIGatewayProxyEventV2, lambdaContext('ingest')));
  };
  const http = await startHttpServer(handle, { port: apiPort, maxBodyBytes: MAX_BODY, onError: (e) => o.log.error('INGEST_REJECTED', { reason: 'internal', error: (e as Error).name }) });
  if (o.realTimeTimer) engine.startTimer();

  return {
    apiUrl,
    inboxUrl: sesEndpoint,
    smsOutboxUrl: emulated?.smsOutboxUrl,
    smsOutbox: outbox?.sms ?? emulated!.smsOutbox,
    outbox,
    publishedTasks,
    sesEndpoint,
    dynamoEndpoint: storage.dynamoEndpoint,
    dynamoLoopbackOnly: storage.loopbackOnly,
    engine,
    store,
    clock: o.clock,
    tenant,
    shops,
    // As if sent to apiUrl: the Host header is this server's unless the caller names another.
    request: (req) => handle({ ...req, headers: { host: `127.0.0.1:${apiPort}`, ...Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])) } }),
    async stop(opts) {
      if (!opts?.crash) await engine.close();
      await new Promise<void>((r) => http.close(() => r()));
      http.closeAllConnections();
      await emulated?.stop();
      await storage.close();
    },
  };
}
