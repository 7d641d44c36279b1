/**
 * Instrumentation of `@anthropic-ai/sdk` 1.x and 0.x from 0.71: `messages.create` and
 * `messages.stream`, and the same two of `beta.messages` (the Messages API with beta features:
 * the same request body plus `betas`, which the SDK sends as a header, and the same response and
 * stream events; `@langchain/anthropic` calls it for any request with a beta).
 * See suppress.ts for how the SDK's own spans are kept from duplicating ours.
 *
 * The messages resource is patched when the SDK's `client` file loads, not only its main entry:
 * `@anthropic-ai/vertex-sdk` and `@anthropic-ai/bedrock-sdk` load `@anthropic-ai/sdk/client` and
 * `@anthropic-ai/sdk/resources/index`, never the main entry, and share its `Messages` class.
 */
import {
  type InstrumentationModuleDefinition,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
} from '@opentelemetry/instrumentation';
import type { APIPromiseClass } from '../client/api-promise.ts';
import {
  type ClientClasses,
  ClientInstrumentation,
  type ClientInstrumentationConfig,
  type PatchTarget,
  type ProviderOfClient,
} from '../client/base.ts';
import type { ClientFamily } from '../client/endpoint.ts';
import { hasBreakwaterPatch, installPatch, removePatch } from '../client/method-patch.ts';
import { clientSeen } from '../client/unseen-client.ts';
import { lineRanges, type SupportedLine, unsupportedVersionWarning } from '../client/unsupported-version.ts';
import { describeMessages } from './messages.ts';
import { sdkSpanStandIn } from './suppress.ts';

/**
 * Major versions of `@anthropic-ai/sdk` that are instrumented: 1.x, and 0.x from 0.71 (the line
 * `@langchain/anthropic` 1.x depends on, each release pinning one 0.x minor in its own copy). Those
 * 0.x releases have the 1.x layout and the same `APIPromise` and messages resource; older 0.x
 * releases have another layout and are not patched.
 */
export const ANTHROPIC_SUPPORTED_MAJORS: readonly number[] = [0, 1];

/** The releases instrumented: 0.x from 0.71, and 1.x. */
const ANTHROPIC_SUPPORTED_LINES: readonly SupportedLine[] = [{ major: 0, fromMinor: 71 }, { major: 1 }];

/** Version ranges with one module definition each. */
export const ANTHROPIC_SUPPORTED_VERSIONS: readonly string[] = lineRanges(ANTHROPIC_SUPPORTED_LINES);

/** The client class, with its resource classes as statics: `Messages`, and `Beta.Messages`. */
interface AnthropicClass {
  Messages?: { prototype: object };
  Beta?: { Messages?: { prototype: object } };
}

interface AnthropicModule {
  Anthropic?: AnthropicClass;
  default?: AnthropicClass;
  APIPromise?: APIPromiseClass;
  APIConnectionError?: ClientClasses['APIConnectionError'];
  APIConnectionTimeoutError?: ClientClasses['APIConnectionTimeoutError'];
}

/** The SDK's `client` file (CommonJS `.js`, ESM `.mjs`): the client class, with its errors as statics. */
interface AnthropicClientFile {
  Anthropic?: AnthropicClass & Pick<AnthropicModule, 'APIConnectionError' | 'APIConnectionTimeoutError'>;
}

/** Files of the SDK patched as they load, relative to the package (see the file comment). */
export const ANTHROPIC_CLIENT_FILES: readonly string[] = ['client.js', 'client.mjs'];
/** Files of the SDK that define `APIPromise`; each loads before the `client` file that uses it. */
export const ANTHROPIC_API_PROMISE_FILES: readonly string[] = ['core/api-promise.js', 'core/api-promise.mjs'];

/** The prototypes of `messages` and `beta.messages`, where the module has them. */
function messagesProtos(exports: AnthropicModule): Record<string, unknown>[] {
  const client = exports.Anthropic ?? exports.default;
  return [client?.Messages?.prototype, client?.Beta?.Messages?.prototype].filter(
    (proto): proto is Record<string, unknown> => proto !== undefined,
  );
}

function targets(exports: AnthropicModule): PatchTarget[] {
  const client = exports.Anthropic ?? exports.default;
  return [
    {
      proto: client?.Messages?.prototype,
      method: 'create',
      path: '/v1/messages',
      describe: describeMessages,
    },
    // The beta body is the messages body plus `betas` (sent as a header, never recorded).
    {
      proto: client?.Beta?.Messages?.prototype,
      method: 'create',
      path: '/v1/messages?beta=true',
      describe: describeMessages,
    },
  ];
}

