/**
 * A client for the control API of a fault provider running in another process (`npm run
 * fault-provider`): the same operations as the in-process {@link FaultProvider} object, over HTTP.
 * Tests, the demo and the agent service drive a provider they did not start with it.
 */
import type { ScriptStatus } from './faults/script.ts';
import { type FaultScript, FaultScriptError, type RouteSelector } from './faults/types.ts';
import type { FaultProviderStats, StatsFilter } from './stats.ts';

/** What {@link FaultProviderClient.script} accepts: one script, several, or `{ scripts }`. */
export type ScriptsInput = FaultScript | readonly FaultScript[] | { scripts: readonly FaultScript[] };

/** The provider answered a control request with an error status (other than a refused script). */
export class FaultProviderRequestError extends Error {
  override readonly name = 'FaultProviderRequestError';
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

export interface FaultProviderClientOptions {
  /** Per-request timeout. Default 5000 ms. */
  timeoutMs?: number;
}

/**
 * Drives a fault provider over its control API. Every method is one HTTP request.
 *
 * Errors: a script the provider refuses throws {@link FaultScriptError} with the provider's
 * message (and, as with the in-process API, nothing is installed); any other error status throws
 * {@link FaultProviderRequestError}; an unreachable provider throws an `Error` naming the URL.
 */
export class FaultProviderClient {
  /** Base URL, e.g. `http://127.0.0.1:8081`. */
  readonly url: string;
  /** `baseURL` for the `openai` client: `${url}/v1`. */
  readonly openaiBaseUrl: string;
  /** `baseURL` for the `@anthropic-ai/sdk` client: `${url}`. */
  readonly anthropicBaseUrl: string;
  /** `baseURL` for Gemini clients (`@ai-sdk/google`): `${url}/v1beta`. */
  readonly geminiBaseUrl: string;
  private readonly timeoutMs: number;

  constructor(url: string, options: FaultProviderClientOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError(`fault provider URL is not a URL: ${JSON.stringify(url)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new TypeError(`fault provider URL must be http(s): ${url}`);
    }
    this.url = url.replace(/\/+$/, '');
    this.openaiBaseUrl = `${this.url}/v1`;
    this.anthropicBaseUrl = this.url;
    this.geminiBaseUrl = `${this.url}/v1beta`;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** Installs scripts, each replacing the one for the same target. Returns every installed script. */
  async script(scripts: ScriptsInput): Promise<ScriptStatus[]> {
    return (await this.call<{ scripts: ScriptStatus[] }>('POST', '/_control/faults', scripts)).scripts;
  }

  /** Replaces all scripts with `scripts` (none: removes them all). Returns the installed scripts. */
  async replaceFaults(scripts: readonly FaultScript[]): Promise<ScriptStatus[]> {
    if (scripts.length === 0) {
      await this.clearFaults();
      return [];
    }
    return (await this.call<{ scripts: ScriptStatus[] }>('PUT', '/_control/faults', scripts)).scripts;
  }

  /** Removes all scripts, or the one for a target. Returns how many were removed. */
  async clearFaults(target?: { route?: RouteSelector; model?: string; apiKey?: string }): Promise<number> {
    const query = new URLSearchParams();
    if (target?.route !== undefined) query.set('route', target.route);
    if (target?.model !== undefined) query.set('model', target.model);
    if (target?.apiKey !== undefined) query.set('apiKey', target.apiKey);
    const path = query.size === 0 ? '/_control/faults' : `/_control/faults?${query}`;
    return (await this.call<{ removed: number }>('DELETE', path)).removed;
  }

  /** Installed scripts and their progress. */
  async faults(): Promise<ScriptStatus[]> {
    return (await this.call<{ scripts: ScriptStatus[] }>('GET', '/_control/faults')).scripts;
  }

  /** Requests that arrived, per route, model and outcome. */
  stats(): Promise<FaultProviderStats> {
    return this.call<FaultProviderStats>('GET', '/_stats');
  }

  /** How many requests arrived matching the filter (all when omitted). */
  async count(filter: StatsFilter = {}): Promise<number> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(filter)) if (value !== undefined) query.set(name, value);
    if (query.size === 0) return (await this.stats()).total;
    return (await this.call<{ count: number }>('GET', `/_stats?${query}`)).count;
  }

  /** Zeroes the counts. */
  async resetStats(): Promise<void> {
    await this.call('POST', '/_stats/reset');
  }

  /** Removes every script and zeroes the counts. */
  async reset(): Promise<void> {
    await this.call('POST', '/_control/reset');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = this.url + path;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(body === undefined
          ? {}
          : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      text = await response.text();
    } catch (error) {
      const e = error as Error & { cause?: { message?: string } };
      throw new Error(`cannot reach the fault provider at ${url}: ${e.cause?.message ?? e.message}`);
    }
    if (response.ok) return JSON.parse(text) as T;
    const message = errorMessage(text) ?? `${response.status} ${response.statusText}`;
    if (response.status === 400 && path.startsWith('/_control/faults') && method !== 'DELETE') {
      // The provider's own validation message, e.g. "invalid fault script: steps[0]…".
      throw new FaultScriptError(message.replace(/^invalid fault script: /, ''));
    }
    throw new FaultProviderRequestError(`${method} ${url}: ${message}`, response.status);
  }
}

/** The `{ error: { message } }` of an error answer, when it has one. */
function errorMessage(text: string): string | undefined {
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}
