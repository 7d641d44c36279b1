/**
 * `node --conditions=@breakwater/source examples/agent-service/src/main.ts --help`: starts
 * Breakwater, points a real `openai` client at the fault provider (an embedded one unless
 * --provider-url is given) and runs the agent.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { type PolicyOverrides, PolicyResolver, type PolicyRule } from '@breakwater/instrumentation';
import { start } from '@breakwater/node';
import { ENV } from '@breakwater/protocol';
import type OpenAIClient from 'openai';
import { FALLBACK_ID_PREFIX } from './fallback-reply.ts';
import { FAULT_PRESETS, faultScripts, installOverHttp } from './faults.ts';
import { outcomeOf, startInspectServer } from './inspect.ts';
import { SpanTreeLog } from './span-log.ts';

const HELP = `agent-service: a small tool-calling agent using the Breakwater SDK

  --provider-url <url>   fault provider base URL (default: start one in-process)
  --faults <preset|json> what the provider does to chat calls: flaky (default in-process:
                         15 % 503, 5 % 429, 3 % resets), outage (4 ok, then 20 × 503), none,
                         or a fault script as JSON (installed over the control API on an
                         external --provider-url; default there: leave it as it is)
  --collector-url <url>  OTLP/HTTP endpoint, e.g. http://127.0.0.1:4318 (default: OTEL_* env;
                         with neither, telemetry stays in this process and its log)
  --[no-]spans           print each trace as a tree (default: on, except with
                         --inspect-port)
  --service-name <name>  service.name (default agent-service)
  --instance-id <id>     service.instance.id (default random)
  --model <name>         model to ask (default gpt-4o-mini)
  --requests <n>         questions to answer (default 5)
  --rate <n>             requests per second (default unpaced)
  --fallback             answer with a canned reply when the model keeps failing
  --api-key <key>        API key sent to the provider (default demo)
  --policy <json>        policy overrides for openai/* (PolicyOverrides JSON), e.g.
                         '{"breaker":{"openMs":2000},"retry":{"baseDelayMs":50}}'
  --inspect-port <n>     serve the inspection API on 127.0.0.1:<n> (0: a free port) and keep
                         running after the questions until SIGTERM (see README)
  --help                 this text`;

/** Ends the process with one line on stderr: bad flags and refused scripts are user errors. */
function fatal(error: unknown): never {
  // One line: Node's own flag errors span several.
  const message = error instanceof Error ? error.message : String(error);
  console.error(`agent-service: ${message.replace(/\s*\n\s*/g, ' ')}`);
  // Exit now: the provider or SDK may already be running and would keep the process alive.
  process.exit(1);
}

function parseFlags() {
  try {
    return parseArgs({
      options: {
        'provider-url': { type: 'string' },
        faults: { type: 'string' },
        spans: { type: 'boolean' },
        'collector-url': { type: 'string' },
        'service-name': { type: 'string', default: 'agent-service' },
        'instance-id': { type: 'string' },
        model: { type: 'string', default: 'gpt-4o-mini' },
        requests: { type: 'string', default: '5' },
        rate: { type: 'string' },
        fallback: { type: 'boolean', default: false },
        'api-key': { type: 'string', default: 'demo' },
        policy: { type: 'string' },
        'inspect-port': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      allowNegative: true,
    }).values;
  } catch (error) {
    fatal(error);
  }
}

const values = parseFlags();

/** `--policy`, checked as start() would check it: a bad one is a one-line error, not a warning. */
function parsePolicy(text: string | undefined): PolicyOverrides | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`--policy is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('--policy must be a JSON object (PolicyOverrides)');
  const overrides = value as PolicyOverrides;
  try {
    new PolicyResolver([{ match: 'openai/*', policy: overrides }]);
  } catch (error) {
    // One line: the policy check lists each problem on a line of its own.
    const [head, ...problems] = (error as Error).message.split('\n').map((line) => line.trim());
    throw new Error(`--policy: ${[head, problems.join('; ')].filter(Boolean).join(' ')}`);
  }
  return overrides;
}

/** A numeric flag, checked before anything starts: `Number('abc')` would run on as NaN. */
function numberFlag(name: string, text: string, check: (n: number) => boolean, what: string): number {
  const n = text.trim() === '' ? Number.NaN : Number(text);
  if (!check(n)) throw new Error(`--${name} must be ${what} (got ${JSON.stringify(text)})`);
  return n;
}

const isCount = (n: number) => Number.isInteger(n) && n >= 0;

/**
 * A URL flag, checked before anything starts: `localhost:8081` parses as a URL of the scheme
 * `localhost:`, and would run on with every call failing to connect.
 */
function urlFlag(name: string, text: string | undefined, example: string): string | undefined {
  if (text === undefined) return undefined;
  const protocol = URL.parse(text)?.protocol;
  if (protocol !== 'http:' && protocol !== 'https:')
    throw new Error(
      `--${name} must be an http:// or https:// URL, such as ${example} (got ${JSON.stringify(text)})`,
    );
  return text;
}

