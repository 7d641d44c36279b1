import type { CallContext } from '../core/context.ts';
import type { Classification } from './classification.ts';
import { categoryClassification } from './classification.ts';

/** A call its caller cancelled (category `cancelled`, source `caller` by the category defaults). */
export const CALLER_CANCELLED: Classification = categoryClassification('cancelled', 'AbortError');

/**
 * Once the caller's signal has aborted, the call counts as cancelled whatever was thrown: the
 * abort reason can be any value (`controller.abort(new Error('user left'))`), and an operation
 * may fail in any way as it is torn down. Cancelled means never retried, never counted against
 * the dependency, never covered by a fallback. Other classifications pass through unchanged.
 */
export function cancelledIfAborted(
  classification: Classification,
  ctx: Pick<CallContext, 'callerSignal'> | undefined,
): Classification {
  return classification.category !== 'cancelled' && ctx?.callerSignal?.aborted === true
    ? CALLER_CANCELLED
    : classification;
}
