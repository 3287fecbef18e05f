import { z } from 'zod';
import type { AttributeSpec, PropertySpec } from '../../workflows/src/catalogue.ts';
import type { PropertyValue } from './domain.ts';
import { cleanText } from './limits.ts';

/**
 * The values of catalogue events' properties and of custom attributes, checked at the door against
 * what workflows/events declares: a declared one of the wrong type is refused naming it, one not
 * declared is dropped (never stored). Text is cleaned and cut as every free text is (core/limits.ts).
 */

/** Characters of one text property or attribute; longer text is cut, not refused. */
export const PROPERTY_TEXT_MAX = 500;

/**
 * Kept as written: its date is the calendar date the sender meant (a birthday sent as
 * `1990-05-17T00:00:00+02:00` is the 17th, which in UTC would be the 16th), and the offset still
 * fixes the instant.
 */
const DateValue = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be a date such as 2026-11-24 or an ISO 8601 time with its offset' });

function valueSchema(spec: AttributeSpec): z.ZodType<PropertyValue> {
  switch (spec.type) {
    case 'string':
      return spec.enum ? z.enum(spec.enum as [string, ...string[]]) : z.string().transform((v) => cleanText(v, PROPERTY_TEXT_MAX));
    case 'number':
      return z.number();
    case 'boolean':
      return z.boolean();
    case 'date':
      return DateValue;
  }
}

/** An event's `properties`: the declared ones, each of its type (a required one present); anything else dropped. */
export function propertiesSchema(specs: Readonly<Record<string, PropertySpec>>) {
  return z.object(Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, spec.required ? valueSchema(spec) : valueSchema(spec).optional()])));
}

/** `customer.attributes`: the declared ones, each of its type or `null` (removes it from the profile); anything else dropped. */
export function attributesSchema(specs: Readonly<Record<string, AttributeSpec>>) {
  return z.object(Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, valueSchema(spec).nullable().optional()])));
}

/** Values without the absent ones, split into those that may travel (properties) and the personal ones. */
export function splitPersonal(
  values: Record<string, PropertyValue | undefined>,
  specs: Readonly<Record<string, PropertySpec>>,
): { properties: Record<string, PropertyValue>; personal: Record<string, PropertyValue> } {
  const properties: Record<string, PropertyValue> = {};
  const personal: Record<string, PropertyValue> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if (specs[name]?.personal) personal[name] = value;
    else properties[name] = value;
  }
  return { properties, personal };
}
