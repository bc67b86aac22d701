/** Server-sent events: the stream's headers, and one event as `event:` and a JSON `data:` line. */
import type { ServerResponse } from 'node:http';

export function startEventStream(response: ServerResponse, headers: Record<string, string>): void {
  response.writeHead(200, {
    ...headers,
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    // A proxy in front must not buffer the stream.
    'X-Accel-Buffering': 'no',
  });
  // Reconnect after 2 s when the stream drops (the page shows that it is reconnecting).
  response.write('retry: 2000\n\n');
}

/** JSON never holds a raw newline, so the data is one line. */
export function sendEvent(response: ServerResponse, name: string, data: unknown): void {
  if (response.writableEnded || response.destroyed) return;
  response.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** A pre-serialised event, written to many streams. */
export function eventText(name: string, json: string): string {
  return `event: ${name}\ndata: ${json}\n\n`;
}
