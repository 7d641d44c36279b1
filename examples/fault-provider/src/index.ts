/**
 * `@breakwater/fault-provider`: an OpenAI-, Anthropic- and Gemini-compatible server with scripted faults,
 * for tests, benchmarks and demos.
 * @packageDocumentation
 */
export { type CannedReply, cannedReply, countTokens, REPLY_PREFIX, TOOL_RESULT_PREFIX } from './canned.ts';
export { seededRandom } from './faults/random.ts';
export type { ScriptStatus } from './faults/script.ts';
export {
  ERROR_CODE_STATUS,
  ERROR_CODES,
  type ErrorCode,
  type ErrorSpec,
  type FaultAction,
  type FaultBehaviour,
  type FaultKind,
  type FaultScript,
  FaultScriptError,
  type FaultStep,
  type Latency,
  MAX_DELAY_MS,
  type MixOutcome,
  type MixStep,
  type Pacing,
  type Provider,
  ROUTE_IDS,
  type RouteId,
  type RouteSelector,
  type StepTiming,
  type StreamErrorEnd,
} from './faults/types.ts';
export { parseScripts } from './faults/validate.ts';
export {
  FaultProviderClient,
  type FaultProviderClientOptions,
  FaultProviderRequestError,
  type ScriptsInput,
} from './remote.ts';
export { embed } from './routes/openai-embeddings.ts';
export { type FaultProvider, type FaultProviderOptions, startFaultProvider } from './server.ts';
export type { Counts, FaultProviderStats, Outcome, StatsFilter } from './stats.ts';
