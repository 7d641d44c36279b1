/**
 * `@breakwater/instrumentation`: OpenTelemetry instrumentations for the `openai` and
 * `@anthropic-ai/sdk` clients that run every call through Breakwater's resilience pipeline, and
 * `tool()` / `agent()` helpers for the rest of an agent.
 * @packageDocumentation
 */
import { AnthropicInstrumentation } from './anthropic/instrumentation.ts';
import type { ClientInstrumentationConfig } from './client/base.ts';
import { OpenAIInstrumentation } from './openai/instrumentation.ts';

// Types from the packages beneath that this package's signatures use, so they import from here.
export type { BreakerOverride, BreakerSource, Clock, ErrorCategory, FaultSource } from '@breakwater/protocol';
export type {
  BreakerRegistry,
  CallContext,
  Classification,
  ClassifierRule,
  Jitter,
  Pipeline,
} from '@breakwater/resilience';
// What a failed instrumented call can be traced to (see "What the app gets when a policy says no").
export {
  BudgetExhaustedError,
  BulkheadFullError,
  CircuitOpenError,
  ResilienceError,
  refusalOf,
} from '@breakwater/resilience';
export type { AttemptObserver } from './abandoned-attempts.ts';
export { type AgentOptions, agent } from './agent.ts';
export {
  ANTHROPIC_SUPPORTED_MAJORS,
  ANTHROPIC_SUPPORTED_VERSIONS,
  AnthropicInstrumentation,
} from './anthropic/instrumentation.ts';
export {
  type ContentCapture,
  captureMaxBytesFromEnv,
  checkCaptureMaxBytes,
  DEFAULT_CAPTURE_MAX_BYTES,
  isCaptureMaxBytes,
} from './bounded-json.ts';
export type { ClientInstrumentation, ClientInstrumentationConfig } from './client/base.ts';
export { CLIENT_PACKAGES, type ClientFamily } from './client/endpoint.ts';
export { DOUBLE_INSTRUMENTED_WARNING } from './client/method-patch.ts';
export { UNINSTRUMENTED_CLIENT_WARNING } from './client/unseen-client.ts';
export { UNSUPPORTED_CLIENT_WARNING } from './client/unsupported-version.ts';
export type { AttemptDeadline, CallData, CallPipeline, GuardHandle } from './guard.ts';
export { createGenAiMetrics, type GenAiMetrics } from './metrics.ts';
export type { OpenOperations, OperationKey } from './open-operations.ts';
export {
  OPENAI_SUPPORTED_MAJORS,
  OPENAI_SUPPORTED_VERSIONS,
  OpenAIInstrumentation,
} from './openai/instrumentation.ts';
export {
  type BreakerSettings,
  type BulkheadSettings,
  DEFAULT_POLICIES,
  type DependencyPolicy,
  type FallbackContext,
  type FallbackSettings,
  type PolicyOverrides,
  PolicyResolver,
  type PolicyResolverOptions,
  type PolicyRule,
  type RetrySettings,
} from './policies.ts';
export {
  configureBreakwater,
  createRuntime,
  getRuntime,
  installRuntime,
  RUNTIME_REPLACED_WARNING,
  type Runtime,
  type RuntimeOptions,
  SEPARATE_RUNTIME_WARNING,
} from './runtime.ts';
export type { BreakerFacts } from './span-attributes.ts';
export {
  NO_CONTEXT_MANAGER_WARNING,
  type Tool,
  type ToolOptions,
  type ToolPolicyOverrides,
  type ToolType,
  tool,
  toolSignal,
} from './tool.ts';
export { PACKAGE_NAME, PACKAGE_VERSION } from './version.ts';
export type { WrappedFunction } from './wrapper-identity.ts';

/** Both client instrumentations with one config, for `registerInstrumentations` or NodeSDK. */
export function breakwaterInstrumentations(
  config: ClientInstrumentationConfig & { openaiAliases?: string[]; anthropicAliases?: string[] } = {},
): [OpenAIInstrumentation, AnthropicInstrumentation] {
  const { openaiAliases, anthropicAliases, ...rest } = config;
  return [
    new OpenAIInstrumentation({ ...rest, moduleAliases: openaiAliases ?? rest.moduleAliases }),
    new AnthropicInstrumentation({ ...rest, moduleAliases: anthropicAliases }),
  ];
}
export {
  DEFAULT_IDLE_MS,
  DEFAULT_MAX_DEPENDENCIES,
  type DependencyLimits,
} from './dependency-limits.ts';
