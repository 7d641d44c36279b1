/**
 * Carries out the decision for one accepted API request: answer normally, or apply the
 * scripted fault (error, hang, reset, mid-stream failure), after any scripted latency.
 */
import type { ServerResponse } from 'node:http';
import type { Clock } from '@breakwater/protocol';
import { sendJson, waitUnlessClosed } from '../http.ts';
import type { ParsedRequest, RenderContext, Rendered, Route } from '../routes/route.ts';
import { errorBody, renderError } from './provider-errors.ts';
import { sampleLatency } from './random.ts';
import type { FaultAction } from './types.ts';

/** Everything `execute` needs from the server. */
export interface ExecuteContext {
  readonly route: Route;
  readonly request: ParsedRequest;
  readonly res: ServerResponse;
  readonly clock: Clock;
  readonly random: () => number;
  readonly render: RenderContext;
  /** Per-response headers (the request id). */
  readonly headers: Record<string, string>;
  readonly requestId: string;
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

/** Applies `action` (or answers normally when it is `undefined`). */
export async function execute(action: FaultAction | undefined, ctx: ExecuteContext): Promise<void> {
  if (action === undefined) {
    sendRendered(ctx, ctx.request.render(ctx.render), 0);
    return;
  }
  if (action.latency !== undefined) {
    const ms = sampleLatency(action.latency, ctx.random);
    if (!(await wait(ctx, ms))) return;
  }
  const { res, route } = ctx;
  switch (action.fault) {
    case 'ok':
      await sendRendered(ctx, ctx.request.render(ctx.render), action.chunkDelayMs ?? 0);
      return;
    case 'error': {
      const error = renderError(route.provider, action, ctx.request.model);
      const body = JSON.stringify(errorBody(route.provider, error.error, ctx.requestId));
      sendJson(res, error.status, body, { ...ctx.headers, ...error.headers });
      return;
    }
    case 'hang':
      // Nothing to do: the response stays open until the client (or close()) ends the connection.
      return;
    case 'reset':
      // A TCP RST, so clients see ECONNRESET as from a dropped connection; destroy() alone
      // would close in order and surface as "other side closed".
      res.socket?.resetAndDestroy();
      return;
    case 'stream_error':
      await streamError(ctx, action);
      return;
  }
}

function wait(ctx: ExecuteContext, ms: number): Promise<boolean> {
  const { clock } = ctx;
  return waitUnlessClosed(
    ctx.res,
    ms,
    (fn, delay) => clock.setTimeout(fn, delay),
    (handle) => clock.clearTimeout(handle as ReturnType<Clock['setTimeout']>),
  );
}

async function sendRendered(ctx: ExecuteContext, rendered: Rendered, chunkDelayMs: number): Promise<void> {
  const { res } = ctx;
  if (rendered.kind === 'json') {
    sendJson(res, 200, rendered.body, { ...ctx.headers });
    return;
  }
  res.writeHead(200, { ...ctx.headers, ...SSE_HEADERS });
  if (chunkDelayMs <= 0) {
    // One write for the whole stream: the zero-latency path stays as cheap as a JSON answer.
    res.end(rendered.frames.join(''));
    return;
  }
  for (let i = 0; i < rendered.frames.length; i++) {
    if (i > 0 && !(await wait(ctx, chunkDelayMs))) return;
    res.write(rendered.frames[i]);
  }
  res.end();
}

async function streamError(
  ctx: ExecuteContext,
  step: Extract<FaultAction, { fault: 'stream_error' }>,
): Promise<void> {
  const { res, route } = ctx;
  const end = step.end ?? 'error_event';
  const rendered = ctx.request.render(ctx.render);

  if (rendered.kind === 'json') {
    // A JSON body cannot carry an error event: send half of it, then cut the connection (or stall).
    sendJsonHead(ctx, rendered.body);
    const half = Buffer.from(rendered.body).subarray(0, Math.floor(Buffer.byteLength(rendered.body) / 2));
    res.write(half, () => {
      if (end !== 'hang') res.socket?.destroy();
    });
    return;
  }

  res.writeHead(200, { ...ctx.headers, ...SSE_HEADERS });
  // The headers go out now, as a real provider's do: with no frame before the stall
  // (`afterChunks: 0, end: 'hang'`), Node would otherwise hold them back and the client would
  // see no response at all.
  res.flushHeaders();
  // Always withhold the terminal frame, so the stream can never look complete.
  const sent = Math.min(step.afterChunks ?? 2, rendered.frames.length - 1);
  const delay = step.chunkDelayMs ?? 0;
  for (let i = 0; i < sent; i++) {
    if (i > 0 && delay > 0 && !(await wait(ctx, delay))) return;
    res.write(rendered.frames[i]);
  }
  if (delay > 0 && !(await wait(ctx, delay))) return;
  if (end === 'error_event' || end === 'response_failed') {
    const status = step.status ?? (step.code === undefined ? defaultStreamStatus(route) : undefined);
    const error = renderError(
      route.provider,
      { status, code: step.code, message: step.message },
      ctx.request.model,
    );
    const failed = end === 'response_failed' ? rendered.failedFrame : undefined;
    res.end(failed !== undefined ? failed(error, sent) : route.errorFrame(error, sent));
  } else if (end === 'close') {
    // Flush what was written, then drop the connection mid-stream.
    res.write('', () => res.socket?.destroy());
  }
  // 'hang': leave the stream open and silent.
}

function sendJsonHead(ctx: ExecuteContext, body: string): void {
  ctx.res.writeHead(200, {
    ...ctx.headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  });
}

/** Anthropic streams most often fail with `overloaded_error`; OpenAI streams with a server error. */
function defaultStreamStatus(route: Route): number {
  return route.provider === 'anthropic' ? 529 : 500;
}
