// Breakwater for the LangGraph app, with the policies its scenarios need (no variable sets
// policies): node --import ./langgraph-instrument.mjs langgraph-app.mjs
import '@breakwater/node/hook';
import { start } from '@breakwater/node';

/** The fallback's answer, a chat completion as the provider would send it. */
const degraded = ({ input }) => ({
  id: 'chatcmpl-fallback',
  object: 'chat.completion',
  created: 0,
  model: input.model,
  choices: [{ index: 0, message: { role: 'assistant', content: 'degraded answer' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 0, completion_tokens: 2, total_tokens: 2 },
});

start({
  policies: [
    // Breakwater's default 3 attempts, without seconds of back-off in a test.
    { match: 'openai/*', policy: { retry: { baseDelayMs: 1, maxDelayMs: 2 } } },
    // Opens on 2 failures in a row, and stays open for the rest of the run.
    {
      match: 'openai/gpt-lg-breaker',
      policy: { breaker: { minimumCalls: 1, consecutiveFailures: 2, openMs: 600_000 } },
    },
    // A tool whose breaker opens on its first failure.
    {
      match: 'tool/get_stock',
      policy: { breaker: { minimumCalls: 1, consecutiveFailures: 1, openMs: 600_000 } },
    },
    { match: 'openai/gpt-lg-fallback', policy: { fallback: { name: 'degraded', run: degraded } } },
  ],
});
