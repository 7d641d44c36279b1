/**
 * `bw.instrument({ openai, anthropic })`: patches client modules the module hooks never see. A
 * bundler (esbuild, webpack) that inlines `openai` into the app's file leaves no `require('openai')`
 * or `import 'openai'` to hook, so its calls would run with no span, no policy and the client's own
 * retries. The app hands over the module namespace instead, and the same instrumentation that the
 * hooks use patches it (`patch()`: one patch, whichever way the module arrives).
 */
import {
  type AnthropicInstrumentation,
  CLIENT_PACKAGES,
  type OpenAIInstrumentation,
} from '@breakwater/instrumentation';

/**
 * Client module namespaces to instrument: `import * as openai from 'openai'` and `import * as
 * anthropic from '@anthropic-ai/sdk'` (in CommonJS, what `require()` returns). The default export
 * (`import OpenAI from 'openai'`) is not enough: a patch needs the module's `APIPromise`.
 */
export interface ClientModules {
  /** The `openai` package's module namespace. */
  readonly openai?: object | undefined;
  /** The `@anthropic-ai/sdk` package's module namespace. */
  readonly anthropic?: object | undefined;
}

/** The instrumentations `start()` enabled, or undefined when start-up failed before making them. */
export type ClientInstrumentations = readonly [OpenAIInstrumentation, AnthropicInstrumentation] | undefined;

/**
 * Patches each module given; what cannot be patched is logged (an app's set-up must not throw).
 * Returns the package names of those patched now or before (`openai`, `@anthropic-ai/sdk`).
 */
export function instrumentModules(
  instrumentations: ClientInstrumentations,
  modules: ClientModules,
  log: (message: string) => void,
): string[] {
  const instrumented: string[] = [];
  const given = (['openai', 'anthropic'] as const).filter((key) => modules?.[key] !== undefined);
  if (given.length === 0) {
    log(
      "instrument() was given no client module: call it as instrument({ openai, anthropic }), with import * as openai from 'openai'",
    );
    return instrumented;
  }
  if (instrumentations === undefined) {
    log(
      `instrument(): start-up failed, so ${given.join(' and ')} ${given.length === 1 ? 'stays' : 'stay'} uninstrumented`,
    );
    return instrumented;
  }
  const [openai, anthropic] = instrumentations;
  for (const key of given) {
    const module = modules[key];
    const name = CLIENT_PACKAGES[key];
    let patched = false;
    try {
      if (typeof module === 'object' && module !== null) {
        patched = key === 'openai' ? openai.patch(module) : anthropic.patch(module);
      }
    } catch (error) {
      log(`instrument(): patching ${name} failed, its calls stay uninstrumented: ${String(error)}`);
      continue;
    }
    if (!patched) {
      log(
        `instrument(): ${key} is not the ${name} module namespace, so its calls stay uninstrumented; ` +
          `pass \`import * as ${key} from '${name}'\` (in CommonJS, require('${name}'))`,
      );
    } else {
      instrumented.push(name);
    }
  }
  return instrumented;
}
