/**
 * `service.instance.id` per process and per worker thread. OpenTelemetry requires the id unique
 * for each instance of a service and recommends each process of an app server its own; the
 * collector counts instances by it (the fleet breaker's quorum, each SDK's breaker states), and
 * metric backends keep one cumulative series per id. An id set in `OTEL_RESOURCE_ATTRIBUTES` (a
 * pod name, as the OpenTelemetry operator sets it) is inherited by every cluster worker, worker
 * thread and child process the app starts, so each of those exports under the inherited id with
 * its pid (and thread id) after it: unique, with the user's value still in front.
 */
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { isMainThread, threadId } from 'node:worker_threads';
import { ENV } from '@breakwater/protocol';

/** Where this code runs: the process and thread, and whether another started it. */
export interface ProcessPlace {
  readonly pid: number;
  readonly threadId: number;
  readonly isMainThread: boolean;
  readonly isClusterWorker: boolean;
}

/** This process and thread. */
export function thisPlace(): ProcessPlace {
  return { pid: process.pid, threadId, isMainThread, isClusterWorker: cluster.isWorker };
}

/**
 * The id to export: `explicit` as given (the app chose it in code), else `inherited` (from
 * `OTEL_RESOURCE_ATTRIBUTES`) when this is the process that owns it, else `inherited` made unique
 * with the pid (and thread id): in a cluster worker, a worker thread, or a process whose
 * environment says a process above it took that id already ({@link claimInstanceId}). With
 * neither, a random UUID, unique per process and thread already.
 */
export function resolveInstanceId(
  explicit: string | undefined,
  inherited: string | undefined,
  env: NodeJS.ProcessEnv,
  place: ProcessPlace = thisPlace(),
): string {
  if (explicit !== undefined) return explicit;
  if (inherited === undefined) return randomUUID();
  const shared = !place.isMainThread || place.isClusterWorker || takenElsewhere(env, inherited, place.pid);
  if (!shared) return inherited;
  return place.isMainThread ? `${inherited}/${place.pid}` : `${inherited}/${place.pid}/${place.threadId}`;
}

/**
 * Marks `inherited` as taken by process `pid` in this process's environment, which the processes
 * and threads started from now on inherit. Only an id from the environment: one given in code is
 * the app's to keep unique, and a random one cannot be inherited.
 */
export function claimInstanceId(
  explicit: string | undefined,
  inherited: string | undefined,
  env: NodeJS.ProcessEnv,
  pid: number = process.pid,
): void {
  if (explicit === undefined && inherited !== undefined) env[ENV.INSTANCE_ID_TAKEN] = `${pid}:${inherited}`;
}

/**
 * Whether another process took `inherited` (a parent: the mark is `<pid>:<id>`). The process that
 * took it keeps its id however often it resolves its options again (`resolveOptions()`, a
 * `start()` after `shutdown()`).
 */
function takenElsewhere(env: NodeJS.ProcessEnv, inherited: string, pid: number): boolean {
  const mark = env[ENV.INSTANCE_ID_TAKEN];
  const colon = mark?.indexOf(':') ?? -1;
  return colon > 0 && mark!.slice(colon + 1) === inherited && mark!.slice(0, colon) !== String(pid);
}
