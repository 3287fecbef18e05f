import { z } from 'zod';
import type { DeclaredFields } from './conditions.ts';
import { BuiltInTrigger, EventName, type JourneyConfig, type Trigger, type Violation as JourneyViolation } from './journey.ts';
import { didYouMean } from './suggest.ts';

/**
 * The event catalogue: every event the engine accepts, and so every name a journey may start on.
 * The built-in events are listed here; a shop declares its own in `workflows/events/<name>.yaml`
 * (one event a file) and its customers' custom attributes in `workflows/events/attributes.yaml`.
 * Everything here is pure: workflows/src/load.ts reads the files, with a line for every error.
 */

export const PropertyType = z.enum(['string', 'number', 'boolean', 'date']);
export type PropertyType = z.infer<typeof PropertyType>;

const NAME_RULE = 'a name is a letter, then letters, digits or _ (at most 64)';
const PropertyName = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/, NAME_RULE);
/** Properties or attributes by name; a bad name is reported as such, at its line. */
const byName = <S extends z.ZodType>(spec: S) => z.record(PropertyName, spec, { error: (issue) => (issue.code === 'invalid_key' ? NAME_RULE : undefined) });

const specFields = {
  type: PropertyType,
  description: z.string().optional(),
  /** A string's only values. */
  enum: z.array(z.string().min(1).max(100)).min(1).max(100).optional(),
  /**
   * Personal data (an address, a name, an answer about the person): kept only under the customer and
   * erased with them, never written to a log, never in a journey execution's input.
   */
  personal: z.boolean().default(false),
};

const enumOnStrings = (spec: { type: PropertyType; enum?: string[] | undefined }, ctx: z.RefinementCtx) => {
  if (spec.enum && spec.type !== 'string') ctx.addIssue({ code: 'custom', path: ['enum'], message: `\`enum\` lists values of a string, not of a ${spec.type}` });
};

export const PropertySpec = z.strictObject({ ...specFields, required: z.boolean().default(false) }).superRefine(enumOnStrings);
export type PropertySpec = z.infer<typeof PropertySpec>;

/** A custom attribute of the profile: what a property is, but never required (an event may set some and not others). */
export const AttributeSpec = z.strictObject(specFields).superRefine(enumOnStrings);
export type AttributeSpec = z.infer<typeof AttributeSpec>;

/** One file of workflows/events: an event the shop sends to `POST /v1/events`. */
export const EventFile = z.strictObject({
  name: EventName,
  description: z.string().min(1),
  properties: byName(PropertySpec).default({}),
});
export type EventFile = z.infer<typeof EventFile>;

/** workflows/events/attributes.yaml. */
export const AttributesFile = z.strictObject({
  attributes: byName(AttributeSpec),
});
export type AttributesFile = z.infer<typeof AttributesFile>;

export const ATTRIBUTES_FILE = 'attributes';

export interface CatalogueEntry {
  name: string;
  description: string;
  builtIn: boolean;
  /** The journey trigger the event starts, if any: a built-in trigger, or its own name for a shop's event. */
  starts?: Trigger;
  properties: Readonly<Record<string, PropertySpec>>;
}

export interface Catalogue {
  /** Built-in events first, then the shop's, by name. */
  events: readonly CatalogueEntry[];
  attributes: Readonly<Record<string, AttributeSpec>>;
}

/** The events the engine knows without a file: `POST /v1/events` types and what each starts. */
export const BUILT_IN_EVENTS: readonly Omit<CatalogueEntry, 'builtIn' | 'properties'>[] = [
  { name: 'cart.updated', description: 'A cart with its items, not paid yet.', starts: 'checkout' },
  { name: 'checkout.abandoned', description: 'A checkout left before payment.', starts: 'checkout' },
  { name: 'order.placed', description: 'A paid order; ends cart reminders of the same checkout.', starts: 'order.placed' },
  { name: 'order.fulfilled', description: 'An order shipped (Shopify fulfilment, WooCommerce `completed`).', starts: 'order.fulfilled' },
  { name: 'order.delivered', description: 'An order delivered to the customer.', starts: 'order.delivered' },
  { name: 'order.cancelled', description: 'An order cancelled; ends the journeys about it.' },
  { name: 'order.refunded', description: 'An order refunded; ends the journeys about it.' },
  { name: 'payment.failed', description: 'A failed payment of an invoice.', starts: 'payment.failed' },
  { name: 'payment.succeeded', description: 'An invoice paid; ends its dunning.' },
  { name: 'customer.created', description: 'A new customer account.', starts: 'customer.created' },
  { name: 'customer.updated', description: 'New contact details, consent echoes or custom attributes.' },
  { name: 'customer.consent', description: 'The customer’s own statement of marketing consent.' },
];

