import { UNINSTRUMENTED_CLIENT_WARNING } from '../client/unseen-client.ts';

/** Runs `call`, returning the warnings about uninstrumented clients it raised. */
export async function uninstrumentedWarningsOf(call: () => Promise<unknown>): Promise<Error[]> {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    await call();
    // 'warning' is emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  return warnings.filter((w) => (w as { code?: string }).code === UNINSTRUMENTED_CLIENT_WARNING);
}
