import { ERROR_CATEGORIES } from '@breakwater/protocol';
import { warnOnce } from '../telemetry/safe.ts';
import type { Classification } from './classification.ts';
import type { ClassifyHint } from './classifier.ts';
import { Classifier, defaultClassifier } from './classifier.ts';

const CATEGORIES: ReadonlySet<string> = new Set(ERROR_CATEGORIES);
/** Classifiers already guarded: a pipeline's is handed on to its policies. */
const guarded = new WeakSet<object>();

/**
 * A classifier that cannot throw into a failing call. Classification runs while a call still
 * holds a breaker probe or a bulkhead slot: a custom classifier that throws, or returns something
 * that is not a classification, would leave them taken (a half-open breaker then refuses every
 * call for good). Such a failure is classified by the built-in rules instead and reported once as
 * a process warning. A {@link Classifier} is returned as it is: it guards its own rules. A
 * subclass that overrides `classify` is not: its override is user code like any other.
 */
export function guardClassifier(classifier: Classifier): Classifier {
  if (classifier.classify === Classifier.prototype.classify || guarded.has(classifier)) return classifier;
  const report = warnOnce('Breakwater classifier failed; the built-in rules classified the error');
  const custom = classifier as { classify(error: unknown, hint?: ClassifyHint): Classification };
  const safe = {
    classify(error: unknown, hint?: ClassifyHint): Classification {
      let result: Classification;
      try {
        result = custom.classify(error, hint);
      } catch (bug) {
        report(bug);
        return defaultClassifier.classify(error, hint);
      }
      if (typeof result !== 'object' || result === null || !CATEGORIES.has(result.category)) {
        report(`classify() returned ${String(result?.category ?? result)}, not a classification`);
        return defaultClassifier.classify(error, hint);
      }
      return result;
    },
  } as Classifier;
  guarded.add(safe);
  return safe;
}
