/**
 * A small tool-calling agent: the real `openai` client, two tools, and a loop that answers a
 * question by calling tools the model asks for. Every LLM call runs through Breakwater's
 * instrumentation (retries, breaker, fallback) and every tool through `tool()`.
 */
import { agent, tool } from '@breakwater/instrumentation';
import type OpenAI from 'openai';
import { fallbackCause } from './fallback-reply.ts';

/** Options of {@link runAgent}. */
export interface RunAgentOptions {
  /** An `openai` client (created after Breakwater started, so it is instrumented). */
  readonly client: OpenAI;
  readonly model?: string;
  /** Questions to answer; default 1. */
  readonly requests?: number;
  /** Requests per second; default as fast as possible. */
  readonly rate?: number;
  /** One line per event (answers, fallbacks, failures). Default: console.log. */
  readonly log?: (line: string) => void;
}

/** What a run did. */
export interface RunAgentResult {
  /** Questions the model answered. */
  readonly ok: number;
  /** Questions the fallback answered (the model was out of reach). */
  readonly fallbacks: number;
  readonly failed: number;
  readonly toolCalls: number;
}

const TOOLS = [
  {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
  {
    type: 'function' as const,
    function: {
      name: 'search_docs',
      description: 'Search the product documentation',
      parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
    },
  },
];

const getWeather = tool(
  'get_weather',
  async (args: { city?: string }, _id: string) => `sunny in ${args.city ?? 'town'}`,
  {
    callId: (_args, id) => id,
  },
);
const searchDocs = tool(
  'search_docs',
  async (args: { query?: string }, _id: string) => `3 results for ${args.query ?? ''}`,
  {
    callId: (_args, id) => id,
  },
);
const TOOL_FNS: Record<string, (args: Record<string, string>, id: string) => Promise<string>> = {
  get_weather: getWeather,
  search_docs: searchDocs,
};

interface Counts {
  tools: number;
}

/** The agent's last word on a question, and whether the fallback said it. */
interface Answer {
  readonly text: string;
  readonly byFallback: boolean;
}

const QUESTIONS = [
  'What is the weather in Lisbon?',
  'Search the docs: how do I rotate an API key?',
  'Weather in Oslo tomorrow?',
];

/** Answers one question: LLM → tools → LLM. */
const answer = agent(
  'support-agent',
  async (client: OpenAI, model: string, question: string, counts: Counts): Promise<Answer> => {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: question }];
    for (let turn = 0; turn < 4; turn++) {
      const res = await client.chat.completions.create({ model, messages, tools: TOOLS });
      const msg = res.choices[0]?.message;
      const byFallback = fallbackCause(res) !== undefined;
      if (msg === undefined) return { text: '', byFallback };
      const calls = msg.tool_calls ?? [];
      if (calls.length === 0) return { text: msg.content ?? '', byFallback };
      messages.push(msg);
      for (const call of calls) {
        if (call.type !== 'function') continue;
        const fn = TOOL_FNS[call.function.name];
        const args = JSON.parse(call.function.arguments || '{}') as Record<string, string>;
        const output = fn === undefined ? `unknown tool ${call.function.name}` : await fn(args, call.id);
        counts.tools++;
        messages.push({ role: 'tool', tool_call_id: call.id, content: output });
      }
    }
    return { text: '', byFallback: false };
  },
  // The model behind the agent: the GenAI conventions want it on the invoke_agent span too.
  { provider: 'openai' },
);

/** Runs `requests` questions through the agent, paced at `rate` per second. */
export async function runAgent(options: RunAgentOptions): Promise<RunAgentResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const model = options.model ?? 'gpt-4o-mini';
  const total = options.requests ?? 1;
  const gapMs = options.rate !== undefined && options.rate > 0 ? 1000 / options.rate : 0;
  const counts: Counts = { tools: 0 };
  let ok = 0;
  let fallbacks = 0;
  let failed = 0;
  for (let i = 0; i < total; i++) {
    const question = QUESTIONS[i % QUESTIONS.length]!;
    const started = performance.now();
    try {
      const { text, byFallback } = await answer(options.client, model, question, counts);
      if (byFallback) fallbacks++;
      else ok++;
      const ms = (performance.now() - started).toFixed(0);
      log(`${byFallback ? 'fallback' : 'ok      '}  ${ms}ms  ${question} → ${text.slice(0, 60)}`);
    } catch (error) {
      failed++;
      const e = error as { name?: string; status?: number; message?: string } | null | undefined;
      // By class: the openai client's errors are all named plain `Error`.
      const kind = error instanceof Error ? error.constructor.name : (e?.name ?? typeof error);
      log(`FAIL  ${question} → ${kind}${e?.status !== undefined ? ` ${e.status}` : ''}: ${e?.message ?? ''}`);
    }
    if (gapMs > 0 && i + 1 < total) await new Promise((r) => setTimeout(r, gapMs));
  }
  return { ok, fallbacks, failed, toolCalls: counts.tools };
}
