import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from './classifier.ts';

// Shaped as @modelcontextprotocol/sdk's errors (not a dependency here): `McpError` carries the
// JSON-RPC error code as a number on `code`; the HTTP transports' errors carry the HTTP status.
class McpError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(`MCP error ${code}: ${message}`);
    this.code = code;
    this.name = 'McpError';
  }
}
class UrlElicitationRequiredError extends McpError {}
class StreamableHTTPError extends Error {
  readonly code: number | undefined;
  constructor(code: number | undefined, message: string) {
    super(`Streamable HTTP error: ${message}`);
    this.code = code;
  }
}
class SseError extends Error {
  readonly code: number | undefined;
  constructor(code: number | undefined, message: string) {
    super(`SSE error: ${message}`);
    this.code = code;
  }
}

const TOOL = { dependency: 'tool/search_web' };
const read = (error: unknown) => {
  const c = classify(error, TOOL);
  return [c.category, c.retryable, c.source, c.errorType];
};

describe('classify: MCP client errors (a tool that calls an MCP server)', () => {
  it('the client’s own request timeout is a retryable timeout, not the tool’s error', () => {
    assert.deepEqual(read(new McpError(-32001, 'Request timed out')), [
      'timeout',
      true,
      'dependency',
      '-32001',
    ]);
  });

  it('a request the app aborted through its own signal is cancelled (the client gives it the same code)', () => {
    // The client wraps a signal's reason as `new McpError(-32001, String(reason))`.
    const reason = String(AbortSignal.abort().reason);
    assert.deepEqual(read(new McpError(-32001, reason)), ['cancelled', false, 'caller', '-32001']);
    // Aborted by the tool's attempt timeout (`toolSignal()`), whose reason is a TimeoutError.
    const timedOut = 'TimeoutError: attempt timed out after 300 ms for tool/search_web';
    assert.equal(classify(new McpError(-32001, timedOut), TOOL).category, 'timeout');
  });

  it('a closed connection (server process gone, transport closed) is a retryable network error', () => {
    assert.deepEqual(read(new McpError(-32000, 'Connection closed')), [
      'network',
      true,
      'dependency',
      '-32000',
    ]);
  });

  it('invalid params or request is the caller’s (the model’s arguments), not counted against the tool', () => {
    assert.deepEqual(read(new McpError(-32602, 'Invalid arguments for tool x')), [
      'validation',
      false,
      'caller',
      '-32602',
    ]);
    assert.equal(classify(new McpError(-32600, 'Invalid request'), TOOL).category, 'validation');
    assert.equal(classify(new McpError(-32700, 'Parse error'), TOOL).category, 'validation');
  });

  it('a method the server does not have is not_found', () => {
    assert.deepEqual(read(new McpError(-32601, 'Method not found')), [
      'not_found',
      false,
      'caller',
      '-32601',
    ]);
  });

  it('an internal error (the server’s tool threw) stays the tool’s error; other codes too', () => {
    assert.deepEqual(read(new McpError(-32603, 'boom')), ['tool_error', false, 'dependency', '-32603']);
    assert.equal(classify(new UrlElicitationRequiredError(-32042, 'elicit'), TOOL).category, 'tool_error');
    assert.equal(classify(new McpError(-32603, 'boom')).category, 'unknown');
  });

  it('a numeric code on an error that is not an MCP error says nothing', () => {
    class OtherError extends Error {
      readonly code = -32001;
    }
    assert.equal(classify(new OtherError('x'), TOOL).category, 'tool_error');
    assert.equal(classify(Object.assign(new Error('x'), { code: -32000 }), TOOL).category, 'tool_error');
  });

  it('the HTTP transports’ errors are read by their HTTP status', () => {
    assert.deepEqual(read(new StreamableHTTPError(503, 'Error POSTing to endpoint: busy')), [
      'overloaded',
      true,
      'dependency',
      '503',
    ]);
    assert.equal(classify(new StreamableHTTPError(502, 'bad gateway'), TOOL).category, 'server_error');
    assert.equal(classify(new StreamableHTTPError(401, 'no auth'), TOOL).category, 'authentication');
    assert.equal(classify(new StreamableHTTPError(429, 'slow down'), TOOL).category, 'rate_limited');
    // A server that restarted no longer knows the session: the client must connect again.
    assert.equal(classify(new StreamableHTTPError(404, 'Session not found'), TOOL).category, 'not_found');
    assert.equal(classify(new SseError(500, 'stream failed'), TOOL).category, 'server_error');
    // Not a status: an unexpected content type, or an SSE error without one.
    assert.equal(
      classify(new StreamableHTTPError(-1, 'Unexpected content type'), TOOL).category,
      'tool_error',
    );
    assert.equal(classify(new SseError(undefined, 'stream failed'), TOOL).category, 'tool_error');
  });
});
