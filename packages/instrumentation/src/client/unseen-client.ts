/**
 * A client the module hooks never saw load is never patched: bundled into the app (esbuild and
 * webpack inline `openai` into the app's own file, leaving no `require` or `import` of it), imported
 * by an ES module app started without the loader hook, or installed under an npm alias not given
 * as `openaiAliases` / `anthropicAliases`; or required by a CommonJS app before `start()` (and not
 * again after). Its calls run with no span, no policy and the client's own retries, and nothing
 * said so.
 *
 * Told once per client, when such a client sends a request: Node's `fetch` publishes each request
 * on undici's diagnostics channel (Bun's global `fetch` is wrapped instead), and the clients name themselves in their User-Agent
 * (`OpenAI/JS 7.57.0`, `Anthropic/JS 1.12.0`). openai's is its class name, which a minifying
 * bundler renames (`hY/JS 7.57.0` from `next build`, whose server bundles are minified): such a
 * name, one to three characters, with a version of openai's (4 or later) is taken for openai's when
 * the request goes to one of the OpenAI API routes Breakwater patches, so other clients sharing
 * that User-Agent scheme (Groq's, Cerebras's, at 0.x and 1.x) are not mistaken for it however they
 * are bundled. The channel is listened to only while no hook has seen any client
 * module (nor `patch()` been given one): an app whose hooks work listens to nothing, so its calls
 * pay nothing, and such an app's clients are hardly bundled. A client with a `fetch` of its own is
 * not heard.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { diag } from '@opentelemetry/api';
import { CLIENT_PACKAGES, type ClientFamily } from './endpoint.ts';
import { unwatchFetch, watchFetch } from './fetch-watch.ts';

/** `process.emitWarning` code of the warning, for apps that filter or test for it. */
export const UNINSTRUMENTED_CLIENT_WARNING = 'BREAKWATER_UNINSTRUMENTED_CLIENT';

/** Where Node's fetch announces each request it creates. */
const CHANNEL = 'undici:request:create';

/**
 * Whether the runtime's `fetch` is undici's, which announces its requests on {@link CHANNEL}.
 * Bun's is its own and announces none: its global `fetch` is watched instead (fetch-watch.ts).
 */
const FETCH_ANNOUNCES = typeof process.versions.undici === 'string';

/** Which client a User-Agent names (its class name, so Azure's and Bedrock's clients too). */
const AGENTS: readonly (readonly [RegExp, ClientFamily])[] = [
  [/^(?:Azure|Bedrock)?OpenAI\/JS /, 'openai'],
  [/^Anthropic\/JS /, 'anthropic'],
];

/**
 * A class name as a minifier leaves it (`hY/JS 7.57.0`): openai's, if the path says so. The other
 * Stainless clients name themselves the same way and some call `…/chat/completions` too (Groq's
 * `/openai/v1/chat/completions`, Cerebras's, Together's); their versions are below openai's 4,
 * the first to send its class name, so only a version of 4 or later is taken for openai's.
 */
const MINIFIED_AGENT = /^[A-Za-z_$][\w$]{0,2}\/JS (?:[4-9]|[1-9]\d+)\./;

/** The OpenAI API routes whose calls Breakwater patches (also under Azure's deployment paths). */
const OPENAI_ROUTE = /\/(?:chat\/completions|responses|embeddings)(?:[/?]|$)/;

/**
 * The client's CommonJS entry as `require`'s cache names it (npm, pnpm; any separator). Only the
 * entry: the clients' ES module builds require some internal files of theirs too.
 */
const REQUIRED_ENTRY: Readonly<Record<ClientFamily, RegExp>> = {
  openai: /[\\/]node_modules[\\/]openai[\\/]index\.js$/,
  anthropic: /[\\/]node_modules[\\/]@anthropic-ai[\\/]sdk[\\/]index\.js$/,
};

/**
 * Clients seen and warned about, shared by every copy of this package in the process (the one
 * `--import` loaded and one bundled into the app): a client one copy's hooks saw is not unseen.
 */
interface Shared {
  readonly seen: Set<ClientFamily>;
  readonly warned: Set<ClientFamily>;
}
const KEY = Symbol.for('@breakwater/instrumentation.unseenClients');
const holder = globalThis as { [KEY]?: Shared };
holder[KEY] ??= { seen: new Set(), warned: new Set() };
const shared: Shared = holder[KEY];

/** Enabled instrumentations of each client, in this copy. */
const watching = new Map<ClientFamily, number>();
let listening = false;

/** An enabled instrumentation of `family` starts waiting for its module. */
export function watchClient(family: ClientFamily): void {
  watching.set(family, (watching.get(family) ?? 0) + 1);
  update();
}

