/**
 * A call whose response arrives before anyone asked for it (`const p = create(…)`, other work,
 * then `await p`) ends when it is parsed, so it keeps its usage and response attributes; a plain
 * body's span and duration still end at its response (`Operation.answered`). One that is then
 * never parsed nor read raw would stay open forever; when its `APIPromise` is garbage-collected
 * the operation ends instead (late rather than never): a body as succeeded (the dependency did
 * answer), a stream as abandoned, like a stream dropped unread.
 */
import type { Operation } from '../operation.ts';

interface Held {
  readonly op: Operation;
  readonly stream: boolean;
  /** A stream's request, aborted once nothing can read it (its body is locked by a clone). */
  readonly controller: AbortController | undefined;
}

function end({ op, stream }: Held): void {
  if (stream) op.abandon();
  else op.succeed();
}

/** The held value reaches the operation and the request only, never the watched `APIPromise`. */
const unparsed = new FinalizationRegistry<Held>((held) => {
  end(held);
  try {
    held.controller?.abort();
  } catch {
    // The connection is the client's to close in the end; the operation has ended.
  }
});

/**
 * Ends `op` when `promise` is collected (aborting a stream's request), unless
 * {@link unwatchUnparsed} is called first; or at shutdown, if that comes first (the request is
 * then left alone: the app may still await the call).
 */
export function watchUnparsed(
  promise: object,
  op: Operation,
  stream: boolean,
  controller: AbortController | undefined,
): void {
  const held: Held = { op, stream, controller };
  unparsed.register(promise, held, op);
  op.waitsOnApp(() => end(held));
}

/** The call is being parsed or read raw after all; that ends `op`. */
export function unwatchUnparsed(op: Operation): void {
  unparsed.unregister(op);
}
