/**
 * What `import '@breakwater/node'` loads in a runtime other than Node.js (the `edge-light`,
 * `workerd`, `worker` and `browser` export conditions: Next.js's Edge runtime and middleware,
 * Cloudflare Workers, a browser bundle). `worker` and `browser` come after `node` in the exports
 * map, since Bun's runtime asserts all three (and Node.js-compatible tools may add either); the
 * Edge runtimes' own conditions come first. The SDK needs Node's http, diagnostics_channel and
 * module hooks; bundled for such a runtime it failed at load with the bundler's own words
 * (`Native module not found: node:diagnostics_channel`), naming none of this. Loading this module
 * throws instead, saying what to do; its exports carry index.ts's names so that a bundler checking
 * imports by name (Turbopack) gets to run it.
 */

/** Why `@breakwater/node` does not load here, and where to start it instead. */
export const EDGE_IMPORT_MESSAGE =
  '@breakwater/node runs in Node.js only, and it was imported into code bundled for another runtime ' +
  "(the Next.js Edge runtime or middleware, a worker, a browser). In Next.js, start it from instrumentation.ts's " +
  "register(), importing it there with await import() inside if (process.env.NEXT_RUNTIME === 'nodejs') { … }, " +
  "and import it only from code that runs in the Node.js runtime (not from middleware.ts, nor from a route with export const runtime = 'edge'); " +
  'see "Next.js" in the @breakwater/node README.';

function refuse(): never {
  throw new Error(EDGE_IMPORT_MESSAGE);
}

refuse();

export const BudgetExhaustedError = refuse;
export const BulkheadFullError = refuse;
export const CircuitOpenError = refuse;
export const overrideTarget = refuse;
export const parseResourceAttributes = refuse;
export const refusalOf = refuse;
export const resolveOptions = refuse;
export const start = refuse;
export const startFleetControl = refuse;
