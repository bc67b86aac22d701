import type { ServerResponse } from 'node:http';
import { sse, StandInServer, startSse, type RecordedRequest } from './stand-in-server.js';

/** Token counts a scripted answer reports, as the Messages API does. */
export interface StandInUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

/**
 * What one request to `POST /v1/messages` gets, in order:
 * - `text`: an assistant message, `stop_reason: end_turn` (with extra response headers, if given);
 * - `bash`: a `tool_use` block of the `Bash` tool with that command, `stop_reason: tool_use`;
 * - `status`: an HTTP error with an Anthropic error body, or `body` (and headers, e.g. `retry-after`);
 * - `hang`: headers never sent; the request waits until the server closes.
 */
export type AnthropicStep =
  | { text: string; usage?: StandInUsage; headers?: Record<string, string> }
  | { bash: string; usage?: StandInUsage }
  | { status: number; errorType?: string; message?: string; headers?: Record<string, string>; body?: unknown }
  | { hang: true };

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const DEFAULT_USAGE: StandInUsage = { input_tokens: 120, output_tokens: 30, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

/**
 * A scripted stand-in for the Anthropic Messages API. Each request to
 * `/v1/messages` takes the next step of the script; once the script is
 * spent, every further request gets `fallback` (a plain "done" by default),
 * so a CLI's extra requests never hang a test. `messageRequests` lists what
 * the agent sent, for assertions on tool results.
 */
export class AnthropicStandIn {
  readonly server: StandInServer;
  private next = 0;

  constructor(
    private readonly script: AnthropicStep[],
    private readonly fallback: AnthropicStep = { text: 'done' },
  ) {
    this.server = new StandInServer((request, res) => this.route(request, res));
  }

  static async start(script: AnthropicStep[], fallback?: AnthropicStep): Promise<AnthropicStandIn> {
    const standIn = new AnthropicStandIn(script, fallback);
    await standIn.server.listen();
    return standIn;
  }

  /** The value for ANTHROPIC_BASE_URL. */
  get baseUrl(): string {
    return this.server.origin;
  }

  get messageRequests(): RecordedRequest[] {
    return this.server.requests.filter((r) => r.method === 'POST' && r.url.startsWith('/v1/messages') && !r.url.startsWith('/v1/messages/count_tokens'));
  }

  /** How many steps of the script have been served. */
  get served(): number {
    return this.next;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private route(request: RecordedRequest, res: ServerResponse): 'hang' | void | undefined {
    if (request.method !== 'POST') return undefined;
    if (request.url.startsWith('/v1/messages/count_tokens')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ input_tokens: 100 }));
      return;
    }
    if (!request.url.startsWith('/v1/messages')) return undefined;
    const step = this.next < this.script.length ? this.script[this.next++]! : this.fallback;
    const body = (request.body ?? {}) as { model?: string; stream?: boolean };
    return answer(step, body.model ?? 'claude-stand-in', body.stream !== false, res);
  }
}

function answer(step: AnthropicStep, model: string, stream: boolean, res: ServerResponse): 'hang' | void {
  if ('hang' in step) return 'hang';
  if ('status' in step) {
    const type = step.errorType ?? ERROR_TYPES[step.status] ?? 'api_error';
    res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
    res.end(JSON.stringify(step.body ?? { type: 'error', error: { type, message: step.message ?? `stand-in ${step.status}` } }));
    return;
  }
  const usage = { ...DEFAULT_USAGE, ...step.usage };
  const id = `msg_${Math.random().toString(36).slice(2, 12)}`;
  const toolId = `toolu_${Math.random().toString(36).slice(2, 12)}`;
  const block = 'bash' in step ? { type: 'tool_use', id: toolId, name: 'Bash', input: { command: step.bash } } : { type: 'text', text: step.text };
  const stopReason = 'bash' in step ? 'tool_use' : 'end_turn';
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id, type: 'message', role: 'assistant', model, content: [block], stop_reason: stopReason, stop_sequence: null, usage }));
    return;
  }
  startSse(res, { 'request-id': `req_${id}`, ...('headers' in step ? step.headers : {}) });
  sse(res, 'message_start', {
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 1 },
    },
  });
  if ('bash' in step) {
    sse(res, 'content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: toolId, name: 'Bash', input: {} } });
    const json = JSON.stringify({ command: step.bash, description: 'Run a command' });
    // Split the arguments as the API does, to exercise the CLI's accumulation.
    const cut = Math.floor(json.length / 2);
    for (const part of [json.slice(0, cut), json.slice(cut)]) {
      sse(res, 'content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: part } });
    }
  } else {
    sse(res, 'content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    sse(res, 'content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: step.text } });
  }
  sse(res, 'content_block_stop', { type: 'content_block_stop', index: 0 });
  sse(res, 'message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  sse(res, 'message_stop', { type: 'message_stop' });
  res.end();
}
