import { mkdirSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { sse, StandInServer, startSse, type RecordedRequest } from './stand-in-server.js';

/**
 * What one request to `POST /v1/responses` gets, in order:
 * - `text`: a `message` output item, then `response.completed` with usage;
 * - `command`: a `function_call` of Codex's `exec_command` tool running that shell command;
 * - `status`: an HTTP error with an OpenAI error body, or `body`;
 * - `failed`: a stream that ends in `response.failed` with that error;
 * - `hang`: headers never sent.
 */
export type ResponsesStep =
  | { text: string; usage?: { input_tokens: number; cached_input_tokens?: number; output_tokens: number } }
  | { status: number; message?: string; code?: string; headers?: Record<string, string>; body?: unknown }
  | { command: string; usage?: { input_tokens: number; cached_input_tokens?: number; output_tokens: number } }
  | { failed: string; code?: string }
  | { hang: true };

/**
 * A scripted stand-in for the OpenAI Responses API as Codex streams it.
 * Each request to `/v1/responses` takes the next step; once the script is
 * spent, `fallback` answers. Other paths (model lists) get an empty list.
 */
export class ResponsesStandIn {
  readonly server: StandInServer;
  private next = 0;

  constructor(
    private readonly script: ResponsesStep[],
    private readonly fallback: ResponsesStep = { text: 'done' },
  ) {
    this.server = new StandInServer((request, res) => this.route(request, res));
  }

  static async start(script: ResponsesStep[], fallback?: ResponsesStep): Promise<ResponsesStandIn> {
    const standIn = new ResponsesStandIn(script, fallback);
    await standIn.server.listen();
    return standIn;
  }

  get baseUrl(): string {
    return `${this.server.origin}/v1`;
  }

  get responseRequests(): RecordedRequest[] {
    return this.server.requests.filter((r) => r.method === 'POST' && r.url.startsWith('/v1/responses'));
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /**
   * Write `$CODEX_HOME/config.toml` pointing Codex at this stand-in, with
   * retries turned down so a failing turn ends in seconds rather than the
   * default ~25 s of reconnecting.
   */
  writeCodexConfig(codexHome: string, retries: { request?: number; stream?: number } = {}): void {
    mkdirSync(codexHome, { recursive: true });
    const lines = [
      'model_provider = "local"',
      'model = "stand-in-model"',
      '',
      '[model_providers.local]',
      'name = "local"',
      `base_url = "${this.baseUrl}"`,
      'wire_api = "responses"',
      'env_key = "OPENAI_API_KEY"',
      `request_max_retries = ${retries.request ?? 0}`,
      `stream_max_retries = ${retries.stream ?? 0}`,
      'stream_idle_timeout_ms = 60000',
      '',
    ];
    writeFileSync(join(codexHome, 'config.toml'), lines.join('\n'));
  }

  private route(request: RecordedRequest, res: ServerResponse): 'hang' | void | undefined {
    if (request.method === 'GET' && request.url.startsWith('/v1/models')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [], models: [] }));
      return;
    }
    if (request.method !== 'POST' || !request.url.startsWith('/v1/responses')) return undefined;
    const step = this.next < this.script.length ? this.script[this.next++]! : this.fallback;
    const model = ((request.body ?? {}) as { model?: string }).model ?? 'stand-in-model';
    return answer(step, model, res);
  }
}

function answer(step: ResponsesStep, model: string, res: ServerResponse): 'hang' | void {
  if ('hang' in step) return 'hang';
  if ('status' in step) {
    res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
    res.end(JSON.stringify(step.body ?? { error: { message: step.message ?? `stand-in ${step.status}`, type: 'invalid_request_error', code: step.code ?? null } }));
    return;
  }
  const id = `resp_${Math.random().toString(36).slice(2, 12)}`;
  const base = { id, object: 'response', created_at: 0, model, status: 'in_progress', output: [] as unknown[] };
  startSse(res);
  sse(res, 'response.created', { type: 'response.created', response: base });
  if ('failed' in step) {
    sse(res, 'response.failed', {
      type: 'response.failed',
      response: { ...base, status: 'failed', error: { code: step.code ?? 'server_error', message: step.failed } },
    });
    res.end();
    return;
  }
  const usage = step.usage ?? { input_tokens: 200, cached_input_tokens: 50, output_tokens: 40 };
  const completed = (output: unknown[]): void =>
    sse(res, 'response.completed', {
      type: 'response.completed',
      response: {
        ...base,
        status: 'completed',
        output,
        usage: {
          input_tokens: usage.input_tokens,
          input_tokens_details: { cached_tokens: usage.cached_input_tokens ?? 0 },
          output_tokens: usage.output_tokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: usage.input_tokens + usage.output_tokens,
        },
      },
    });
  if ('command' in step) {
    const call = {
      id: `fc_${id}`,
      type: 'function_call',
      status: 'completed',
      name: 'exec_command',
      call_id: `call_${id}`,
      arguments: JSON.stringify({ cmd: step.command }),
    };
    sse(res, 'response.output_item.added', { type: 'response.output_item.added', output_index: 0, item: { ...call, status: 'in_progress', arguments: '' } });
    sse(res, 'response.function_call_arguments.delta', { type: 'response.function_call_arguments.delta', item_id: call.id, output_index: 0, delta: call.arguments });
    sse(res, 'response.function_call_arguments.done', { type: 'response.function_call_arguments.done', item_id: call.id, output_index: 0, arguments: call.arguments });
    sse(res, 'response.output_item.done', { type: 'response.output_item.done', output_index: 0, item: call });
    completed([call]);
    res.end();
    return;
  }
  const itemId = `msg_${id}`;
  const item = { id: itemId, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: step.text, annotations: [] }] };
  sse(res, 'response.output_item.added', { type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress', content: [] } });
  sse(res, 'response.content_part.added', {
    type: 'response.content_part.added',
    item_id: itemId,
    output_index: 0,
    content_index: 0,
    part: { type: 'output_text', text: '', annotations: [] },
  });
  sse(res, 'response.output_text.delta', { type: 'response.output_text.delta', item_id: itemId, output_index: 0, content_index: 0, delta: step.text });
  sse(res, 'response.output_text.done', { type: 'response.output_text.done', item_id: itemId, output_index: 0, content_index: 0, text: step.text });
  sse(res, 'response.output_item.done', { type: 'response.output_item.done', output_index: 0, item });
  completed([item]);
  res.end();
}