export const BUILT_IN_CATALOGUE: Catalogue = { events: BUILT_IN_EVENTS.map((e) => ({ ...e, builtIn: true, properties: {} })), attributes: {} };

export interface Violation {
  file: string;
  path: string;
  message: string;
}

/**
 * The catalogue of the built-in events and the shop's files (`file`: the name without .yaml), with
 * what no schema can say: a file is named after its event, and no event takes a built-in's name.
 */
export function buildCatalogue(files: readonly { file: string; event: EventFile }[], attributes?: AttributesFile): { catalogue: Catalogue; violations: Violation[] } {
  const violations: Violation[] = [];
  const builtIns = new Set(BUILT_IN_EVENTS.map((e) => e.name));
  const own: CatalogueEntry[] = [];
  for (const { file, event } of files) {
    if (builtIns.has(event.name)) violations.push({ file, path: 'name', message: `"${event.name}" is a built-in event; a shop's own event needs a name of its own` });
    else if (event.name !== file) violations.push({ file, path: 'name', message: `"${event.name}" must match the file name "${file}"` });
    else own.push({ name: event.name, description: event.description, builtIn: false, starts: event.name, properties: event.properties });
  }
  own.sort((a, b) => a.name.localeCompare(b.name));
  return { catalogue: { events: [...BUILT_IN_CATALOGUE.events, ...own], attributes: attributes?.attributes ?? {} }, violations };
}

/** The one list of what can start a journey: the built-in triggers (the scheduled selection among them), then each event of the shop. */
export function journeyTriggers(catalogue: Catalogue): Trigger[] {
  return [...BuiltInTrigger.options, ...catalogue.events.flatMap((e) => (e.builtIn || e.starts === undefined ? [] : [e.starts]))];
}

/** The shop's own event of this name, if it is one. */
export function customEvent(catalogue: Catalogue, name: string): CatalogueEntry | undefined {
  return catalogue.events.find((e) => !e.builtIn && e.name === name);
}

/** The fields a journey's conditions may read beyond the built-in ones: the profile's attributes, its trigger event's properties and (for a waitFor's filter) every shop event's, typed. */
export function declaredFields(catalogue: Catalogue, trigger: string): DeclaredFields {
  const types = (specs: Readonly<Record<string, { type: PropertyType }>>) => Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, spec.type]));
  const events = Object.fromEntries(catalogue.events.filter((e) => !e.builtIn).map((e) => [e.name, types(e.properties)]));
  return { attributes: types(catalogue.attributes), properties: types(customEvent(catalogue, trigger)?.properties ?? {}), events };
}

/**
 * The events a `waitFor` node may name, as the engine applies them: a cart's or checkout's event
 * is `checkout.updated`, the rest keep their names, and the shop's own events.
 */
export function awaitableEvents(catalogue: Catalogue): string[] {
  const applied = BUILT_IN_EVENTS.map((e) => (e.starts === 'checkout' ? 'checkout.updated' : e.name));
  return [...new Set([...applied, ...catalogue.events.filter((e) => !e.builtIn).map((e) => e.name)])];
}

/** What a journey graph names of the catalogue and it lacks: an event a `waitFor` awaits, an attribute an `update` sets (or a value of the wrong type). */
export function catalogueViolations(journey: Pick<JourneyConfig, 'nodes'>, catalogue: Catalogue): JourneyViolation[] {
  const out: JourneyViolation[] = [];
  const events = awaitableEvents(catalogue);
  const attributes = Object.keys(catalogue.attributes);
  (journey.nodes ?? []).forEach((n, i) => {
    const awaited = n.waitFor?.event;
    if (awaited !== undefined && !events.includes(awaited)) out.push({ path: `nodes.${i}.waitFor.event`, message: `no event "${awaited}" in the catalogue${didYouMean(awaited, events)}` });
    for (const [name, value] of Object.entries(n.update?.set ?? {})) {
      const spec = catalogue.attributes[name];
      const path = `nodes.${i}.update.set.${name}`;
      if (!spec) out.push({ path, message: `no attribute "${name}" in workflows/events/attributes.yaml${didYouMean(name, attributes)}` });
      else if (typeof value !== (spec.type === 'date' ? 'string' : spec.type) || (spec.enum && !spec.enum.includes(String(value)))) {
        out.push({ path, message: `${JSON.stringify(value)} is not a ${spec.type}${spec.enum ? ` of ${spec.enum.join(', ')}` : ''}, as ${name} is declared` });
      }
    }
  });
  return out;
}
