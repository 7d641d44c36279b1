/**
 * Shared base of the openai and anthropic instrumentations: configuration, the runtime they run
 * calls in, GenAI metric instruments, and a symmetric patch/unpatch of resource methods.
 */
import { InstrumentationBase, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { ContentCapture } from '../bounded-json.ts';
import { createGenAiMetrics, type GenAiMetrics } from '../metrics.ts';
import { getRuntime, type Runtime } from '../runtime.ts';
import { PACKAGE_VERSION } from '../version.ts';
import {
  type APIPromiseClass,
  type APIPromiseLike,
  type CallDescription,
  type CallEnv,
  guardedCall,
} from './api-promise.ts';
import { type APIConnectionErrorClass, clientRefusalError, failedCallRejecter } from './caller-error.ts';
import { type ClientFamily, type Endpoint, endpointOf } from './endpoint.ts';
import {
  hasBreakwaterPatch,
  installPatch,
  isOtherInstrumentation,
  otherInstrumentationWarning,
  removePatch,
} from './method-patch.ts';
import type { TimeoutErrorFactory } from './response-deadline.ts';
import { clientSeen, unwatchClient, watchClient } from './unseen-client.ts';

/** Configuration shared by the client instrumentations. */
export interface ClientInstrumentationConfig extends InstrumentationConfig {
  /**
   * Further module names to hook as this client, for apps that install it under an npm alias
   * (`"openai-v6": "npm:openai@6"`). The version ranges still apply to the aliased package.
   */
  moduleAliases?: string[];
  /** Runtime (policies, breakers, clock). Defaults to the process-wide one at call time. */
  runtime?: Runtime;
  /** Record message content; overrides `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`. */
  captureMessageContent?: boolean;
}

/** One method we patch: where it lives, how to describe its calls, and its API path. */
export interface PatchTarget {
  readonly proto: object | undefined;
  readonly method: string;
  readonly path: string;
  readonly describe: (
    body: unknown,
    endpoint: Endpoint,
    capture: ContentCapture | undefined,
  ) => CallDescription;
}

interface Resource {
  _client?: { baseURL?: unknown };
}

type Method = (this: Resource, body: unknown, options?: unknown) => APIPromiseLike;

/** The client's `APIConnectionTimeoutError`: `new APIConnectionTimeoutError({ message })`. */
type APIConnectionTimeoutErrorClass = new (options: { message?: string }) => Error;

/** The classes of a client module a patch needs. */
export interface ClientClasses {
  readonly APIPromise?: APIPromiseClass | undefined;
  readonly APIConnectionError?: APIConnectionErrorClass | undefined;
  readonly APIConnectionTimeoutError?: APIConnectionTimeoutErrorClass | undefined;
}

/**
 * The provider a client names by its class (`AzureOpenAI`), or undefined to go by its server's
 * host (see endpoint.ts).
 */
export type ProviderOfClient = (client: unknown) => string | undefined;

/** The Azure deployment a client is pinned to by its options (see `Endpoint.deployment`), if any. */
export type DeploymentOfClient = (client: unknown) => string | undefined;

/** What a patch needs besides the methods: the module's classes, and how to name the provider. */
export interface PatchContext extends ClientClasses {
  readonly family: ClientFamily;
  readonly providerOf?: ProviderOfClient | undefined;
  readonly deploymentOf?: DeploymentOfClient | undefined;
}

/** The client's own errors for Breakwater's (see {@link CallEnv}). */
type ClientErrors = Pick<CallEnv, 'timeoutError' | 'rejectFailed'>;

/** The client's own timeout error for one of ours, which it carries as its `cause`. */
function clientTimeoutError(
  APIConnectionTimeoutError: APIConnectionTimeoutErrorClass | undefined,
): TimeoutErrorFactory | undefined {
  if (APIConnectionTimeoutError === undefined) return undefined;
  return (timeout) => {
    const error = new APIConnectionTimeoutError({ message: timeout.message });
    Object.defineProperty(error, 'cause', { value: timeout, configurable: true, writable: true });
    return error;
  };
}

/**
 * Base class of `OpenAIInstrumentation` and `AnthropicInstrumentation`: an OpenTelemetry
 * instrumentation that runs the client's API calls through the Breakwater runtime and records
 * GenAI spans and metrics for them.
 */
export abstract class ClientInstrumentation extends InstrumentationBase<ClientInstrumentationConfig> {
  private genAiMetrics: GenAiMetrics | undefined;

  constructor(name: string, config: ClientInstrumentationConfig = {}) {
    super(name, PACKAGE_VERSION, config);
  }

  /**
   * The client this instrumentation patches. A method, not a field: the OpenTelemetry base enables
   * the instrumentation from its constructor, before a subclass's fields are set.
   */
  protected abstract clientFamily(): ClientFamily;

  /** Enables the module hooks, and listens for a client they never see (see unseen-client.ts). */
  override enable(): void {
    const was = this.isEnabled();
    super.enable();
    if (!was && this.isEnabled()) watchClient(this.clientFamily());
  }

  override disable(): void {
    const was = this.isEnabled();
    super.disable();
    if (was && !this.isEnabled()) unwatchClient(this.clientFamily());
  }

  protected override _updateMetricInstruments(): void {
    this.genAiMetrics = createGenAiMetrics(this.meter);
  }

  /** The runtime calls run in: the configured one, else the process-wide one. */
  protected runtime(): Runtime {
    return this._config.runtime ?? getRuntime();
  }

  /** Module names to hook: the package's own name and any aliases. */
  protected moduleNames(name: string): string[] {
    return [name, ...(this._config.moduleAliases ?? [])];
  }

  /**
   * Patches every target; targets missing in this version of the client are skipped. The
   * classes in `module` are the client module's own: its `APIPromise`, and its
   * `APIConnectionTimeoutError` for the timeouts Breakwater enforces past the headers (so apps
   * catch them as the client's own); its `family`, `providerOf` and `deploymentOf` say where each
   * call goes (see endpoint.ts). Says whether any target is patched now (by this call or an
   * earlier one): false for a value that is not the client's module.
   */
  protected patchTargets(targets: readonly PatchTarget[], module: PatchContext): boolean {
    const { APIPromise } = module;
    if (APIPromise === undefined) {
      this._diag.warn('client module has no APIPromise export; not instrumenting');
      return false;
    }
    let patched = false;
    const errors: ClientErrors = {
      timeoutError: clientTimeoutError(module.APIConnectionTimeoutError),
      rejectFailed: failedCallRejecter(clientRefusalError(module.APIConnectionError)),
    };
    for (const target of targets) {
      const proto = target.proto as Record<string, unknown> | undefined;
      if (proto === undefined || typeof proto[target.method] !== 'function') continue;
      patched = true;
      // Patched already, as one of the client's files loaded (anthropic/instrumentation.ts), or
      // by another copy of this package: a second pipeline would retry each retry.
      if (hasBreakwaterPatch(proto[target.method])) continue;
      // Another instrumentation's patch is replaced by ours (see method-patch.ts).
      const replaced = installPatch(proto, target.method, (original) =>
        this.wrapMethod(original as Method, proto, target, APIPromise, errors, module),
      );
      if (replaced) this.warnOtherInstrumentation(module.family, target, true);
    }
    if (patched) clientSeen(module.family);
    return patched;
  }

  /** Restores every patched target (the inverse of {@link patchTargets}). */
  protected unpatchTargets(targets: readonly PatchTarget[]): void {
    for (const target of targets) {
      const proto = target.proto as Record<string, unknown> | undefined;
      if (proto !== undefined) removePatch(proto, target.method);
    }
  }

  private warnOtherInstrumentation(family: ClientFamily, target: PatchTarget, replaced: boolean): void {
    otherInstrumentationWarning(family, target.path, replaced, (m) => this._diag.warn(m));
  }

  private wrapMethod(
    original: Method,
    proto: Record<string, unknown>,
    target: PatchTarget,
    APIPromise: APIPromiseClass,
    { timeoutError, rejectFailed }: ClientErrors,
    { family, providerOf, deploymentOf }: PatchContext,
  ): Method {
    const instrumentation = this;
    // Another instrumentation patching after us wraps ours (see method-patch.ts): seen at the
    // first call, the earliest it can be, and looked for only then.
    let firstCall = true;
    return function breakwaterPatched(this: Resource, body: unknown, options?: unknown): APIPromiseLike {
      if (firstCall) {
        firstCall = false;
        if (isOtherInstrumentation(proto[target.method])) {
          instrumentation.warnOtherInstrumentation(family, target, false);
        }
      }
      let description: CallDescription;
      let env: CallEnv;
      try {
        const runtime = instrumentation.runtime();
        const capturing = instrumentation._config.captureMessageContent ?? runtime.captureMessageContent;
        const capture = capturing ? runtime.contentCapture : undefined;
        const client = this._client;
        const endpoint = endpointOf(family, client?.baseURL, providerOf?.(client), deploymentOf?.(client));
        description = target.describe(body, endpoint, capture);
        env = {
          runtime,
          tracer: instrumentation.tracer,
          metrics: instrumentation.genAiMetrics,
          APIPromise,
          timeoutError,
          rejectFailed,
        };
      } catch (error) {
        // Telemetry must never fail a call: without a description, run the call untouched.
        instrumentation._diag.error('could not describe call; running it uninstrumented', error);
        return original.call(this, body, options);
      }
      return guardedCall(env, this, this._client, original as never, body, options, description, target.path);
    };
  }
}
