// A LangChain.js app run with `node --import @breakwater/node/register`: one `invoke()` per chat
// model, against the fault provider at FAULT_URL. Prints what each call gave, as JSON.
import { ChatAnthropic } from '@langchain/anthropic';
import { ChatOpenAI } from '@langchain/openai';

const url = process.env.FAULT_URL;
const openai = (model, options = {}) =>
  new ChatOpenAI({ model, apiKey: 'k', configuration: { baseURL: `${url}/v1` }, ...options });

// `maxRetries: 0`, as the README asks: Breakwater's attempts are the only retries.
const anthropic = (model, options = {}) =>
  new ChatAnthropic({ model, apiKey: 'k', anthropicApiUrl: url, maxRetries: 0, ...options });

const models = {
  anthropic: anthropic('claude-lc'),
  // A request with any beta goes to `beta.messages.create`: one given `betas`, and one offered a
  // built-in tool type whose beta ChatAnthropic adds itself.
  'anthropic-betas': anthropic('claude-lc-betas', { betas: ['some-feature-2025-01-01'] }),
  'anthropic-tool': anthropic('claude-lc-tool').bindTools([
    { type: 'web_fetch_20250910', name: 'web_fetch' },
  ]),
  openai: openai('gpt-lc', { maxRetries: 0 }),
  // LangChain's own default (6 retries), above the client.
  'openai-default': openai('gpt-lc-default'),
};
const results = {};
for (const [name, model] of Object.entries(models)) {
  try {
    results[name] = (await model.invoke('hi')).content;
  } catch (error) {
    results[name] = `error ${error.status}`;
  }
}
console.log(`results ${JSON.stringify(results)}`);
