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
