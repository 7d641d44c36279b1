/**
 * `node examples/agent-service/src/main.ts --help`: starts Breakwater, points a real `openai`
 * client at the fault provider (an embedded one unless --provider-url is given) and runs the agent.
 */
import { parseArgs } from 'node:util';
import { start } from '@breakwater/node';

const HELP = `agent-service: a small tool-calling agent using the Breakwater SDK

  --provider-url <url>   fault provider base URL (default: start one in-process)
  --collector-url <url>  OTLP/HTTP endpoint, e.g. http://127.0.0.1:4318 (default: OTEL_* env)
  --service-name <name>  service.name (default agent-service)
  --instance-id <id>     service.instance.id (default random)
  --model <name>         model to ask (default gpt-4o-mini)
  --requests <n>         questions to answer (default 5)
  --rate <n>             requests per second (default unpaced)
  --fallback             answer with a canned reply when the model keeps failing
  --help                 this text`;

const { values } = parseArgs({
  options: {
    'provider-url': { type: 'string' },
    'collector-url': { type: 'string' },
    'service-name': { type: 'string', default: 'agent-service' },
    'instance-id': { type: 'string' },
    model: { type: 'string', default: 'gpt-4o-mini' },
    requests: { type: 'string', default: '5' },
    rate: { type: 'string' },
    fallback: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

async function main(): Promise<void> {
  const bw = start({
    serviceName: values['service-name'],
    ...(values['instance-id'] !== undefined ? { serviceInstanceId: values['instance-id'] } : {}),
    ...(values['collector-url'] !== undefined ? { endpoint: values['collector-url'] } : {}),
    logger: (m) => console.log(`[breakwater] ${m}`),
    policies: values.fallback
      ? [
          {
            match: 'openai/*',
            policy: {
              fallback: {
                name: 'canned-reply',
                run: ({ dependency }) => {
                  console.log(`fallback  ${dependency}: serving canned reply`);
                  return {
                    id: 'fallback',
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
          },
        ]
      : [],
  });
  // Loaded after start() so the client is instrumented (CommonJS require hook / ESM loader).
  const { default: OpenAI } = await import('openai');
  const { runAgent } = await import('./agent.ts');
  let providerUrl = values['provider-url'];
  let close: (() => Promise<void>) | undefined;
  if (providerUrl === undefined) {
    const { startFaultProvider } = await import('@breakwater/fault-provider');
    const fp = await startFaultProvider();
    providerUrl = fp.url;
    close = () => fp.close();
    console.log(`fault provider on ${fp.url}`);
  }
  const client = new OpenAI({ apiKey: 'demo', baseURL: `${providerUrl.replace(/\/+$/, '')}/v1` });
  const result = await runAgent({
    client,
    model: values.model,
    requests: Number(values.requests),
    ...(values.rate !== undefined ? { rate: Number(values.rate) } : {}),
  });
  console.log(`done: ${result.ok} ok, ${result.failed} failed, ${result.toolCalls} tool calls`);
  await close?.();
  await bw.shutdown();
}

// No top-level await: this module stays loadable with require() too.
if (values.help) console.log(HELP);
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
