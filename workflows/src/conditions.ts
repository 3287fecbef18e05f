import { type Comparison, type Condition, OPERATORS, type Operator, type Scalar } from './nodes.ts';
import { didYouMean } from './suggest.ts';

/**
 * Conditions of `branch` nodes: typed fields, checked when a journey loads and evaluated by the
 * step function over facts it has read. Pure.
 */

export type FieldType = 'number' | 'string' | 'boolean' | 'list' | 'date';

/** The subject a field needs: a cart field means nothing in a journey about an invoice. */
export type SubjectKind = 'cart' | 'order' | 'invoice';

const BUILT_IN: Record<string, { type: FieldType; subject?: SubjectKind; doc: string }> = {
  'cart.total': { type: 'number', subject: 'cart', doc: 'the cart value' },
  'cart.itemCount': { type: 'number', subject: 'cart', doc: 'pieces in the cart' },
  'cart.categories': { type: 'list', subject: 'cart', doc: 'product categories in the cart' },
  'order.total': { type: 'number', subject: 'order', doc: 'the order value' },
  'order.itemCount': { type: 'number', subject: 'order', doc: 'pieces in the order' },
  'order.categories': { type: 'list', subject: 'order', doc: 'product categories in the order' },
  'invoice.amount': { type: 'number', subject: 'invoice', doc: 'the amount due' },
  'profile.ordersCount': { type: 'number', doc: 'orders placed' },
  'profile.lifetimeSpend': { type: 'number', doc: 'spend in złoty, refunds deducted' },
  'profile.daysSinceLastOrder': { type: 'number', doc: 'whole days since the last order' },
  'profile.lastScore': { type: 'number', doc: 'the last survey score' },
  'profile.tags': { type: 'list', doc: 'tags set by update nodes' },
  'profile.locale': { type: 'string', doc: 'pl or en' },
  'consent.email': { type: 'boolean', doc: 'e-mail marketing consent' },
  'consent.sms': { type: 'boolean', doc: 'SMS marketing consent' },
  'channel.email': { type: 'boolean', doc: 'a deliverable e-mail address on file' },
  'channel.sms': { type: 'boolean', doc: 'a mobile number on file' },
};

export const BUILT_IN_FIELDS = Object.keys(BUILT_IN);

/** Declared fields beyond the built-in ones: profile attributes and the trigger's properties. */
export interface DeclaredFields {
  attributes?: Readonly<Record<string, FieldType>>;
  properties?: Readonly<Record<string, FieldType>>;
  /** The properties of each of the shop's events, for the filter of a `waitFor` awaiting one. */
  events?: Readonly<Record<string, Readonly<Record<string, FieldType>>>>;
}

const ORDER_EVENTS = ['order.placed', 'order.fulfilled', 'order.delivered', 'order.cancelled', 'order.refunded'];

/** What an awaited event is about, for its filter: `checkout.updated` a cart, an order's events the order, a payment's the invoice. */
export function eventSubject(event: string): SubjectKind | undefined {
  if (event === 'checkout.updated') return 'cart';
  if (ORDER_EVENTS.includes(event)) return 'order';
  if (event === 'payment.failed' || event === 'payment.succeeded') return 'invoice';
  return undefined;
}

export function fieldType(field: string, declared: DeclaredFields = {}, subject?: SubjectKind): FieldType | undefined {
  const builtIn = BUILT_IN[field];
  if (builtIn) return builtIn.subject && builtIn.subject !== subject ? undefined : builtIn.type;
  if (field.startsWith('profile.attributes.')) return declared.attributes?.[field.slice('profile.attributes.'.length)];
  if (field.startsWith('event.')) return declared.properties?.[field.slice('event.'.length)];
  return undefined;
}

/** Fields a journey about `subject` may test (for "did you mean"). */
export function knownFields(declared: DeclaredFields = {}, subject?: SubjectKind): string[] {
  return [
    ...BUILT_IN_FIELDS.filter((f) => fieldType(f, declared, subject) !== undefined),
    ...Object.keys(declared.attributes ?? {}).map((a) => `profile.attributes.${a}`),
    ...Object.keys(declared.properties ?? {}).map((p) => `event.${p}`),
  ];
}

export function operatorOf(c: Comparison): Operator[] {
  return OPERATORS.filter((op) => c[op] !== undefined);
}

const NUMERIC: readonly Operator[] = ['gt', 'gte', 'lt', 'lte'];

