/**
 * `@breakwater/protocol`: the names and schemas the Breakwater SDK and collector share.
 * @packageDocumentation
 */
export * from './attributes.ts';
export * from './breaker.ts';
export * from './clock.ts';
export * from './closest-name.ts';
export * from './dependency-key.ts';
export * from './duration.ts';
export * from './errors.ts';
export * from './gate.ts';
export * from './http.ts';
export * from './metrics.ts';
export * from './signal.ts';
export * from './signal-event-id.ts';
export * from './slo.ts';
export * from './value-checks.ts';
