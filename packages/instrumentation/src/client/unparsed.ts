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
}

/** The held value reaches the operation only, never the watched `APIPromise`. */
const unparsed = new FinalizationRegistry<Held>(({ op, stream }) => {
  if (stream) op.abandon();
  else op.succeed();
});

/** Ends `op` when `promise` is collected, unless {@link unwatchUnparsed} is called first. */
export function watchUnparsed(promise: object, op: Operation, stream: boolean): void {
  unparsed.register(promise, { op, stream }, op);
}

/** The call is being parsed or read raw after all; that ends `op`. */
export function unwatchUnparsed(op: Operation): void {
  unparsed.unregister(op);
}
