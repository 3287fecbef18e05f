import { hash32 } from './assign.ts';

/**
 * A journey's definition version: twelve hex digits that follow from what the journey file says a
 * customer goes through (trigger, nodes or steps, waits, exits, goal, ...), so every process that
 * reads the same file names the same version, and a deploy that changes the journey names a new
 * one, as Step Functions publishes a new state machine version for it. Its name and description,
 * which no customer meets, are left out; so is the order keys are written in. Pure.
 */

const cache = new WeakMap<object, string>();

/** JSON with every object's keys sorted, so the text depends on the content alone. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function journeyVersion<J extends { id: string; name?: string; description?: string }>(journey: J): string {
  const known = cache.get(journey);
  if (known) return known;
  const { name: _name, description: _description, ...rest } = journey;
  const text = canonical(rest);
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const version = `${hex(hash32(text))}${hex(hash32(`\u0001${text}`))}`.slice(0, 12);
  cache.set(journey, version);
  return version;
}
