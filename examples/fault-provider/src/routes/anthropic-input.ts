/**
 * The input half of an Anthropic Messages request (`model`, `system`, `messages`), read the same
 * way for `POST /v1/messages` and `POST /v1/messages/count_tokens`: both validate it alike and
 * count the same tokens, so a count always predicts the `usage.input_tokens` of the real call.
 */
import { isRecord, type Turn } from '../canned.ts';
import { contentText } from './route.ts';

/** A request's model and its input as turns (the system prompt first, when there is one). */
export interface AnthropicInput {
  readonly model: string;
  readonly turns: Turn[];
}

/** Reads and checks the input fields; a string is the message of the 400 the API would send. */
export function anthropicInput(body: Record<string, unknown>): AnthropicInput | string {
  const { model, messages } = body;
  if (typeof model !== 'string' || model === '') return 'model: Field required';
  if (!Array.isArray(messages) || messages.length === 0) return 'messages: Field required';
  const turns: Turn[] = [];
  if (body.system !== undefined)
    turns.push({ role: 'system', text: contentText(body.system), toolResult: false });
  for (const m of messages) {
    if (!isRecord(m) || (m.role !== 'user' && m.role !== 'assistant')) {
      return "messages: each message needs role 'user' or 'assistant'";
    }
    turns.push(messageTurn(m.role, m.content));
  }
  return { model, turns };
}

function messageTurn(role: 'user' | 'assistant', content: unknown): Turn {
  if (Array.isArray(content)) {
    const results = content.filter((b) => isRecord(b) && b.type === 'tool_result') as Array<
      Record<string, unknown>
    >;
    // A user turn that returns tool results is what ends the tool-call round trip.
    if (results.length > 0) {
      return { role, text: results.map((r) => contentText(r.content)).join(' '), toolResult: true };
    }
    const texts = content.filter((b) => isRecord(b) && b.type === 'text');
    return { role, text: contentText(texts), toolResult: false };
  }
  return { role, text: contentText(content), toolResult: false };
}
