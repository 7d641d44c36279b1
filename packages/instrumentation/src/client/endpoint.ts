/**
 * Where a client's calls go: the server, and the provider behind it (`gen_ai.provider.name`).
 *
 * The `openai` client also talks to Azure OpenAI and to the OpenAI-compatible APIs of other
 * providers, and the `@anthropic-ai/sdk` messages resource also serves Claude on AWS Bedrock and
 * Google Vertex AI. The provider is part of the dependency key, so naming it right keeps their
 * breakers apart: an Azure OpenAI outage must not open the breaker of the same model at OpenAI,
 * where an app fails over to. The conventions' well-known names are used where the client class
 * or the server's host says which provider it is; any other server keeps the client's own name.
 */
import { SEMCONV } from '@breakwater/protocol';
import { serverAttributes } from '../span-attributes.ts';
import type { AttributeMap } from './describe.ts';

/** The family of a client library: the API its requests speak. */
export type ClientFamily = 'openai' | 'anthropic';

/** The npm package of each client family: what apps install, import and are told about. */
export const CLIENT_PACKAGES: Readonly<Record<ClientFamily, string>> = {
  openai: 'openai',
  anthropic: '@anthropic-ai/sdk',
};

/** What a call description needs to know about where the call goes. */
export interface Endpoint {
  /** `gen_ai.provider.name`. */
  readonly provider: string;
  /** `server.address` and `server.port` (empty when the base URL does not parse). */
  readonly server: AttributeMap;
  /**
   * The Azure OpenAI deployment the client's deployment-scoped calls (chat completions,
   * embeddings) go to, whatever model their body names: from a base URL with a
   * `/deployments/{name}` segment, else the `AzureOpenAI` client's `deployment` option. Their
   * dependency key names it, so each deployment has its breaker.
   */
  readonly deployment?: string | undefined;
}

/** `gen_ai.provider.name` of OpenAI itself: the one the `openai.*` attributes belong to. */
export const OPENAI = 'openai';

/** `gen_ai.provider.name` of Azure OpenAI. */
export const AZURE_OPENAI = 'azure.ai.openai';

/** `gen_ai.provider.name` of AWS Bedrock. */
export const AWS_BEDROCK = 'aws.bedrock';

/** `gen_ai.provider.name` of Google Vertex AI. */
export const GCP_VERTEX_AI = 'gcp.vertex_ai';

/** A host rule: which hosts it takes, and the provider they belong to. */
type HostRule = readonly [takes: (host: string) => boolean, provider: string];

const exactly =
  (name: string) =>
  (host: string): boolean =>
    host === name;
const under =
  (domain: string) =>
  (host: string): boolean =>
    host.endsWith(`.${domain}`);
/** Vertex AI: `aiplatform.googleapis.com` and its regional `<region>-aiplatform.googleapis.com`. */
const vertex = (host: string): boolean =>
  host === 'aiplatform.googleapis.com' || host.endsWith('-aiplatform.googleapis.com');
/**
 * Bedrock's runtime endpoints (`bedrock-runtime.<region>.amazonaws.com`,
 * `bedrock-mantle.<region>.api.aws`), and their interface VPC endpoints
 * (`vpce-<id>.bedrock-runtime.<region>.vpce.amazonaws.com`).
 */
const bedrock = (host: string): boolean => {
  const service =
    host.startsWith('vpce-') && host.endsWith('.vpce.amazonaws.com')
      ? host.slice(host.indexOf('.') + 1)
      : host;
  return (
    service.startsWith('bedrock-') && (service.endsWith('.amazonaws.com') || service.endsWith('.api.aws'))
  );
};