async function main(): Promise<void> {
  const requests = numberFlag('requests', values.requests, isCount, 'a whole number of at least 0');
  const rate =
    values.rate === undefined
      ? undefined
      : numberFlag(
          'rate',
          values.rate,
          (n) => Number.isFinite(n) && n > 0,
          'a number of calls per second above 0',
        );
  const inspectPort =
    values['inspect-port'] === undefined
      ? undefined
      : numberFlag(
          'inspect-port',
          values['inspect-port'],
          (n) => isCount(n) && n <= 65_535,
          'a port from 0 to 65535',
        );
  const inspecting = inspectPort !== undefined;
  const collectorUrl = urlFlag('collector-url', values['collector-url'], 'http://127.0.0.1:4318');
  const externalProvider = urlFlag('provider-url', values['provider-url'], 'http://127.0.0.1:8081');
  const instanceId = values['instance-id'] ?? randomUUID();
  // An empty model would run on with every call refused by the provider as a bad request.
  if (values.model.trim() === '') throw new Error('--model must name a model (got "")');
  const overrides = parsePolicy(values.policy);
  const policies: PolicyRule[] = [];
  if (overrides !== undefined) policies.push({ match: 'openai/*', policy: overrides });
  if (values.fallback) {
    policies.push({
      match: 'openai/*',
      policy: {
        fallback: {
          name: 'canned-reply',
          run: ({ dependency, error }) => {
            const cause = outcomeOf(error, bw.runtime);
            if (!inspecting) console.log(`fallback  ${dependency}: serving canned reply (${cause})`);
            return {
              id: `${FALLBACK_ID_PREFIX}${cause}`,
              object: 'chat.completion',
              created: 0,
              model: dependency,
              choices: [
                {
                  index: 0,
                  finish_reason: 'stop',
                  message: { role: 'assistant', content: 'Busy, try later.' },
                },
              ],
            };
          },
        },
      },
    });
  }
  // Parsed before anything starts, so a bad --faults is a one-line error, not a half-started agent.
  const faults = values.faults === undefined ? undefined : faultScripts(values.faults);
  const controlOff = !exportToConfiguredCollector(collectorUrl, process.env);
  const bw = start({
    serviceName: values['service-name'],
    serviceInstanceId: instanceId,
    ...(collectorUrl !== undefined ? { endpoint: collectorUrl } : {}),
    ...(controlOff ? { control: false as const } : {}),
    // Tagged like the SDK's default logger: a line that already names Breakwater is not named twice.
    logger: (m) => console.log(`[breakwater] ${m.replace(/^breakwater /, '')}`),
    policies,
    spanProcessors: (values.spans ?? !inspecting) ? [new SpanTreeLog()] : [],
  });
  // Loaded after start(), through `require`, so the client is instrumented: start() patches
  // CommonJS loads; an ESM `import('openai')` would need the loader hook of
  // `@breakwater/node/hook` (or `/register`), imported before the app, and would otherwise run
  // uninstrumented.
  const OpenAI = createRequire(import.meta.url)('openai').default as typeof OpenAIClient;
  const { runAgent } = await import('./agent.ts');
  let providerUrl = externalProvider;
  let close: (() => Promise<void>) | undefined;
  if (providerUrl === undefined) {
    const { startFaultProvider } = await import('@breakwater/fault-provider');
    const fp = await startFaultProvider();
    const scripts = faults ?? faultScripts('flaky');
    if (scripts.length > 0) fp.script(scripts);
    providerUrl = fp.url;
    close = () => fp.close();
    const named = values.faults === undefined || Object.hasOwn(FAULT_PRESETS, values.faults);
    console.log(`fault provider on ${fp.url} (faults: ${named ? (values.faults ?? 'flaky') : 'script'})`);
  } else if (faults !== undefined) {
    await installOverHttp(providerUrl, faults);
  }
  const client = new OpenAI({
    apiKey: values['api-key'],
    baseURL: `${providerUrl.replace(/\/+$/, '')}/v1`,
  });
  if (requests > 0) {
    const result = await runAgent({
      client,
      model: values.model,
      requests,
      ...(rate !== undefined ? { rate } : {}),
    });
    console.log(
      `done: ${result.ok} ok, ${result.fallbacks} by fallback, ${result.failed} failed, ${result.toolCalls} tool calls`,
    );
  }
  if (inspectPort !== undefined) {
    // Serve until SIGTERM/SIGINT: start() flushes telemetry and ends the process on those.
    const inspect = await startInspectServer({
      port: inspectPort,
      service: values['service-name'],
      instance: instanceId,
      runtime: bw.runtime,
      client,
    });
    console.log(`inspect listening on ${inspect.url}`);
    setInterval(() => {}, 1 << 30); // keep the process alive: the inspect server is unref'd
    return;
  }
  await close?.();
  await bw.shutdown();
}

/**
 * Exports each signal only where a collector is configured: without one, telemetry stays in the
 * process (the span log is where to look) instead of an exporter failing against localhost.
 * Returns whether any collector is known, for the fleet control client too.
 */
function exportToConfiguredCollector(collectorUrl: string | undefined, env: NodeJS.ProcessEnv): boolean {
  const endpoint = collectorUrl ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const traces = endpoint ?? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const metrics = endpoint ?? env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT;
  if (traces === undefined) env.OTEL_TRACES_EXPORTER ??= 'none';
  if (metrics === undefined) env.OTEL_METRICS_EXPORTER ??= 'none';
  if (traces === undefined && metrics === undefined)
    console.log('no --collector-url or OTEL_EXPORTER_OTLP_ENDPOINT: telemetry is not exported');
  // The control client finds the collector from the trace endpoint (see @breakwater/node).
  return traces !== undefined || env[ENV.COLLECTOR_URL] !== undefined;
}

// No top-level await: this module stays loadable with require() too.
if (values.help) console.log(HELP);
else main().catch(fatal);
