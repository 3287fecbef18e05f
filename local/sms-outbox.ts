import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { isSendableSms, type OutboxSms, outboxSms, SMS_REFUSAL, type SmsRequest } from './outbox.ts';

export type { OutboxSms } from './outbox.ts';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A local stand-in for AWS End User Messaging SMS: speaks the SendTextMessage call of the
 * pinpoint-sms-voice-v2 JSON protocol, so the real SDK client and adapter are used, and shows the
 * outbox at GET / (JSON at GET /store).
 */
export async function startSmsOutbox(port: number): Promise<{ server: Server; messages: OutboxSms[] }> {
  const messages: OutboxSms[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method === 'POST' && target.endsWith('.SendTextMessage')) {
        let body: SmsRequest;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ __type: 'ValidationException', message: 'bad JSON' }));
          return;
        }
        if (!isSendableSms(body)) {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ __type: 'ValidationException', message: SMS_REFUSAL }));
          return;
        }
        const sms = outboxSms(body, randomUUID(), Date.now());
        messages.push(sms);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ MessageId: sms.messageId }));
        return;
      }
      if (req.method === 'GET' && req.url === '/store') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messages }));
        return;
      }
      if (req.method === 'GET') {
        const rows = [...messages]
          .reverse()
          .map((m) => `<tr><td>${new Date(m.at).toISOString()}</td><td>${escapeHtml(m.to)}</td><td>${m.encoding} × ${m.segments}</td><td><pre>${escapeHtml(m.body)}</pre></td></tr>`)
          .join('');
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(`<!doctype html><meta charset="utf-8"><title>SMS outbox</title><h1>SMS outbox</h1><table border="1" cellpadding="4"><tr><th>sent</th><th>to</th><th>parts</th><th>text</th></tr>${rows}</table>`);
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, messages };
}
