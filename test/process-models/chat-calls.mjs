// The LLM work of every process-model app: three chat calls to the fault provider (PROVIDER_URL)
// through a real openai client, which the register hook of the process or thread instruments.
import OpenAI from 'openai';

export async function threeChatCalls() {
  const openai = new OpenAI({ apiKey: 'test', baseURL: `${process.env.PROVIDER_URL}/v1` });
  for (let i = 0; i < 3; i++) {
    await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
  }
}
