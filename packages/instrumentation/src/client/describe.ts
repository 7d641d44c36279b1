/**
 * Shared helpers for describing a GenAI call from its request body.
 */
import { dependencyKey, type GenAiOperation, SEMCONV } from '@breakwater/protocol';
import { AttributeSets } from '../attribute-sets.ts';
import type { Endpoint } from './endpoint.ts';

export type AttributeMap = Record<string, string | number | boolean | string[]>;

/** What {@link baseAttributes} gives a call description. */
export interface BaseDescription {
  readonly dependency: string;
  readonly spanName: string;
  /** Shared attribute sets for span starts and metric points. */
  readonly sets: AttributeSets;
  /** This call's own request attributes: a fresh object per call, the description adds to it. */
  readonly requestAttributes: AttributeMap;
}

interface CachedBase {
  readonly dependency: string;
  readonly spanName: string;
  readonly sets: AttributeSets;
}

/** Kinds of call remembered per endpoint; beyond that, descriptions are built per call. */
const MAX_KINDS_PER_ENDPOINT = 256;

/**
 * The kinds of call seen on one endpoint, by operation and model (`''` for none). Nested maps
 * rather than one joined key: the strings a call brings are looked up as they are, without
 * building a new string on every call.
 */
interface EndpointKinds {
  size: number;
  readonly byOperation: Map<string, Map<string, CachedBase>>;
  /** Deployment-scoped calls of an endpoint pinned to a deployment, keyed by it, not the model. */
  readonly byDeploymentOperation: Map<string, Map<string, CachedBase>>;
}

// Keyed by the endpoint object, which `endpointOf` caches per base URL, provider and deployment.
const cache = new WeakMap<Endpoint, EndpointKinds>();

/** `map`'s entry for `key`, made empty first if missing. */
function branch<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let child = map.get(key);
  if (child === undefined) {
    child = new Map();
    map.set(key, child);
  }
  return child;
}

function build(
  operation: GenAiOperation,
  provider: string,
  model: string | undefined,
  server: AttributeMap,
  keyModel: string | undefined,
): CachedBase {
  const metricAttributes: Record<string, string | number | boolean> = {
    [SEMCONV.GEN_AI_OPERATION_NAME]: operation,
    [SEMCONV.GEN_AI_PROVIDER_NAME]: provider,
  };
  if (model !== undefined) metricAttributes[SEMCONV.GEN_AI_REQUEST_MODEL] = model;
  for (const [k, v] of Object.entries(server)) if (!Array.isArray(v)) metricAttributes[k] = v;
  return {
    dependency: dependencyKey({ provider, model: keyModel }) ?? provider,
    spanName: model === undefined ? operation : `${operation} ${model}`,
    sets: new AttributeSets(metricAttributes),
  };
}

/**
 * The attributes every GenAI client call starts with. The dependency key, span name and shared
 * attribute sets are cached per kind of call, so repeated calls reuse the same strings (cheap
 * map lookups downstream) and objects. A `deploymentScoped` call (its path is one an Azure
 * client sends to a deployment) to an endpoint pinned to a deployment is keyed by that
 * deployment: the body's model does not say where it goes.
 */
export function baseAttributes(
  operation: GenAiOperation,
  endpoint: Endpoint,
  model: string | undefined,
  deploymentScoped = false,
): BaseDescription {
  let kinds = cache.get(endpoint);
  if (kinds === undefined) {
    kinds = { size: 0, byOperation: new Map(), byDeploymentOperation: new Map() };
    cache.set(endpoint, kinds);
  }
  const deployment = deploymentScoped ? endpoint.deployment : undefined;
  const byModel = branch(
    deployment === undefined ? kinds.byOperation : kinds.byDeploymentOperation,
    operation,
  );
  let base = byModel.get(model ?? '');
  if (base === undefined) {
    base = build(operation, endpoint.provider, model, endpoint.server, deployment ?? model);
    if (kinds.size < MAX_KINDS_PER_ENDPOINT) {
      byModel.set(model ?? '', base);
      kinds.size++;
    }
  }
  return {
    dependency: base.dependency,
    spanName: base.spanName,
    sets: base.sets,
    requestAttributes: {},
  };
}

/** `value` when it is a finite number. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A map's entries in index order (choices, content blocks and tool calls arrive by index). */
export function entriesByIndex<T>(map: ReadonlyMap<number, T>): [number, T][] {
  return [...map.entries()].sort((a, b) => a[0] - b[0]);
}

/** `value` when it is a string. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Plain-object view of an unknown value (or an empty one). */
export function obj(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/** Content there is but JSON cannot encode (a circular structure, a bigint): left out, said cut. */
export const UNENCODABLE: unique symbol = Symbol('unencodable content');

/** Captured content as JSON: its text, undefined for nothing to record, or {@link UNENCODABLE}. */
export type CapturedJson = string | undefined | typeof UNENCODABLE;

/**
 * JSON for content capture; undefined for nothing to record (`undefined`, a function), and
 * {@link UNENCODABLE} for content `JSON.stringify` throws on. Never throws.
 */
export function json(value: unknown): CapturedJson {
  try {
    return JSON.stringify(value);
  } catch {
    return UNENCODABLE;
  }
}

/** `value` when it is an integer (for int-typed attributes such as token counts and seeds). */
export function int(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

/** Stop sequences as the `string[]` the conventions ask for (a single string is one sequence). */
export function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return undefined;
  const out = value.filter((v): v is string => typeof v === 'string');
  return out.length > 0 ? out : undefined;
}

/**
 * `gen_ai.output.type` for a requested response format (`{ type: 'json_schema' | 'json_object' |
 * 'text' }`): structured output is `json`, plain text `text`.
 */
export function outputType(format: unknown): string | undefined {
  const type = str(obj(format).type);
  if (type === undefined) return undefined;
  if (type === 'json_schema' || type === 'json_object') return 'json';
  return type === 'text' ? 'text' : undefined;
}

/** Sets `key` when there is a value (request attributes are optional, never `undefined`). */
export function setIf(attributes: AttributeMap, key: string, value: AttributeMap[string] | undefined): void {
  if (value !== undefined) attributes[key] = value;
}
