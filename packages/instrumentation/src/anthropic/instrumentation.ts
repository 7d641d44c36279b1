/**
 * Instrumentation of `@anthropic-ai/sdk` 1.x: `messages.create` and `messages.stream`.
 * See suppress.ts for how the SDK's own spans are kept from duplicating ours.
 */
import {
  type InstrumentationModuleDefinition,
  InstrumentationNodeModuleDefinition,
  isWrapped,
} from '@opentelemetry/instrumentation';
import type { APIPromiseClass } from '../client/api-promise.ts';
import {
  type ClientClasses,
  ClientInstrumentation,
  type ClientInstrumentationConfig,
  type PatchTarget,
} from '../client/base.ts';
import { majorRanges, unsupportedVersionWarning } from '../client/unsupported-version.ts';
import { describeMessages } from './messages.ts';
import { sdkSpanStandIn } from './suppress.ts';

/** Major versions of `@anthropic-ai/sdk` that are instrumented. */
export const ANTHROPIC_SUPPORTED_MAJORS: readonly number[] = [1];

/** Version ranges with one module definition each. */
export const ANTHROPIC_SUPPORTED_VERSIONS: readonly string[] = majorRanges(ANTHROPIC_SUPPORTED_MAJORS);

interface AnthropicModule {
  Anthropic?: { Messages?: { prototype: object } };
  default?: { Messages?: { prototype: object } };
  APIPromise?: APIPromiseClass;
  APIConnectionError?: ClientClasses['APIConnectionError'];
  APIConnectionTimeoutError?: ClientClasses['APIConnectionTimeoutError'];
}

function messagesProto(exports: AnthropicModule): Record<string, unknown> | undefined {
  return (exports.Anthropic ?? exports.default)?.Messages?.prototype as Record<string, unknown> | undefined;
}

function targets(exports: AnthropicModule): PatchTarget[] {
  return [
    { proto: messagesProto(exports), method: 'create', path: '/v1/messages', describe: describeMessages },
  ];
}

type StreamMethod = (this: unknown, body: unknown, options?: Record<string, unknown>) => unknown;

/** OpenTelemetry instrumentation of `@anthropic-ai/sdk`, running each call through Breakwater. */
export class AnthropicInstrumentation extends ClientInstrumentation {
  constructor(config: ClientInstrumentationConfig = {}) {
    super('@breakwater/instrumentation/anthropic', config);
  }

  protected override init(): InstrumentationModuleDefinition[] {
    return this.moduleNames('@anthropic-ai/sdk').flatMap((name) => [
      ...ANTHROPIC_SUPPORTED_VERSIONS.map(
        (range) =>
          new InstrumentationNodeModuleDefinition(
            name,
            [range],
            (exports: AnthropicModule) => {
              this.patch(exports);
              return exports;
            },
            (exports: AnthropicModule) => this.unpatch(exports),
          ),
      ),
      unsupportedVersionWarning(name, '@anthropic-ai/sdk', ANTHROPIC_SUPPORTED_MAJORS, (m) =>
        this._diag.warn(m),
      ),
    ]);
  }

  /** Patches an already-loaded `@anthropic-ai/sdk` namespace. The inverse is {@link unpatch}. */
  patch(exports: object): void {
    // Typed loosely, as OpenAIInstrumentation.patch.
    const module = exports as AnthropicModule;
    this.patchTargets(targets(module), {
      APIPromise: module.APIPromise,
      APIConnectionError: module.APIConnectionError,
      APIConnectionTimeoutError: module.APIConnectionTimeoutError,
      family: 'anthropic',
    });
    const proto = messagesProto(module);
    if (proto !== undefined && typeof proto.stream === 'function') {
      // `messages.stream` starts an SDK span of its own before calling `create`; hand it the
      // stand-in so only our operation span (started by the patched `create`) is recorded.
      this._wrap(proto, 'stream', (original) => {
        const stream = original as StreamMethod;
        return function breakwaterStream(this: unknown, body: unknown, options?: Record<string, unknown>) {
          return stream.call(this, body, { ...options, __span: sdkSpanStandIn('anthropic.messages.stream') });
        };
      });
    }
  }

  /** Removes the patches {@link patch} applied. */
  unpatch(exports: object): void {
    const module = exports as AnthropicModule;
    this.unpatchTargets(targets(module));
    const proto = messagesProto(module);
    if (proto !== undefined && isWrapped(proto.stream)) this._unwrap(proto, 'stream');
  }
}
