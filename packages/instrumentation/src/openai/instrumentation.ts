/**
 * Instrumentation of the `openai` client, 6.x and 7.x: `chat.completions.create`,
 * `responses.create` and `embeddings.create`. Helpers built on them (`chat.completions.stream`,
 * `.parse`, `.runTools`, `responses.stream`, `responses.parse`) go through the patched methods
 * too (parse-helpers, tool-runner and responses-stream tests).
 */
import {
  type InstrumentationModuleDefinition,
  InstrumentationNodeModuleDefinition,
} from '@opentelemetry/instrumentation';
import type { APIPromiseClass } from '../client/api-promise.ts';
import {
  type ClientClasses,
  ClientInstrumentation,
  type ClientInstrumentationConfig,
  type DeploymentOfClient,
  type PatchTarget,
  type ProviderOfClient,
} from '../client/base.ts';
import type { ClientFamily } from '../client/endpoint.ts';
import { AWS_BEDROCK, AZURE_OPENAI } from '../client/endpoint.ts';
import { clientSeen } from '../client/unseen-client.ts';
import { majorLines, majorRanges, unsupportedVersionWarning } from '../client/unsupported-version.ts';
import { describeChat } from './chat.ts';
import { describeEmbeddings } from './embeddings.ts';
import { describeResponses, type ResponseErrorFactory } from './responses.ts';

/** Major versions of `openai` that are instrumented. */
export const OPENAI_SUPPORTED_MAJORS: readonly number[] = [6, 7];

/** Version ranges with one module definition each (the patch is the same; the ranges are tested). */
export const OPENAI_SUPPORTED_VERSIONS: readonly string[] = majorRanges(OPENAI_SUPPORTED_MAJORS);

interface OpenAIModule {
  OpenAI?: OpenAIClass;
  default?: OpenAIClass;
  APIPromise?: APIPromiseClass;
  APIError?: APIErrorClass;
  APIConnectionError?: ClientClasses['APIConnectionError'];
  APIConnectionTimeoutError?: ClientClasses['APIConnectionTimeoutError'];
  AzureOpenAI?: ClientClass;
  BedrockOpenAI?: ClientClass;
}

type ClientClass = abstract new (...args: never[]) => unknown;

/** Clients of the module's Azure and Bedrock classes name their provider whatever their host. */
function providerByClass(module: OpenAIModule): ProviderOfClient {
  const { AzureOpenAI, BedrockOpenAI } = module;
  return (client) => {
    if (AzureOpenAI !== undefined && client instanceof AzureOpenAI) return AZURE_OPENAI;
    if (BedrockOpenAI !== undefined && client instanceof BedrockOpenAI) return AWS_BEDROCK;
    return undefined;
  };
}

/** An `AzureOpenAI` client's `deployment` option: where its chat and embeddings calls go. */
function deploymentByClass(module: OpenAIModule): DeploymentOfClient {
  const { AzureOpenAI } = module;
  return (client) => {
    if (AzureOpenAI === undefined || !(client instanceof AzureOpenAI)) return undefined;
    const name = (client as { deploymentName?: unknown }).deploymentName;
    return typeof name === 'string' && name !== '' ? name : undefined;
  };
}

/** The client's `APIError`: `new APIError(status, error, message, headers)`. */
type APIErrorClass = new (status: undefined, error: object, message: undefined, headers: undefined) => Error;

interface OpenAIClass {
  Chat?: { Completions?: { prototype: object } };
  Responses?: { prototype: object };
  Embeddings?: { prototype: object };
}

/**
 * How a `response.failed` stream's error becomes an exception: the client's own `APIError` (so
 * classifier rules on the client's classes apply), or a plain error should a version lack it.
 */
function responseError(APIError: APIErrorClass | undefined): ResponseErrorFactory {
  if (APIError !== undefined) return (error) => new APIError(undefined, error, undefined, undefined);
  return (error) => Object.assign(new Error(String(error.message ?? 'response failed')), error);
}

function targets(exports: OpenAIModule): PatchTarget[] {
  const OpenAI = exports.OpenAI ?? exports.default;
  const toError = responseError(exports.APIError);
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
      describe: (body, endpoint, capture) => describeResponses(body, endpoint, capture, toError),
    },
    {
      proto: OpenAI?.Embeddings?.prototype,
      method: 'create',
      path: '/embeddings',
      describe: (body, endpoint) => describeEmbeddings(body, endpoint),
    },
  ];
}

/** OpenTelemetry instrumentation of the `openai` package, running each call through Breakwater. */
export class OpenAIInstrumentation extends ClientInstrumentation {
  constructor(config: ClientInstrumentationConfig = {}) {
    super('@breakwater/instrumentation/openai', config);
  }

  protected override init(): InstrumentationModuleDefinition[] {
    return this.moduleNames('openai').flatMap((name) => [
      ...OPENAI_SUPPORTED_VERSIONS.map(
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
      unsupportedVersionWarning(
        name,
        'openai',
        majorLines(OPENAI_SUPPORTED_MAJORS),
        (m) => this._diag.warn(m),
        () => clientSeen('openai'),
      ),
    ]);
  }

  protected override clientFamily(): ClientFamily {
    return 'openai';
  }

  /**
   * Patches an already-loaded `openai` module namespace (`import * as openai from 'openai'`,
   * `require('openai')`): for bundled apps, or a client loaded before instrumentation was enabled.
   * Says whether its methods are Breakwater's now (false for anything but the module namespace:
   * the default export alone lacks the `APIPromise` a patch needs). The inverse is {@link unpatch}.
   */
  patch(exports: object): boolean {
    // Typed loosely: the module's own classes (their constructors take the client's types) are
    // not assignable to the structural shape we read from them.
    const module = exports as OpenAIModule;
    return this.patchTargets(targets(module), {
      APIPromise: module.APIPromise,
      APIConnectionError: module.APIConnectionError,
      APIConnectionTimeoutError: module.APIConnectionTimeoutError,
      family: 'openai',
      providerOf: providerByClass(module),
      deploymentOf: deploymentByClass(module),
    });
  }

  /** Removes the patches {@link patch} applied. */
  unpatch(exports: object): void {
    this.unpatchTargets(targets(exports as OpenAIModule));
  }
}
