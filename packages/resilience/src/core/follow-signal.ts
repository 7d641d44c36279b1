/**
 * Makes a call's own AbortController follow the caller's signal without that signal holding it.
 *
 * `AbortSignal.any([caller, own])` would do the following, but Node keeps such a composite signal
 * alive for as long as it has an `abort` listener and its sources may still abort. Clients and
 * operations add listeners to the per-call signal they get and often never remove them (openai 6
 * does, on every request), so with a long-lived caller signal (a server's shutdown signal passed
 * to every call) each call's signal, its listeners and all they hold stayed in memory for good.
 *
 * Here the call's signal is a plain one, whose listeners go with it. The caller's signal reaches
 * it through a composite of its own (no listener on the caller's signal itself, so no
 * max-listeners warning however many calls run at once) whose only listener holds the controller
 * weakly. The controller lives as long as the call context or its signal is reachable; once both
 * are gone, the link's listener is removed and the link is collected too.
 */

/** The link of a collected controller: its listener is removed, so Node lets the link go. */
interface Link {
  readonly link: AbortSignal;
  readonly onAbort: () => void;
}

const unlink = new FinalizationRegistry<Link>(({ link, onAbort }) =>
  link.removeEventListener('abort', onAbort),
);

/** Keeps each controller alive for as long as its signal is (an operation may hold the signal only). */
const controllers = new WeakMap<AbortSignal, AbortController>();

/**
 * Aborts `controller` with the caller's reason when `caller` aborts, for as long as the
 * controller or its signal is reachable; at once when `caller` has already aborted.
 */
export function followSignal(caller: AbortSignal, controller: AbortController): void {
  if (caller.aborted) {
    controller.abort(caller.reason);
    return;
  }
  const ref = new WeakRef(controller);
  const link = AbortSignal.any([caller]);
  const onAbort = (): void => ref.deref()?.abort(link.reason);
  link.addEventListener('abort', onAbort, { once: true });
  controllers.set(controller.signal, controller);
  unlink.register(controller, { link, onAbort });
}
