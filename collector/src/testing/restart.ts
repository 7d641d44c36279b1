/**
 * Test support for restarts (excluded from the build): the whole collector, built-in components
 * and real HTTP receiver, started on a data directory that outlives it, and OTLP/JSON requests
 * to feed it.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '@breakwater/protocol';
import type { Logger } from '../component.ts';
import { parseConfig } from '../config/load.ts';
import { CollectorService } from '../service.ts';
import { silentLogger } from '../silent-logger.ts';

/** Starts the collector on `dataDir` (kept on shutdown) with `yaml` and a loopback listener. */
export function startOn(
  dataDir: string,
  yaml: string,
  options: { clock?: Clock; logger?: Logger } = {},
): Promise<CollectorService> {
  const config = parseConfig({ name: 'breakwater.yaml', text: yaml }, {}, [
    (doc) => {
      doc.listen = '127.0.0.1:0';
      doc.dataDir = dataDir;
    },
  ]);
  return CollectorService.start({ config, logger: options.logger ?? silentLogger, clock: options.clock });
}

/** One span of {@link otlpRequest}. */
export interface TestSpan {
  service?: string;
  /** `service.version` of the span's resource; none by default. */
  version?: string;
  operation?: string;
  durationMs?: number;
  failed?: boolean;
}

/** Posts spans as one OTLP/JSON request to the collector at `baseUrl`; throws unless it is 200. */
export async function postSpans(baseUrl: string, spans: readonly TestSpan[]): Promise<void> {
  const end = BigInt(Date.now()) * 1_000_000n;
  // One resource per service and version.
  const byResource = new Map<string, TestSpan[]>();
  for (const s of spans) {
    const key = JSON.stringify([s.service ?? 'checkout', s.version]);
    byResource.set(key, [...(byResource.get(key) ?? []), s]);
  }
  const body = {
    resourceSpans: [...byResource].map(([key, list]) => {
      const [service, version] = JSON.parse(key) as [string, string | null];
      return {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: service } },
            ...(version === null ? [] : [{ key: 'service.version', value: { stringValue: version } }]),
          ],
        },
        scopeSpans: [
          {
            scope: { name: 'restart-test' },
            spans: list.map((s) => ({
              traceId: randomBytes(16).toString('hex'),
              spanId: randomBytes(8).toString('hex'),
              name: `${s.operation ?? 'chat'} gpt-4o`,
              kind: 3,
              startTimeUnixNano: String(end - BigInt(s.durationMs ?? 100) * 1_000_000n),
              endTimeUnixNano: String(end),
              attributes: [
                { key: 'gen_ai.operation.name', value: { stringValue: s.operation ?? 'chat' } },
                { key: 'gen_ai.provider.name', value: { stringValue: 'openai' } },
                { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
                ...(s.failed === true
                  ? [{ key: 'breakwater.error.category', value: { stringValue: 'server_error' } }]
                  : []),
              ],
              status: { code: s.failed === true ? 2 : 1 },
            })),
          },
        ],
      };
    }),
  };
  const response = await fetch(`${baseUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`export answered ${response.status}`);
}

/** `n` copies of `span`. */
export function many(n: number, span: TestSpan = {}): TestSpan[] {
  return Array.from({ length: n }, () => span);
}
