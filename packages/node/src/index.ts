/**
 * `@breakwater/node`: one-call Breakwater setup for Node services.
 * @packageDocumentation
 */
export { type ControlHandle, type OverrideTarget, overrideTarget } from './control-hook.ts';
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
