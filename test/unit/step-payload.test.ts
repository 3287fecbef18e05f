import { describe, expect, it } from 'vitest';
import { parseGraphPayload, StepPayloadError } from '../../functions/core/step-payload.ts';

const enrolment = { version: 1, tenant: 'default', customerId: 'c1', journey: 'welcome', key: 'k1' };
const payload = (segment: string) => ({ version: 3, journey: 'welcome', trigger: 'customer.created', topic: 'marketing', entry: 'hello', segment, executionName: 'x1', enrolment });
const segment = JSON.stringify([{ id: 'hello', send: { channel: 'email', template: 'welcome' }, next: 'later' }, { id: 'later', wait: { for: 'P3D' } }]);

describe('a graph step payload', () => {
  it('reads the same segment text to the same nodes every time, and no walk can change them', () => {
    const first = parseGraphPayload(payload(segment));
    const second = parseGraphPayload(payload(segment));
    expect(second.segment).toEqual(first.segment);
    expect(first.segment.map((n) => n.id)).toEqual(['hello', 'later']);
    expect(Object.isFrozen(first.segment)).toBe(true);
    expect(Object.isFrozen(first.segment[0])).toBe(true);
    expect(() => {
      (first.segment[0] as { id: string }).id = 'changed';
    }).toThrow(TypeError);
    expect(parseGraphPayload(payload(segment)).segment[0]?.id).toBe('hello');
  });

  it('still refuses a bad segment, each time it comes', () => {
    const bad = JSON.stringify([{ id: 'hello', send: { channel: 'pigeon', template: 'welcome' } }]);
    for (let i = 0; i < 2; i++) {
      expect(() => parseGraphPayload(payload(bad))).toThrow(StepPayloadError);
      expect(() => parseGraphPayload(payload(bad))).toThrow(/segment: /);
    }
  });
});