/** What is wrong with one comparison's operator for its field's type, if anything. */
export function operatorProblem(type: FieldType, c: Comparison): string | undefined {
  const ops = operatorOf(c);
  if (ops.length !== 1) return `a comparison takes exactly one of ${OPERATORS.join(', ')}${ops.length ? ` (found ${ops.join(', ')})` : ''}`;
  const op = ops[0]!;
  if (NUMERIC.includes(op) && type !== 'number' && type !== 'date') return `${op} compares numbers; ${c.field} is a ${type}`;
  if (op === 'contains' && type !== 'list') return `contains looks inside lists; ${c.field} is a ${type}`;
  const value = c[op] as Scalar | Scalar[] | boolean;
  const values = op === 'in' ? (value as Scalar[]) : op === 'exists' ? [] : [value as Scalar];
  const want = type === 'list' ? 'string' : type === 'date' ? 'string' : type;
  for (const v of values) if (typeof v !== want && !(type === 'number' && NUMERIC.includes(op))) return `${JSON.stringify(v)} is not a ${want}, as ${c.field} is`;
  return undefined;
}

/**
 * What is wrong with a condition's fields and operators, each at `path` followed by the
 * comparison's own place (`filter.all.1.field`), so the loader gives its line. `scope` ends the
 * message for an unknown field: "in this journey", "in a segment", "of order.placed".
 */
export function conditionViolations(
  c: Condition,
  path: string,
  o: { declared?: DeclaredFields; subject?: SubjectKind; scope?: string } = {},
): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  for (const { c: cmp, path: below } of comparisons(c)) {
    const where = [path, ...below, 'field'].join('.');
    const type = fieldType(cmp.field, o.declared, o.subject);
    if (!type) out.push({ path: where, message: `no field "${cmp.field}" ${o.scope ?? 'in this journey'}${didYouMean(cmp.field, knownFields(o.declared, o.subject))}` });
    else {
      const problem = operatorProblem(type, cmp);
      if (problem) out.push({ path: where, message: problem });
    }
  }
  return out;
}

/** Every field a condition reads. */
export function fieldsOf(c: Condition): string[] {
  return [...new Set(comparisons(c).map((x) => x.c.field))];
}

export function isComparison(c: Condition): c is Comparison {
  return 'field' in c;
}

/** Every comparison in a condition, with its path below the condition. */
export function comparisons(c: Condition, path: (string | number)[] = []): { c: Comparison; path: (string | number)[] }[] {
  if (isComparison(c)) return [{ c, path }];
  if ('all' in c) return c.all.flatMap((x, i) => comparisons(x, [...path, 'all', i]));
  if ('any' in c) return c.any.flatMap((x, i) => comparisons(x, [...path, 'any', i]));
  return comparisons(c.not, [...path, 'not']);
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function test(c: Comparison, value: unknown): boolean {
  const op = operatorOf(c)[0];
  switch (op) {
    case 'exists':
      return (value !== undefined && value !== null) === c.exists;
    case 'is':
      return value === c.is || (typeof c.is === 'number' && asNumber(value) === c.is);
    case 'isNot':
      return !(value === c.isNot || (typeof c.isNot === 'number' && asNumber(value) === c.isNot));
    case 'in':
      return c.in!.some((v) => v === value);
    case 'contains':
      return Array.isArray(value) && value.includes(c.contains);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const n = asNumber(value);
      const bound = c[op]!;
      if (n === undefined) return false;
      return op === 'gt' ? n > bound : op === 'gte' ? n >= bound : op === 'lt' ? n < bound : n <= bound;
    }
    default:
      return false;
  }
}

/** Whether a condition holds over the facts (field → value). A missing fact fails every test but `exists: false`. */
export function evaluate(c: Condition, facts: Readonly<Record<string, unknown>>): boolean {
  if (isComparison(c)) return test(c, facts[c.field]);
  if ('all' in c) return c.all.every((x) => evaluate(x, facts));
  if ('any' in c) return c.any.some((x) => evaluate(x, facts));
  return !evaluate(c.not, facts);
}

const SYMBOL: Record<Operator, string> = { is: '=', isNot: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤', in: 'in', contains: 'has', exists: 'exists' };

/** A condition as a short label for the graph: `cart.total ≥ 500`. */
export function describeCondition(c: Condition): string {
  if (isComparison(c)) {
    const op = operatorOf(c)[0];
    if (!op) return c.field;
    if (op === 'exists') return c.exists ? `${c.field} set` : `no ${c.field}`;
    const v = c[op];
    return `${c.field} ${SYMBOL[op]} ${Array.isArray(v) ? v.join('|') : String(v)}`;
  }
  if ('all' in c) return c.all.map(describeCondition).join(' and ');
  if ('any' in c) return c.any.map(describeCondition).join(' or ');
  return `not (${describeCondition(c.not)})`;
}
