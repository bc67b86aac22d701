import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** One request a stand-in received: its path and its parsed JSON body. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** What a route does with one request. `undefined` means "not mine": 404. */
export type Handler = (request: RecordedRequest, res: ServerResponse) => void | 'hang' | undefined;

/**
 * A node:http server on 127.0.0.1 at a random port. It records every
 * request, hands each to `handle`, and on close() destroys every socket, so
 * a hanging answer never keeps a test (or the process) alive.
 */
export class StandInServer {
  readonly requests: RecordedRequest[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly waiters: Array<{ matches: (request: RecordedRequest) => boolean; resolve: () => void }> = [];
  private port = 0;

  constructor(private readonly handle: Handler) {
    this.server = createServer((req, res) => this.onRequest(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('stand-in: no port');
    this.port = address.port;
    return this;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Resolves once a request matching `matches` has arrived (at once if one has). */
  received(matches: (request: RecordedRequest) => boolean): Promise<void> {
    if (this.requests.some(matches)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ matches, resolve }));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text === '' ? null : JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      const request: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      this.requests.push(request);
      for (const waiter of [...this.waiters]) {
        if (waiter.matches(request)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
      let handled: ReturnType<Handler>;
      try {
        handled = this.handle(request, res);
      } catch (error) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
        return;
      }
      if (handled === undefined && !res.headersSent && !res.writableEnded) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no route for ${request.method} ${request.url}` }));
      }
    });
  }
}

/** One server-sent event: `event: <type>` and `data: <json>`. */
export function sse(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export function startSse(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
}
