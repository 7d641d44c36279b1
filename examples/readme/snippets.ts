/**
 * The README's TypeScript snippets, type-checked by `npm run typecheck` so the documentation
 * cannot drift from the APIs. Not run: the declared functions stand for the reader's own code.
 */
import {
  AnthropicInstrumentation,
  agent,
  OpenAIInstrumentation,
  tool,
  toolSignal,
} from '@breakwater/instrumentation';
import { Pipeline } from '@breakwater/resilience';

declare function fetchResults(query: string, signal?: AbortSignal): Promise<string[]>;
declare function summarize(results: string[]): Promise<string>;
declare function charge(
  order: { id: string },
  options: { signal: AbortSignal },
): Promise<{ receipt: string }>;
declare const order: { id: string };

export async function agentSnippet(): Promise<string> {
  const search = tool('search_web', async (query: string) => fetchResults(query, toolSignal()), {
    policy: {
      timeoutMs: 2_000,
      fallback: { name: 'no-results', run: () => [] },
    },
  });
  const supportAgent = agent(
    'support-agent',
    async (question: string) => {
      const results = await search(question);
      return summarize(results);
    },
    { provider: 'openai' },
  );
  const answer = await supportAgent('What is the refund policy?');
  return answer;
}

export async function pipelineSnippet(): Promise<{ receipt: string }> {
  const payments = new Pipeline({
    dependency: 'payments-api',
    attemptTimeout: 2_000,
    retry: { maxAttempts: 3 },
    breaker: { trip: { kind: 'consecutive', threshold: 5 } },
  });
  const receipt = await payments.execute(({ signal }) => charge(order, { signal }));
  return receipt;
}

/** Instrumentation README, "CommonJS and ESM": a client module loaded before instrumentation. */
export async function patchLoadedModules(): Promise<void> {
  new OpenAIInstrumentation().patch(await import('openai'));
  new AnthropicInstrumentation().patch(await import('@anthropic-ai/sdk'));
}
