import type { JourneyInput, JourneyRunner } from '../../functions/app/ports.ts';

/** A journey runner that keeps what it was asked: executions started (by name) and stopped. */
export class RecordingRunner implements JourneyRunner {
  readonly started = new Map<string, JourneyInput>();
  readonly stopped: string[] = [];
  async start(_journey: string, name: string, input: JourneyInput): Promise<'started' | 'exists'> {
    if (this.started.has(name)) return 'exists';
    this.started.set(name, input);
    return 'started';
  }
  async stop(_journey: string, name: string): Promise<void> {
    this.stopped.push(name);
  }
}
