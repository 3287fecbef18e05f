import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HttpRequest, HttpResponse } from '../functions/ingest/http.ts';
import { lowerCaseHeaders } from '../functions/ingest/http.ts';

export type RequestHandler = (req: HttpRequest) => Promise<HttpResponse>;

/**
 * The local HTTP front: reads the raw bytes (up to a limit, so an oversized body is refused
 * without being buffered), hands them to the same use case the Lambda adapter calls.
 */
export function startHttpServer(handle: RequestHandler, opts: { port: number; host?: string; maxBodyBytes: number; onError?: (e: unknown) => void }): Promise<Server> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > opts.maxBodyBytes + 1) {
        tooLarge = true;
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://local');
      const request: HttpRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        headers: lowerCaseHeaders(req.headers),
        query: Object.fromEntries(url.searchParams),
        rawBody: tooLarge ? Buffer.alloc(opts.maxBodyBytes + 1) : Buffer.concat(chunks),
      };
      handle(request)
        .then((r) => send(res, r))
        .catch((e) => {
          opts.onError?.(e);
          send(res, { status: 500, body: { error: 'internal error, retry later' } });
        });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve(server));
  });
}

function send(res: ServerResponse, r: HttpResponse): void {
  const isText = typeof r.body === 'string';
  res.writeHead(r.status, { 'content-type': isText ? 'text/html; charset=utf-8' : 'application/json', ...r.headers, ...(r.cookies?.length ? { 'set-cookie': r.cookies } : {}) });
  res.end(isText ? (r.body as string) : JSON.stringify(r.body));
}
