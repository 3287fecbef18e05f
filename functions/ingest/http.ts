import type { z } from 'zod';
import { parseJsonKeepingIds } from '../shared/json.ts';

/** The transport-neutral request the ingest use case sees: raw bytes, lower-case header names. */
export interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
  query?: Record<string, string | undefined>;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
  /** Set-Cookie values, each its own header (API Gateway's payload 2.0 takes them apart from the headers). */
  cookies?: string[];
}

export function json(status: number, body: unknown): HttpResponse {
  return { status, body };
}

export function problem(status: number, error: string, details?: unknown): HttpResponse {
  return { status, body: details === undefined ? { error } : { error, details } };
}

export function lowerCaseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

export function zodDetails(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
}

export function parseBody(req: HttpRequest): { ok: true; value: unknown } | { ok: false; response: HttpResponse } {
  try {
    return { ok: true, value: parseJsonKeepingIds(req.rawBody.toString('utf8')) };
  } catch (e) {
    return { ok: false, response: problem(400, 'body is not valid JSON', (e as Error).message) };
  }
}

export function html(status: number, body: string): HttpResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
}
