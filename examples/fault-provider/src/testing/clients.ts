/** The real SDK clients the tests drive the provider with: no retries, a 5 s timeout. */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { FaultProvider } from '../server.ts';

export function openaiClient(fp: FaultProvider, apiKey = 'test-key'): OpenAI {
  return new OpenAI({ apiKey, baseURL: fp.openaiBaseUrl, maxRetries: 0, timeout: 5_000 });
}

export function anthropicClient(fp: FaultProvider): Anthropic {
  return new Anthropic({ apiKey: 'test-key', baseURL: fp.anthropicBaseUrl, maxRetries: 0, timeout: 5_000 });
}