/**
 * The provider a platform's client names itself: `AnthropicBedrock` says `aws.bedrock` and
 * `AnthropicVertex` `gcp.vertex_ai` (the SDK's own `gen_ai.provider.name`, internal to it) whatever
 * their base URL, such as a VPC endpoint or a local proxy. The base client says `anthropic`, and
 * a version without the field says nothing: then the host decides (see endpoint.ts).
 */
const providerOfClient: ProviderOfClient = (client) => {
  const name = (client as { _genAIProviderName?: unknown } | null | undefined)?._genAIProviderName;
  return typeof name === 'string' && name !== '' && name !== 'anthropic' ? name : undefined;
};

type StreamMethod = (this: unknown, body: unknown, options?: Record<string, unknown>) => unknown;

/** OpenTelemetry instrumentation of `@anthropic-ai/sdk`, running each call through Breakwater. */
export class AnthropicInstrumentation extends ClientInstrumentation {
  /**
   * The `APIPromise` of the copy of the SDK loading now: its `core/api-promise` file loads (and
   * is seen here) before its `client` file finishes, which is when it is used.
   */
  private loadingAPIPromise: APIPromiseClass | undefined;

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
            [
              ...ANTHROPIC_API_PROMISE_FILES.map(
                (file) =>
                  new InstrumentationNodeModuleFile(
                    `${name}/${file}`,
                    [range],
                    (exports: { APIPromise?: APIPromiseClass }) => {
                      this.loadingAPIPromise = exports.APIPromise;
                      return exports;
                    },
                    (exports: unknown) => exports,
                  ),
              ),
              ...ANTHROPIC_CLIENT_FILES.map(
                (file) =>
                  new InstrumentationNodeModuleFile(
                    `${name}/${file}`,
                    [range],
                    (exports: AnthropicClientFile) => {
                      this.patch(this.clientFileModule(exports));
                      return exports;
                    },
                    (exports: AnthropicClientFile) => {
                      this.unpatch(this.clientFileModule(exports));
                      return exports;
                    },
                  ),
              ),
            ],
          ),
      ),
      unsupportedVersionWarning(
        name,
        '@anthropic-ai/sdk',
        ANTHROPIC_SUPPORTED_LINES,
        (m) => this._diag.warn(m),
        () => clientSeen('anthropic'),
      ),
    ]);
  }

  protected override clientFamily(): ClientFamily {
    return 'anthropic';
  }

  /** The parts of the SDK's namespace {@link patch} needs, as its `client` file has them. */
  private clientFileModule(exports: AnthropicClientFile): AnthropicModule {
    const client = exports.Anthropic;
    return {
      Anthropic: client,
      APIPromise: this.loadingAPIPromise,
      APIConnectionError: client?.APIConnectionError,
      APIConnectionTimeoutError: client?.APIConnectionTimeoutError,
    };
  }

  /**
   * Patches an already-loaded `@anthropic-ai/sdk` namespace (`import * as anthropic from
   * '@anthropic-ai/sdk'`, `require('@anthropic-ai/sdk')`; a no-op where its `client` file was
   * patched as it loaded). Says whether its methods are Breakwater's now (false for anything but
   * the module namespace). The inverse is {@link unpatch}.
   */
  patch(exports: object): boolean {
    // Typed loosely, as OpenAIInstrumentation.patch.
    const module = exports as AnthropicModule;
    const patched = this.patchTargets(targets(module), {
      APIPromise: module.APIPromise,
      APIConnectionError: module.APIConnectionError,
      APIConnectionTimeoutError: module.APIConnectionTimeoutError,
      family: 'anthropic',
      providerOf: providerOfClient,
    });
    for (const proto of messagesProtos(module)) {
      if (typeof proto.stream !== 'function' || hasBreakwaterPatch(proto.stream)) continue;
      // `stream()` starts an SDK span of its own before calling `create`; hand it the stand-in so
      // only our operation span (started by the patched `create`) is recorded.
      installPatch(proto, 'stream', (original) => {
        const stream = original as StreamMethod;
        return function breakwaterStream(this: unknown, body: unknown, options?: Record<string, unknown>) {
          return stream.call(this, body, { ...options, __span: sdkSpanStandIn('anthropic.messages.stream') });
        };
      });
    }
    return patched;
  }

  /** Removes the patches {@link patch} applied. */
  unpatch(exports: object): void {
    const module = exports as AnthropicModule;
    this.unpatchTargets(targets(module));
    for (const proto of messagesProtos(module)) removePatch(proto, 'stream');
  }
}
