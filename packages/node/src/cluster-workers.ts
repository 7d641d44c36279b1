/**
 * A `node:cluster` primary ended by a signal takes its workers down with it without a signal of
 * their own: each sees its IPC channel close and calls `process.exit()` at once (and a primary
 * that is PID 1 in a container has the kernel kill them), so the spans a worker still holds and
 * the calls it has in flight are lost. Kubernetes and Docker signal PID 1 only, so that is how
 * every rollout stops a clustered app. The primary passes the signal on to its workers instead,
 * whose own handlers then flush, and waits for them to exit.
 */
import cluster, { type Worker } from 'node:cluster';

/** Sends `signal` to every live worker of this cluster primary; resolves once all have exited. */
export function signalClusterWorkers(signal: NodeJS.Signals): Promise<void> {
  if (!cluster.isPrimary) return Promise.resolve();
  const live = Object.values(cluster.workers ?? {}).filter(
    (w): w is Worker => w !== undefined && !w.isDead(),
  );
  return Promise.all(
    live.map(
      (worker) =>
        new Promise<void>((resolve) => {
          worker.once('exit', () => resolve());
          // A worker gone between the check and here throws ESRCH: it has exited, or will say so.
          try {
            worker.process.kill(signal);
          } catch {
            resolve();
          }
        }),
    ),
  ).then(() => undefined);
}

/**
 * In a cluster worker, keeps a repeat of `signals` from ending the process until the returned
 * function is called (the flush is done). A worker often gets a stop signal twice, at once: from
 * its primary passing it on, and directly, where it went to the whole process group (Ctrl-C in a
 * terminal, systemd stopping a service); the second would end it by default in mid-flush. Forcing
 * a worker down still works: a second Ctrl-C ends the primary, whose workers then exit at once.
 */
export function holdRepeatedSignals(signals: readonly NodeJS.Signals[]): () => void {
  if (!cluster.isWorker) return () => {};
  const ignore = (): void => {};
  for (const s of signals) process.prependListener(s, ignore);
  return () => {
    for (const s of signals) process.removeListener(s, ignore);
  };
}
