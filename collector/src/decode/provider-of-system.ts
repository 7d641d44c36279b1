/**
 * `gen_ai.provider.name` for a span that only has the deprecated `gen_ai.system` (older
 * instrumentations, such as Python's OpenAI one by default): the same values, except the few the
 * conventions renamed, so a Python and a Node replica calling one model share a dependency key.
 */
export function providerOfSystem(system: string | undefined): string | undefined {
  if (system === undefined) return undefined;
  return RENAMED[system] ?? system;
}

/** `gen_ai.system` values whose `gen_ai.provider.name` is spelled otherwise. */
const RENAMED: Readonly<Record<string, string>> = {
  'az.ai.openai': 'azure.ai.openai',
  'az.ai.inference': 'azure.ai.inference',
  vertex_ai: 'gcp.vertex_ai',
  gemini: 'gcp.gemini',
  xai: 'x_ai',
};
