import type { ServerResponse } from 'node:http';

export function json(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  response.end(body);
}

/** An error answer: `{"error": message}`, or the end of a stream already under way. */
export function fail(response: ServerResponse, status: number, message: string): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  json(response, status, JSON.stringify({ error: message }));
}
