import type { ErrorCategory } from '@breakwater/protocol';

/**
 * Errors of the MCP (Model Context Protocol) client, `@modelcontextprotocol/sdk`, recognised by
 * class name (it is not a dependency). A tool that calls an MCP server sees them, and without
 * this every one would be the tool's own `tool_error`: a request timeout or a closed connection
 * (retryable, the server's or the path's) as much as arguments the server refused (the caller's).
 */

/** JSON-RPC's reserved range: codes the protocol and its implementations define. */
const RESERVED_MIN = -32768;
const RESERVED_MAX = -32000;

/** Categories of the JSON-RPC and MCP SDK error codes that say more than "the tool failed". */
const CODE_CATEGORIES: ReadonlyMap<number, ErrorCategory> = new Map([
  // The MCP SDK's own: the connection closed with the request pending, and its request timeout.
  [-32000, 'network'],
  [-32001, 'timeout'],
  // JSON-RPC's: what was sent could not be parsed, was not a request, or had bad params (the
  // model's arguments); and a method the server does not have.
  [-32700, 'validation'],
  [-32600, 'validation'],
  [-32602, 'validation'],
  [-32601, 'not_found'],
]);

/**
 * The category and `error.type` of an `McpError` (an error response from the server, or the
 * client's own timeout or closed connection), or `undefined` when `error` is not one. A code with
 * no category of its own (`-32603`, an internal error: the server's tool threw) gets none, so it
 * stays a tool's `tool_error`; its `error.type` is still the code, when in the reserved range.
 */
export function mcpError(
  error: object,
  names: readonly string[],
): { readonly category: ErrorCategory | undefined; readonly errorType: string } | undefined {
  if (!names.includes('McpError')) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'number' || !Number.isInteger(code)) return undefined;
  const reserved = code >= RESERVED_MIN && code <= RESERVED_MAX;
  const errorType = reserved ? String(code) : 'McpError';
  // The client rejects a request whose `signal` aborted with this same code, the abort reason in
  // the message: the app's own abort (`controller.abort()`) is a cancellation, not a timeout.
  const message = (error as { message?: unknown }).message;
  if (code === -32001 && typeof message === 'string' && message.includes('AbortError')) {
    return { category: 'cancelled', errorType };
  }
  return { category: CODE_CATEGORIES.get(code), errorType };
}

/**
 * The HTTP status an MCP HTTP transport's error carries on `code` (`StreamableHTTPError`, the
 * older `SseError`): a 503 from the server or a proxy in front of it, a 404 for a session the
 * server no longer knows. `undefined` for other errors, and for a code that is no status.
 */
export function mcpTransportStatus(error: object, names: readonly string[]): number | undefined {
  if (!names.includes('StreamableHTTPError') && !names.includes('SseError')) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' && Number.isInteger(code) && code >= 100 && code <= 599 ? code : undefined;
}