/** An instrumentation of `family` was disabled. */
export function unwatchClient(family: ClientFamily): void {
  const count = (watching.get(family) ?? 0) - 1;
  if (count > 0) watching.set(family, count);
  else watching.delete(family);
  update();
}

/** A module of `family` reached an instrumentation (a hook, or `patch()`). */
export function clientSeen(family: ClientFamily): void {
  if (shared.seen.has(family)) return;
  shared.seen.add(family);
  update();
}

/** Listens while no client was seen and some watched client may still be told. */
function update(): void {
  const wanted = shared.seen.size === 0 && [...watching.keys()].some((family) => !shared.warned.has(family));
  if (wanted === listening) return;
  listening = wanted;
  if (!FETCH_ANNOUNCES) {
    if (wanted) watchFetch(onRequest);
    else unwatchFetch();
  } else if (wanted) subscribe(CHANNEL, onRequest);
  else unsubscribe(CHANNEL, onRequest);
}

function onRequest(message: unknown): void {
  // A throw here would reach the app as an uncaught exception: telemetry must never fail it.
  try {
    const request = (message as { request?: { headers?: unknown; origin?: unknown; path?: unknown } })
      .request;
    const family = clientOf(request?.headers, request?.path);
    if (family === undefined || !watching.has(family)) return;
    if (shared.seen.has(family) || shared.warned.has(family)) return;
    shared.warned.add(family);
    update();
    warn(family, typeof request?.origin === 'string' ? request.origin : undefined);
  } catch {
    // Nothing to tell: the request goes on untouched.
  }
}

/** The client a request's User-Agent names; undici keeps headers as a flat name/value list. */
function clientOf(headers: unknown, path: unknown): ClientFamily | undefined {
  if (!Array.isArray(headers)) return undefined;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i];
    if (typeof name !== 'string' || name.toLowerCase() !== 'user-agent') continue;
    const agent = String(headers[i + 1]);
    const named = AGENTS.find(([pattern]) => pattern.test(agent))?.[1];
    if (named !== undefined) return named;
    return MINIFIED_AGENT.test(agent) && typeof path === 'string' && OPENAI_ROUTE.test(path)
      ? 'openai'
      : undefined;
  }
  return undefined;
}

/**
 * Where an app names an npm alias of the client: the options users set (`moduleAliases` is the
 * instrumentation classes' own, which `start()` does not take).
 */
const ALIAS_OPTION: Readonly<Record<ClientFamily, string>> = {
  openai: 'openaiAliases (start() or breakwaterInstrumentations())',
  anthropic: 'anthropicAliases (start() or breakwaterInstrumentations())',
};

function warn(family: ClientFamily, origin: string | undefined): void {
  const name = CLIENT_PACKAGES[family];
  const message =
    `${name} sent a request${origin === undefined ? '' : ` to ${origin}`} that Breakwater does not ` +
    `instrument: ${requiredEarly(family) ? loadedEarly(name) : notSeen(family, name)}`;
  diag.warn(message);
  process.emitWarning(message, { code: UNINSTRUMENTED_CLIENT_WARNING });
}

/**
 * Whether `require` loaded the client before the hooks existed (a CommonJS app that requires it
 * before `start()`): its files are in require's cache, yet no hook saw them. Read once, when
 * warning.
 */
function requiredEarly(family: ClientFamily): boolean {
  try {
    // Any require shares the one cache; the path only has to be absolute.
    const cache = createRequire(join(process.cwd(), 'noop.js')).cache;
    return Object.keys(cache).some((path) => REQUIRED_ENTRY[family].test(path));
  } catch {
    return false;
  }
}

function loadedEarly(name: string): string {
  return (
    `${name} was loaded (require('${name}')) before Breakwater's module hooks were registered, so ` +
    "its calls run without Breakwater's spans, retries, timeouts or breakers, with the client's own " +
    `retries on. Call start() before the first require('${name}'), or start the app with ` +
    'node --import @breakwater/node/register.'
  );
}

function notSeen(family: ClientFamily, name: string): string {
  return (
    `no module hook saw ${name} load, so its calls run without Breakwater's spans, retries, ` +
    "timeouts or breakers, with the client's own retries on. Either it is bundled into the app " +
    `(esbuild, webpack, bun build): mark it external (--external:${name}) or give its module to ` +
    `instrument({ ${family} }) (see "Bundled apps" in the @breakwater/node README, and its "Next.js" ` +
    'section for a Next.js app); or an ES module app ' +
    'imported it without the loader hook (--import @breakwater/node/register); or it is installed under ' +
    `an npm alias not given as ${ALIAS_OPTION[family]}.`
  );
}
