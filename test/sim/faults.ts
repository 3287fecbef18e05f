import { AsyncLocalStorage } from 'node:async_hooks';
import fc from 'fast-check';
import type { EmailMessage, JourneyRunner, Mailer, SmsMessage, SmsSender, StateStore } from '../../functions/app/ports.ts';
import { isGraphPayload, parseGraphPayload, parseStepPayload, type StepInput } from '../../functions/core/step-payload.ts';
import type { JourneyConfig } from '../../workflows/src/journey.ts';
import type { PortInterceptor } from '../../local/stack.ts';

/**
 * Faults at every port call a handler makes (each repository method, the mailer, the SMS sender,
 * the journey runner), chosen by the seed as "the n-th port call of the run":
 *   error        the call fails before it has any effect (a throttled or failed request);
 *   timeout      the call has its effect, then fails (the answer was lost);
 *   crash        the process dies before the call: the call and every later one in the same
 *                invocation fail, nothing after it runs (no clean-up, no answer);
 *   crash-after  the call has its effect, then the process dies.
 * The platform then redelivers the request (the harness does, see run.ts) and Step Functions
 * retries the Task per the definition's Retry, each in a fresh invocation.
 */
export type FaultKind = 'error' | 'timeout' | 'crash' | 'crash-after';
export type Port = 'store' | 'mailer' | 'sms' | 'runner';
/** A fault at the `call`-th call (from 0) that handlers make to `port` in a run. */
export interface Fault {
  port: Port;
  call: number;
  kind: FaultKind;
}

const kind = fc.constantFrom<FaultKind>('error', 'timeout', 'crash', 'crash-after');
/** Each port's calls in a typical run: a store makes hundreds, a provider a few. */
const fault = (port: Port, calls: number, weight: number) => ({ weight, arbitrary: fc.record({ port: fc.constant(port), call: fc.nat(calls), kind }) });
export const faultsArb: fc.Arbitrary<Fault[]> = fc.array(fc.oneof(fault('store', 400, 4), fault('mailer', 12, 2), fault('sms', 4, 1), fault('runner', 12, 1)), { maxLength: 6 });

export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

type Fn = 'ingest' | 'journey-step' | 'feedback' | 'segment-select';
interface Invocation {
  fn: Fn;
  step?: StepInput;
  crashed: boolean;
}

/** A message the provider accepted, with the journey step that sent it. */
export interface RecordedSend {
  at: string;
  channel: 'email' | 'sms';
  to: string;
  marketing: boolean;
  step: StepInput | undefined;
}

function injected(port: Port, kind: 'error' | 'timeout'): Error {
  if (kind === 'timeout') return Object.assign(new Error(`${port}: no answer`), { name: 'TimeoutError' });
  // Mail and SMS providers throttle; DynamoDB and Step Functions fail with a 500.
  if (port === 'mailer' || port === 'sms') return Object.assign(new Error(`${port}: throttled`), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } });
  return Object.assign(new Error(`${port}: internal error`), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });
}

/** The step a Task invocation stands for; a graph's walk, as a step at its entry (its sends name their node). */
function stepOf(event: unknown, journeys: readonly JourneyConfig[]): StepInput {
  if (!isGraphPayload(event)) return parseStepPayload(event, journeys);
  const g = parseGraphPayload(event);
  return { version: 2, journey: g.journey, trigger: g.trigger, step: g.entry, channel: 'email', template: '', topic: g.topic, last: false, executionName: g.executionName, enrolment: g.enrolment };
}

export class FaultInjector {
  /** Calls made by handlers to each port so far: the index a fault names. */
  readonly calls: Record<Port, number> = { store: 0, mailer: 0, sms: 0, runner: 0 };
  readonly hits: { call: number; port: Port; method: string; kind: FaultKind; fn: Fn }[] = [];
  readonly sends: RecordedSend[] = [];
  /** Task invocations that met a fault, by execution name (more than the Retry allows fails it legitimately). */
  readonly faultedTasks = new Map<string, number>();
  /** When each event key was first claimed (`tenant#key` → since): the clock its effects were applied on. */
  readonly firstClaims = new Map<string, string>();
  private readonly byCall: Map<string, FaultKind>;
  private readonly context = new AsyncLocalStorage<Invocation>();

