/**
 * An app whose span batch is larger than nginx's default request body limit (1 MiB): 512 spans
 * (the SDK's batch size) with 3 KB of attributes each, as captured message content makes them.
 * Exports to the endpoint in argv[2] through `@breakwater/node`, prints the SDK's lines, exits.
 */
import { start } from '@breakwater/node';
import { trace } from '@opentelemetry/api';

const endpoint = process.argv[2];
if (endpoint === undefined) throw new Error('usage: big-batch.ts <OTLP endpoint>');
const bw = start({
  serviceName: 'big-batch',
  endpoint,
  control: false,
  handleSignals: false,
  metricIntervalMs: 3_600_000,
  logger: (line) => console.log(`[breakwater] ${line}`),
});
const tracer = trace.getTracer('big-batch');
for (let i = 0; i < 512; i++) {
  tracer
    .startSpan('chat gpt-4o', {
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.output.messages': `[{"role":"assistant","parts":[{"type":"text","content":"${'x'.repeat(3_000)}"}]}]`,
      },
    })
    .end();
}
await bw.forceFlush();
await bw.shutdown();
console.log('done');
