// A LangGraph.js app under Breakwater (langgraph-instrument.mjs): a ReAct agent with two tools,
// its model a ChatOpenAI against the fault provider at FAULT_URL, run through the scenarios
// langgraph.test.ts asserts on. Prints what each gave, as JSON.
import { agent, refusalOf, tool } from '@breakwater/instrumentation';
import { tool as langchainTool } from '@langchain/core/tools';
import { END, MemorySaver, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { createReactAgent, ToolNode } from '@langchain/langgraph/prebuilt';
import { ChatOpenAI } from '@langchain/openai';
import { createAgent, modelRetryMiddleware } from 'langchain';
import { z } from 'zod';

const url = process.env.FAULT_URL;
// `maxRetries: 0`, as the README asks: Breakwater's attempts are the only retries.
const chat = (model, options = {}) =>
  new ChatOpenAI({ model, apiKey: 'k', configuration: { baseURL: `${url}/v1` }, maxRetries: 0, ...options });

// Breakwater's tools, each given to LangGraph as a LangChain tool that passes the model's input on.
const getWeather = tool('get_weather', async ({ city }) => `sunny in ${city}`);
const getStock = tool('get_stock', async ({ symbol }) => {
  throw new Error(`no quote for ${symbol}`);
});
const tools = [
  langchainTool((input) => getWeather(input), {
    name: 'get_weather',
    description: 'Weather for a city',
    schema: z.object({ city: z.string() }),
  }),
  langchainTool((input) => getStock(input), {
    name: 'get_stock',
    description: 'Stock quote for a symbol',
    schema: z.object({ symbol: z.string() }),
  }),
];

const ask = (text) => ({ messages: [{ role: 'user', content: text }] });
/** The messages of a run, as `type:content`. */
const transcript = (state) => state.messages.map((m) => `${m.getType()}:${m.content}`);

/** The ReAct loop as a graph of its own, so its model node can be given a `retryPolicy`. */
const reactGraph = (model, retryPolicy) =>
  new StateGraph(MessagesAnnotation)
    .addNode(
      'agent',
      async (state) => ({ messages: [await model.bindTools(tools).invoke(state.messages)] }),
      {
        retryPolicy,
      },
    )
    .addNode('tools', new ToolNode(tools))
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', (state) => (state.messages.at(-1).tool_calls?.length ? 'tools' : END))
    .addEdge('tools', 'agent')
    .compile();
// LangGraph's own retry policy (its default `retryOn` and 3 attempts), without its back-off.
const quickRetry = { initialInterval: 1, jitter: false, logWarning: false };
/** The README's `retryOn`: not a refusal, nor a 4xx answer other than 429. */
const retryUnlessRefused = (error) => {
  const status = error.status ?? 0;
  return refusalOf(error) === undefined && !(status >= 400 && status < 500 && status !== 429);
};

const results = {};
/** Runs one scenario as an agent named after it, so its spans are one trace under `invoke_agent {name}`. */
async function scenario(name, run) {
  try {
    results[name] = await agent(name, run, { provider: 'openai' })();
  } catch (error) {
    results[name] = { error: `${error.status ?? error.name}`, refusal: refusalOf(error)?.name };
  }
}

await scenario('agent', async () =>
  transcript(await createReactAgent({ llm: chat('gpt-lg'), tools }).invoke(ask('weather in Lisbon'))),
);
await scenario('tool-error', async () =>
  transcript(await createReactAgent({ llm: chat('gpt-lg'), tools }).invoke(ask('stock for ACME'))),
);
// get_stock's breaker opened on that failure: the refusal goes to the model the same way.
await scenario('tool-refused', async () =>
  transcript(await createReactAgent({ llm: chat('gpt-lg'), tools }).invoke(ask('stock for ACME'))),
);
await scenario('create-agent', async () =>
  transcript(await createAgent({ model: chat('gpt-lg-create'), tools }).invoke(ask('weather in Porto'))),
);

// One failing model call (503s), with and without a retry policy on its node.
await scenario('no-retry-policy', () => reactGraph(chat('gpt-lg-503')).invoke(ask('weather')));
await scenario('retry-policy', () =>
  reactGraph(chat('gpt-lg-503-retried'), quickRetry).invoke(ask('weather')),
);

// An open breaker: the first call opens it, the others are refused.
await scenario('opens', () => chat('gpt-lg-breaker').invoke('hi'));
await scenario('refused-retry-policy', () =>
  reactGraph(chat('gpt-lg-breaker'), quickRetry).invoke(ask('weather')),
);
await scenario('refused-retry-on', () =>
  reactGraph(chat('gpt-lg-breaker'), { ...quickRetry, retryOn: retryUnlessRefused }).invoke(ask('weather')),
);
// LangChain's own retries (a chat model's `maxRetries`; createAgent's retry middleware).
await scenario('refused-langchain-retries', () => chat('gpt-lg-breaker', { maxRetries: 1 }).invoke('hi'));
await scenario('refused-retry-middleware', () =>
  createAgent({
    model: chat('gpt-lg-breaker'),
    tools,
    middleware: [modelRetryMiddleware({ initialDelayMs: 1, jitter: false, onFailure: 'error' })],
  }).invoke(ask('weather')),
);

// A fallback answers a plain call; `streamMode: "messages"` streams the model's call.
const fallbackAgent = (options) => createReactAgent({ llm: chat('gpt-lg-fallback', options), tools });
await scenario('fallback-invoke', async () => transcript(await fallbackAgent().invoke(ask('hi'))));
const streamedMessages = async (graph, input) => {
  const texts = [];
  for await (const [message] of await graph.stream(input, { streamMode: 'messages' }))
    texts.push(message.content);
  return texts;
};
await scenario('fallback-messages', () => streamedMessages(fallbackAgent(), ask('hi')));
await scenario('fallback-messages-unstreamed', () =>
  streamedMessages(fallbackAgent({ disableStreaming: true }), ask('hi')),
);

// Token streaming, and a stream that breaks after its first chunks.
await scenario('messages', async () =>
  (
    await streamedMessages(createReactAgent({ llm: chat('gpt-lg-stream'), tools }), ask('weather in Faro'))
  ).join(''),
);
await scenario('messages-broken', () =>
  streamedMessages(createReactAgent({ llm: chat('gpt-lg-stream-broken'), tools }), ask('hello there')),
);

// A run that fails at its second model call, resumed from its checkpoint.
await scenario('checkpoint', async () => {
  const graph = createReactAgent({ llm: chat('gpt-lg-checkpoint'), tools, checkpointer: new MemorySaver() });
  const thread = { configurable: { thread_id: 'thread-1' } };
  const failed = await graph.invoke(ask('weather in Braga'), thread).then(
    () => 'completed',
    (error) => `${error.status}`,
  );
  const pending = (await graph.getState(thread)).next;
  return { failed, pending, resumed: transcript(await graph.invoke(null, thread)) };
});

// The caller gives up on a call that hangs.
await scenario('abort', () =>
  createReactAgent({ llm: chat('gpt-lg-hang'), tools }).invoke(ask('hi'), {
    signal: AbortSignal.timeout(200),
  }),
);

console.log(`results ${JSON.stringify(results)}`);
