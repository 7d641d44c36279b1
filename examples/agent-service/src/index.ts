/**
 * The example agent, importable by end-to-end tests and the demo.
 * @packageDocumentation
 */
export { type RunAgentOptions, type RunAgentResult, runAgent } from './agent.ts';
export { FALLBACK_ID_PREFIX } from './fallback-reply.ts';
