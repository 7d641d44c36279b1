/**
 * `POST /v1/messages/count_tokens`: Anthropic's token counting, what `client.messages.countTokens()`
 * calls. Its own route id, `anthropic.count_tokens`, so counting a prompt never shows up as a
 * generation in `/_stats` and a script can fail one without the other (`anthropic` covers both).
 */
import { inputTokens } from '../canned.ts';
import { anthropicInput } from './anthropic-input.ts';
import type { ParsedRequest, Route } from './route.ts';

export const anthropicCountTokensRoute: Route = {
  id: 'anthropic.count_tokens',
  provider: 'anthropic',
  path: '/v1/messages/count_tokens',

  parse(body): ParsedRequest | string {
    // The same input checks as `/v1/messages`, minus `max_tokens`, which this endpoint does not take.
    const input = anthropicInput(body);
    if (typeof input === 'string') return input;
    const { model, turns } = input;
    return {
      model,
      stream: false,
      render: () => ({ kind: 'json', body: JSON.stringify({ input_tokens: inputTokens(turns) }) }),
    };
  },

  errorFrame(error) {
    // Counting never streams; a mid-stream fault on this route ends the body abruptly instead.
    return JSON.stringify({ type: 'error', error: error.error });
  },
};
