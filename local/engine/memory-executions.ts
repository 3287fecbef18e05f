import type { ExecutionRecord, ExecutionStore, StoredDefinition } from './executions.ts';

/**
 * The executions in this process's memory: the simulator's backend, with the behaviour of the
 * DynamoDB one (test/contract/executions.test.ts). Each method changes the map in one synchronous
 * step, which is what makes its guard atomic; records go in and out as copies, as they would
 * through a database, so a caller holding one cannot change what is stored. Imports nothing from
 * the AWS SDK.
 */
export class MemoryExecutionStore implements ExecutionStore {
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly definitions = new Map<string, StoredDefinition>();
  /**
   * The wake index: distinct wake times in order, and who waits for each. A simulation of many
   * customers asks for the earliest wake before every step of the clock, so this is kept sorted
   * rather than found by a pass over every execution.
   */
  private readonly wakeTimes: string[] = [];
  private readonly waiting = new Map<string, Set<string>>();
  private clock: string | undefined;

  /**
   * A copy of a record: every field of one is a string or a number, so copying its fields is a
   * full copy (and several times cheaper than structuredClone, at every step of every execution).
   */
  private static copy(r: ExecutionRecord): ExecutionRecord {
    return { ...r };
  }

  private static key(journey: string, name: string): string {
    return `${journey}\u0000${name}`;
  }

  private enqueue(key: string, at: string): void {
    let set = this.waiting.get(at);
    if (!set) {
      set = new Set();
      this.waiting.set(at, set);
      this.wakeTimes.splice(this.insertionPoint(at), 0, at);
    }
    set.add(key);
  }

  private dequeue(key: string, r: ExecutionRecord): void {
    if (r.wakeAt === undefined) return;
    const set = this.waiting.get(r.wakeAt);
    set?.delete(key);
    if (set && set.size === 0) {
      this.waiting.delete(r.wakeAt);
      this.wakeTimes.splice(this.insertionPoint(r.wakeAt), 1);
    }
    delete r.wakeAt;
  }

  /** Index of the first wake time not before `at` (binary search). */
  private insertionPoint(at: string): number {
    let lo = 0;
    let hi = this.wakeTimes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.wakeTimes[mid]! < at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The stored record when its status is one of `from`. */
  private inStatus(journey: string, name: string, ...from: ExecutionRecord['status'][]): ExecutionRecord | undefined {
    const r = this.executions.get(MemoryExecutionStore.key(journey, name));
    return r && from.includes(r.status) ? r : undefined;
  }

  async create(record: ExecutionRecord): Promise<boolean> {
    const key = MemoryExecutionStore.key(record.journey, record.name);
    if (this.executions.has(key)) return false;
    const r = MemoryExecutionStore.copy(record);
    this.executions.set(key, r);
    if (r.wakeAt !== undefined) this.enqueue(key, r.wakeAt);
    return true;
  }

  async get(journey: string, name: string): Promise<ExecutionRecord | undefined> {
    const r = this.executions.get(MemoryExecutionStore.key(journey, name));
    return r ? MemoryExecutionStore.copy(r) : undefined;
  }

  async stop(journey: string, name: string, reason: string): Promise<boolean> {
    const r = this.inStatus(journey, name, 'RUNNING', 'WAITING');
    if (!r) return false;
    this.dequeue(MemoryExecutionStore.key(journey, name), r);
    r.status = 'STOPPED';
    r.stopReason = reason;
    return true;
  }

  async suspend(journey: string, name: string, at: { state: string; input: string; wakeAt: string; transitions: number }): Promise<boolean> {
    const r = this.inStatus(journey, name, 'RUNNING');
    if (!r) return false;
    const key = MemoryExecutionStore.key(journey, name);
    this.dequeue(key, r);
    Object.assign(r, { status: 'WAITING', state: at.state, input: at.input, wakeAt: at.wakeAt, transitions: r.transitions + at.transitions });
    this.enqueue(key, at.wakeAt);
    return true;
  }

  async complete(journey: string, name: string, end: { status: 'SUCCEEDED' | 'FAILED'; endedAt: string; error?: string; transitions: number }): Promise<boolean> {
    const r = this.inStatus(journey, name, 'RUNNING');
    if (!r) return false;
    this.dequeue(MemoryExecutionStore.key(journey, name), r);
    Object.assign(r, { status: end.status, endedAt: end.endedAt, transitions: r.transitions + end.transitions, ...(end.error !== undefined ? { error: end.error } : {}) });
    return true;
  }

  async due(until: string, limit?: number): Promise<ExecutionRecord[]> {
    const out: ExecutionRecord[] = [];
    for (const at of this.wakeTimes) {
      if (at > until) break;
      for (const key of this.waiting.get(at) ?? []) {
        out.push(MemoryExecutionStore.copy(this.executions.get(key)!));
        if (limit !== undefined && out.length >= limit) return out;
      }
    }
    return out;
  }

  async claim(journey: string, name: string): Promise<boolean> {
    const r = this.inStatus(journey, name, 'WAITING');
    if (!r) return false;
    this.dequeue(MemoryExecutionStore.key(journey, name), r);
    r.status = 'RUNNING';
    return true;
  }

  async running(): Promise<ExecutionRecord[]> {
    return [...this.executions.values()].filter((r) => r.status === 'RUNNING').map((r) => MemoryExecutionStore.copy(r));
  }

  async requeue(journey: string, name: string, at: string): Promise<boolean> {
    const r = this.inStatus(journey, name, 'RUNNING');
    if (!r) return false;
    const key = MemoryExecutionStore.key(journey, name);
    this.dequeue(key, r);
    r.status = 'WAITING';
    r.wakeAt = at;
    this.enqueue(key, at);
    return true;
  }

  async latestRecorded(): Promise<string | undefined> {
    let latest: string | undefined;
    for (const r of this.executions.values()) {
      for (const at of [r.startedAt, r.endedAt]) if (at !== undefined && (latest === undefined || at > latest)) latest = at;
    }
    return latest;
  }

  async readClock(): Promise<string | undefined> {
    return this.clock;
  }

  async keepClock(at: string): Promise<boolean> {
    if (this.clock !== undefined && !(this.clock < at)) return false;
    this.clock = at;
    return true;
  }

  async putDefinition(definition: StoredDefinition): Promise<void> {
    this.definitions.set(definition.version, structuredClone(definition));
  }

  async getDefinition(version: string): Promise<StoredDefinition | undefined> {
    const d = this.definitions.get(version);
    return d ? structuredClone(d) : undefined;
  }
}
