/**
 * Instrumentation of the `openai` client, 6.x and 7.x: `chat.completions.create`,
 * `responses.create` and `embeddings.create`. Helpers built on them (`chat.completions.stream`,
 * `.parse`, `.runTools`, `responses.stream`) go through the patched methods too.
 */
import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import type { APIPromiseClass } from '../client/api-promise.ts';
import { ClientInstrumentation, type ClientInstrumentationConfig, type PatchTarget } from '../client/base.ts';
import { describeChat } from './chat.ts';
import { describeEmbeddings } from './embeddings.ts';
import { describeResponses } from './responses.ts';

/** Version ranges with one module definition each (the patch is the same; the ranges are tested). */
export const OPENAI_SUPPORTED_VERSIONS = ['>=6 <7', '>=7 <8'] as const;

interface OpenAIModule {
  OpenAI?: OpenAIClass;
  default?: OpenAIClass;
  APIPromise?: APIPromiseClass;
}

interface OpenAIClass {
  Chat?: { Completions?: { prototype: object } };
  Responses?: { prototype: object };
  Embeddings?: { prototype: object };
}

function targets(exports: OpenAIModule): PatchTarget[] {
  const OpenAI = exports.OpenAI ?? exports.default;
  return [
    {
      proto: OpenAI?.Chat?.Completions?.prototype,
      method: 'create',
      path: '/chat/completions',
      describe: describeChat,
    },
    {
      proto: OpenAI?.Responses?.prototype,
      method: 'create',
      path: '/responses',
      describe: describeResponses,
    },
    {
      proto: OpenAI?.Embeddings?.prototype,
      method: 'create',
      path: '/embeddings',
      describe: (body, server) => describeEmbeddings(body, server),
    },
  ];
}

/** OpenTelemetry instrumentation of the `openai` package, running each call through Breakwater. */
export class OpenAIInstrumentation extends ClientInstrumentation {
  constructor(config: ClientInstrumentationConfig = {}) {
    super('@breakwater/instrumentation/openai', config);
  }

  protected override init(): InstrumentationNodeModuleDefinition[] {
    return this.moduleNames('openai').flatMap((name) =>
      OPENAI_SUPPORTED_VERSIONS.map(
        (range) =>
          new InstrumentationNodeModuleDefinition(
            name,
            [range],
            (exports: OpenAIModule) => {
              this.patch(exports);
              return exports;
            },
            (exports: OpenAIModule) => this.unpatch(exports),
          ),
      ),
    );
  }

  /**
   * Patches an already-loaded `openai` module namespace (for bundled apps, or a client loaded
   * before instrumentation was enabled). The inverse is {@link unpatch}.
   */
  patch(exports: OpenAIModule): void {
    this.patchTargets(targets(exports), exports.APIPromise);
  }

  /** Removes the patches {@link patch} applied. */
  unpatch(exports: OpenAIModule): void {
    this.unpatchTargets(targets(exports));
  }
}
