/**
 * `@breakwater/collector` as a library: start the service in a process of your own, with the
 * built-in components and any of yours (see "Extending the service" in the README). The
 * `breakwater` CLI is the usual way to run it.
 * @module
 */

export type { SignalHub } from './act/signals/signal-hub.ts';
export type {
  DependencyView,
  FleetBreakerState,
  RecentAlert,
  StatusDelta,
  StatusListDelta,
  StatusRowPatch,
  StatusSnapshot,
  StatusSources,
} from './act/status-page/types.ts';
export { builtInComponents, type ComponentFactory } from './built-in-components.ts';
export { createLogger } from './cli/logger.ts';
export type {
  BreakerStatePoint,
  BreakerStateSink,
  CollectorComponent,
  ComponentContext,
  Logger,
  Route,
  SpanSink,
} from './component.ts';
export { ConfigError, type ConfigProblem } from './config/config-error.ts';
export type { ListenAddress } from './config/listen-address.ts';
export {
  type ConfigOverride,
  type ConfigSource,
  defaultConfig,
  loadConfigFile,
  type ParseOptions,
  parseConfig,
} from './config/load.ts';
export { type CollectorConfig, CollectorConfigSchema } from './config/schema.ts';
export type { SpanRecord } from './decode/span-record.ts';
export { type FleetConfig, FleetSectionSchema } from './evaluate/fleet/config.ts';
export type { FleetBreaker } from './evaluate/fleet/fleet-breaker.ts';
export { createFleetComponent, type FleetComponent, type FleetComponentOptions } from './fleet-component.ts';
export { CollectorService, type ServiceOptions, StartupError } from './service.ts';
export {
  createStatusComponent,
  type StatusComponent,
  type StatusComponentOptions,
} from './status-component.ts';