/** Providers reached with the `openai` client (their OpenAI-compatible APIs). */
const OPENAI_FAMILY_HOSTS: readonly HostRule[] = [
  [under('openai.azure.com'), AZURE_OPENAI],
  [under('cognitiveservices.azure.com'), AZURE_OPENAI],
  [exactly('api.groq.com'), 'groq'],
  [exactly('api.deepseek.com'), 'deepseek'],
  [exactly('api.x.ai'), 'x_ai'],
  [exactly('api.mistral.ai'), 'mistral_ai'],
  [exactly('api.perplexity.ai'), 'perplexity'],
  [exactly('api.cohere.ai'), 'cohere'],
  [exactly('api.cohere.com'), 'cohere'],
  [exactly('generativelanguage.googleapis.com'), 'gcp.gemini'],
  [vertex, GCP_VERTEX_AI],
  [bedrock, AWS_BEDROCK],
];

/** Platforms serving Anthropic's Messages API (the Bedrock and Vertex clients build on this one). */
const ANTHROPIC_FAMILY_HOSTS: readonly HostRule[] = [
  [vertex, GCP_VERTEX_AI],
  [bedrock, AWS_BEDROCK],
];

/**
 * The provider a client of `family` reaches at `host`: a well-known one by its host, else the
 * client's own (`openai`, `anthropic`), which also covers local and self-hosted servers.
 */
export function providerForHost(family: ClientFamily, host: string | undefined): string {
  if (host === undefined) return family;
  const h = host.toLowerCase();
  for (const [takes, provider] of family === 'openai' ? OPENAI_FAMILY_HOSTS : ANTHROPIC_FAMILY_HOSTS) {
    if (takes(h)) return provider;
  }
  return family;
}

/** Cache keys of the endpoints whose provider the host decides (no provider name looks like these). */
const BY_HOST: Readonly<Record<ClientFamily, string>> = {
  openai: 'openai (by host)',
  anthropic: 'anthropic (by host)',
};
/**
 * Endpoints per server attributes object (cached per base URL), by provider or {@link BY_HOST}
 * (and the client's deployment, when it has one).
 */
const endpoints = new WeakMap<object, Map<string, Endpoint>>();

/**
 * The endpoint of a call to `baseURL` by a client of `family`. `provider` names it outright (an
 * `AzureOpenAI` client is Azure whatever its host); without it, the host decides. `deployment` is
 * the Azure client's own (its `deployment` option). Cached per base URL, provider and deployment:
 * the success path pays map lookups only.
 */
export function endpointOf(
  family: ClientFamily,
  baseURL: unknown,
  provider?: string,
  deployment?: string,
): Endpoint {
  const server = serverAttributes(baseURL) as AttributeMap;
  let byProvider = endpoints.get(server);
  if (byProvider === undefined) {
    byProvider = new Map();
    endpoints.set(server, byProvider);
  }
  const named = provider ?? BY_HOST[family];
  // NUL: neither a provider nor a deployment name holds one.
  const key = deployment === undefined ? named : `${named}\0${deployment}`;
  let endpoint = byProvider.get(key);
  if (endpoint === undefined) {
    const host = server[SEMCONV.SERVER_ADDRESS];
    const resolved = provider ?? providerForHost(family, typeof host === 'string' ? host : undefined);
    endpoint = Object.freeze({
      provider: resolved,
      server,
      deployment: resolved === AZURE_OPENAI ? azureDeployment(baseURL, deployment) : undefined,
    });
    byProvider.set(key, endpoint);
  }
  return endpoint;
}

/**
 * Where an Azure client's deployment-scoped calls go, as the client routes them: a base URL with a
 * `deployments` path segment is used as it is (to the name after it, if any); otherwise the
 * client inserts its `deployment` option.
 */
function azureDeployment(baseURL: unknown, option: string | undefined): string | undefined {
  if (typeof baseURL !== 'string') return option;
  let segments: string[];
  try {
    segments = new URL(baseURL).pathname.split('/');
  } catch {
    return option;
  }
  const at = segments.indexOf('deployments');
  if (at === -1) return option;
  const name = segments[at + 1];
  if (name === undefined || name === '') return undefined;
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}
