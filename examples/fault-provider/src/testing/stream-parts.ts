/** Reads an AI SDK model's stream of parts (`doStream`) to its end. */
import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';

export async function readParts(
  stream: ReadableStream<LanguageModelV4StreamPart>,
): Promise<LanguageModelV4StreamPart[]> {
  const parts: LanguageModelV4StreamPart[] = [];
  const reader = stream.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
  return parts;
}