  constructor(
    faults: readonly Fault[],
    private readonly o: { journeys: readonly JourneyConfig[]; now: () => Date },
  ) {
    this.byCall = new Map(faults.map((f) => [`${f.port}#${f.call}`, f.kind]));
  }

  private wrap<T extends object>(port: Port, target: T): T {
    return new Proxy(target, {
      get: (t, name, receiver) => {
        const value = Reflect.get(t, name, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const inv = this.context.getStore();
          const call = async () => {
            const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(t, args);
            if (port === 'store' && name === 'claimEvent') this.noteClaim(args, result);
            return result;
          };
          if (!inv) return call();
          if (inv.crashed) throw new SimulatedCrash(`${port}.${String(name)} after a crash`);
          const n = this.calls[port]++;
          const kind = this.byCall.get(`${port}#${n}`);
          if (!kind) return call();
          this.hits.push({ call: n, port, method: String(name), kind, fn: inv.fn });
          if (inv.step) this.faultedTasks.set(inv.step.executionName, (this.faultedTasks.get(inv.step.executionName) ?? 0) + 1);
          if (kind === 'crash') {
            inv.crashed = true;
            throw new SimulatedCrash(`${port}.${String(name)}`);
          }
          if (kind === 'error') throw injected(port, 'error');
          await call();
          if (kind === 'crash-after') {
            inv.crashed = true;
            throw new SimulatedCrash(`${port}.${String(name)} (after its effect)`);
          }
          throw injected(port, 'timeout');
        };
      },
    });
  }

  private noteClaim(args: unknown[], result: unknown): void {
    const claim = result as { state: string; since?: string };
    const key = `${String(args[0])}#${String(args[1])}`;
    if (claim.state === 'claimed' && claim.since && !this.firstClaims.has(key)) this.firstClaims.set(key, claim.since);
  }

  /** The provider as it is, each accepted message recorded with the step that sent it. */
  private recording<T extends Mailer | SmsSender>(channel: 'email' | 'sms', provider: T): T {
    return {
      send: async (m: EmailMessage & SmsMessage) => {
        const result = await provider.send(m);
        const marketing = channel === 'email' ? m.headers.some((h) => h.name === 'List-Unsubscribe') : m.kind === 'marketing';
        // A journey graph's Task may send from several nodes: the message's tag names the one.
        const step = this.context.getStore()?.step;
        this.sends.push({ at: this.o.now().toISOString(), channel, to: m.to, marketing, step: step && { ...step, step: m.tags?.['step'] ?? step.step } });
        return result;
      },
    } as T;
  }

  interceptor(): PortInterceptor {
    return {
      store: (s: StateStore) => this.wrap('store', s),
      mailer: (m: Mailer) => this.wrap('mailer', this.recording('email', m)),
      sms: (s: SmsSender) => this.wrap('sms', this.recording('sms', s)),
      runner: (r: JourneyRunner) => this.wrap('runner', r),
      invocation: async <T>(fn: Fn, event: unknown, run: () => Promise<T>): Promise<T> => {
        const once = () => {
          const inv: Invocation = { fn, crashed: false, step: fn === 'journey-step' ? stepOf(event, this.o.journeys) : undefined };
          return this.context.run(inv, async () => {
            const out = await run();
            // A crashed process answers nothing, whatever the handler's own catch blocks made of it.
            if (inv.crashed) throw new SimulatedCrash(`${fn} crashed`);
            return out;
          });
        };
        if (fn !== 'segment-select') return once();
        // EventBridge Scheduler retries a failed invocation (185 times over a day by default).
        for (let attempt = 1; ; attempt++) {
          try {
            return await once();
          } catch (e) {
            if (attempt >= 10) throw e;
          }
        }
      },
    };
  }
}
