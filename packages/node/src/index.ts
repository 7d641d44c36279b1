/**
 * `@breakwater/node`: one-call Breakwater setup for Node services.
 * @packageDocumentation
 */
// Types from the packages beneath that this package's signatures use, so they import from here.
export type { PolicyRule, Runtime } from '@breakwater/instrumentation';
// A refused call's error, told apart (see @breakwater/instrumentation's README).
export {
  BudgetExhaustedError,
  BulkheadFullError,
  CircuitOpenError,
  refusalOf,
} from '@breakwater/instrumentation';
export type { BreakerOverride, Clock } from '@breakwater/protocol';
export type { ClassifierRule } from '@breakwater/resilience';
export type { OverrideTarget } from './control/index.ts';
export { type ControlHandle, overrideTarget } from './control-hook.ts';
export { type FleetControl, type FleetControlOptions, startFleetControl } from './fleet-control.ts';
export type { ClientModules } from './instrument-modules.ts';
export type { LogExport, LogsProtocol } from './log-export.ts';
export {
  type ControlOptions,
  type ExporterChoice,
  type ExportLimits,
  parseResourceAttributes,
  type ResolvedOptions,
  resolveOptions,
  type StartOptions,
} from './options.ts';
export { type Breakwater, start } from './start.ts';
