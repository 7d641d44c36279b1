/**
 * The resource `start()` exports. NodeSDK merges what its resource detectors find *over* a
 * `resource` handed to it, so an explicit `serviceName` would lose to `OTEL_SERVICE_NAME` and
 * `serviceInstanceId` to the SDK's random one. The identity `start()` resolved (explicit options,
 * then the `OTEL_*` environment, then defaults) therefore goes in as the last detector, which
 * wins; the other detectors still add host, process, OS and further `OTEL_RESOURCE_ATTRIBUTES`.
 */
import { SEMCONV } from '@breakwater/protocol';
import {
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  type ResourceDetector,
  serviceInstanceIdDetector,
} from '@opentelemetry/resources';
import type { ResolvedOptions } from './options.ts';

/** Detector names of `OTEL_NODE_RESOURCE_DETECTORS`, as NodeSDK reads them. */
const BY_NAME: ReadonlyMap<string, ResourceDetector> = new Map([
  ['env', envDetector],
  ['host', hostDetector],
  ['os', osDetector],
  ['process', processDetector],
  ['serviceinstance', serviceInstanceIdDetector],
]);

/** The detectors NodeSDK would pick itself: `OTEL_NODE_RESOURCE_DETECTORS`, default all. */
function standardDetectors(env: NodeJS.ProcessEnv): ResourceDetector[] {
  const names = (env.OTEL_NODE_RESOURCE_DETECTORS ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  if (names.length === 0 || names.includes('all')) {
    return [serviceInstanceIdDetector, processDetector, hostDetector, osDetector, envDetector];
  }
  if (names.includes('none')) return [];
  return names.flatMap((n) => BY_NAME.get(n) ?? []);
}

/** Service identity attributes of the resolved options. */
export function identityAttributes(o: ResolvedOptions): Record<string, string> {
  const attrs: Record<string, string> = {
    [SEMCONV.SERVICE_NAME]: o.serviceName,
    [SEMCONV.SERVICE_INSTANCE_ID]: o.serviceInstanceId,
  };
  if (o.serviceVersion !== undefined) attrs[SEMCONV.SERVICE_VERSION] = o.serviceVersion;
  return attrs;
}

/** Resource detectors for NodeSDK, ending with the resolved service identity (which wins). */
export function resourceDetectors(
  o: ResolvedOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResourceDetector[] {
  const identity = identityAttributes(o);
  return [...standardDetectors(env), { detect: () => ({ attributes: identity }) }];
}
