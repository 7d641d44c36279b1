/**
 * One agent-service replica for the demo: the example agent (`runAgent` from
 * `@breakwater/example-agent-service`) on the Breakwater SDK, asking questions until stopped.
 *
 * It differs from `examples/agent-service/src/main.ts` only in what the demo needs: a
 * `service.version`, demo-speed retry and local-breaker timings, a canned-reply fallback that
 * records why it served, and machine-readable progress on stdout (one JSON object per line,
 * see {@link ReplicaEvent}) for the demo runner to narrate. It exits when stdin closes, so a
 * replica never outlives the runner that started it.
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { FALLBACK_ID_PREFIX, runAgent } from '@breakwater/example-agent-service';
import { start } from '@breakwater/node';

/** What a replica prints, one JSON object per line. Counters are cumulative. */
export type ReplicaEvent =
  | { e: 'ready' }
  | { e: 'stats'; stats: ReplicaStats }
  | { e: 'signal'; result: 'applied' | 'cleared'; state: string; allow?: number; ttlMs?: number }
  | { e: 'control'; connected: boolean }
  | { e: 'log'; message: string };

/** Cumulative counters of one replica. */
export interface ReplicaStats {
  /** Questions answered by the model. */
  model: number;
  /** Questions answered by the canned fallback. */
  fallback: number;
  /** Questions that failed outright. */
  failed: number;
  /** Fallbacks by cause: a fleet breaker refusal, a local breaker refusal, a provider error. */
  byCause: { fleet: number; local: number; provider: number };
}

export const FALLBACK_TEXT = 'Busy, try later.';

const { values } = parseArgs({
  options: {
    'collector-url': { type: 'string' },
    'provider-url': { type: 'string' },
    'service-name': { type: 'string', default: 'support-agent' },
    'service-version': { type: 'string', default: 'v1' },
    'instance-id': { type: 'string' },
    model: { type: 'string', default: 'gpt-4o-mini' },
    rate: { type: 'string', default: '5' },
    'metric-interval-ms': { type: 'string', default: '1000' },
    'breaker-open-ms': { type: 'string', default: '5000' },
  },
});

function emit(event: ReplicaEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

const stats: ReplicaStats = {
  model: 0,
  fallback: 0,
  failed: 0,
  byCause: { fleet: 0, local: 0, provider: 0 },
};

/**
 * Turns the SDK's log lines into events. The control client logs each change of a fleet override
 * as `fleet override applied|changed|lifted|expired: <text> {json}` (the line logger appends the
 * details as JSON).
 */
function sdkLog(message: string): void {
  const change = /^fleet override (applied|changed|lifted|expired): /.exec(message);
  const json = message.indexOf(' {"');
  if (change !== null && json !== -1) {
    try {
      const d = JSON.parse(message.slice(json + 1)) as { state?: string; allow?: number; ttlMs?: number };
      const lifted = change[1] === 'lifted' || change[1] === 'expired';
      emit({
        e: 'signal',
        result: lifted ? 'cleared' : 'applied',
        state: lifted ? 'closed' : (d.state ?? 'closed'),
        ...(!lifted && d.allow !== undefined ? { allow: d.allow } : {}),
        ...(!lifted && d.ttlMs !== undefined ? { ttlMs: d.ttlMs } : {}),
      });
      return;
    } catch {
      // fall through: logged as text
    }
  }
  if (message.startsWith('breakwater control stream connected')) emit({ e: 'control', connected: true });
  else emit({ e: 'log', message });
}

function causeOf(error: unknown): keyof ReplicaStats['byCause'] {
  const source = (error as { breakerSource?: unknown } | null)?.breakerSource;
  if (source === 'fleet') return 'fleet';
  if (source === 'local') return 'local';
  return 'provider';
}

async function main(): Promise<void> {
  const collectorUrl = values['collector-url'];
  const providerUrl = values['provider-url'];
  if (collectorUrl === undefined || providerUrl === undefined) {
    process.stderr.write('replica: --collector-url and --provider-url are required\n');
    process.exitCode = 2;
    return;
  }
  const bw = start({
    serviceName: values['service-name'],
    serviceVersion: values['service-version'],
    ...(values['instance-id'] !== undefined ? { serviceInstanceId: values['instance-id'] } : {}),
    endpoint: collectorUrl,
    metricIntervalMs: Number(values['metric-interval-ms']),
    logger: sdkLog,
    policies: [
      {
        match: 'openai/*',
        policy: {
          // Demo-speed backoff; the local breaker is left lenient so the fleet breaker (fed by
          // every replica) is the one that decides, and reopens after a short probe delay.
          retry: { baseDelayMs: 100, maxDelayMs: 800 },
          breaker: {
            consecutiveFailures: 40,
            minimumCalls: 40,
            failureRatio: 0.9,
            openMs: Number(values['breaker-open-ms']),
          },
          fallback: {
            name: 'canned-reply',
            run: ({ error, dependency }) => {
              const cause = causeOf(error);
              stats.byCause[cause]++;
              return {
                // The agent tells its fallback's answers by this id (`fallback:<cause>`).
                id: `${FALLBACK_ID_PREFIX}${cause}`,
                object: 'chat.completion',
                created: 0,
                model: dependency,
                choices: [
                  { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: FALLBACK_TEXT } },
                ],
              };
            },
          },
        },
      },
    ],
  });
  // Required (CommonJS) after start(), so the require hook instruments it; an ESM `import()`
  // would need the loader hook of `@breakwater/node/hook` (or `/register`), imported first.
  const { OpenAI } = createRequire(import.meta.url)('openai') as typeof import('openai');
  const client = new OpenAI({ apiKey: 'demo', baseURL: `${providerUrl.replace(/\/+$/, '')}/v1` });

  const timer = setInterval(() => emit({ e: 'stats', stats }), 250);
  timer.unref();
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void bw.shutdown().finally(() => process.exit(0));
  };
  // The runner holds our stdin open; when it goes away (even killed), so do we.
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();

  emit({ e: 'ready' });
  await runAgent({
    client,
    model: values.model,
    requests: Number.MAX_SAFE_INTEGER,
    rate: Number(values.rate),
    log: (line) => {
      if (line.startsWith('FAIL')) stats.failed++;
      else if (line.startsWith('fallback')) stats.fallback++;
      else stats.model++;
    },
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`replica failed: ${String(error)}\n`);
  process.exit(1);
});
