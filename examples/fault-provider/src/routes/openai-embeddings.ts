/** `POST /v1/embeddings`: deterministic unit vectors derived from each input's text. */
import { countTokens } from '../canned.ts';
import { seededRandom } from '../faults/random.ts';
import { optionalPositiveInt, type ParsedRequest, type Route } from './route.ts';

export const openaiEmbeddingsRoute: Route = {
  id: 'openai.embeddings',
  provider: 'openai',
  path: '/v1/embeddings',

  parse(body): ParsedRequest | string {
    const { model, input } = body;
    if (typeof model !== 'string' || model === '') return 'you must provide a model parameter';
    const inputs = normalizeInput(input);
    if (typeof inputs === 'string') return inputs;
    const dims = optionalPositiveInt(body.dimensions, 'dimensions');
    if (typeof dims === 'string') return dims;
    const format = body.encoding_format ?? 'float';
    if (format !== 'float' && format !== 'base64') return "'encoding_format' must be 'float' or 'base64'";
    const dimensions = dims ?? (model.includes('large') ? 3072 : 1536);

    return {
      model,
      stream: false,
      render() {
        let tokens = 0;
        const data = inputs.map((item, index) => {
          tokens += typeof item === 'string' ? countTokens(item) : item.length;
          const vector = embed(typeof item === 'string' ? item : item.join(','), dimensions);
          // The official client asks for base64 (little-endian float32) by default and decodes it.
          const embedding =
            format === 'base64' ? Buffer.from(vector.buffer).toString('base64') : Array.from(vector);
          return { object: 'embedding', index, embedding };
        });
        const response = {
          object: 'list',
          data,
          model,
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        };
        return { kind: 'json', body: JSON.stringify(response) };
      },
    };
  },

  errorFrame(error) {
    // Embeddings never stream; a mid-stream fault on this route ends the body abruptly instead.
    return JSON.stringify({ error: error.error });
  },
};

/** Input as a list of texts or token arrays; a string describes what is wrong. */
function normalizeInput(input: unknown): Array<string | number[]> | string {
  const invalid = "'input' must be a non-empty string, array of strings, or array of token arrays";
  if (typeof input === 'string') return input === '' ? invalid : [input];
  if (!Array.isArray(input) || input.length === 0) return invalid;
  if (input.every((x) => typeof x === 'number')) return [input as number[]];
  const out: Array<string | number[]> = [];
  for (const item of input) {
    if (typeof item === 'string' && item !== '') out.push(item);
    else if (Array.isArray(item) && item.length > 0 && item.every((x) => typeof x === 'number'))
      out.push(item);
    else return invalid;
  }
  return out;
}

/** A unit vector seeded from a hash of the text: equal texts embed equally. */
export function embed(text: string, dimensions: number): Float32Array {
  // FNV-1a over UTF-16 code units: a cheap, stable seed.
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  const random = seededRandom(hash);
  const vector = new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    const v = random() * 2 - 1;
    vector[i] = v;
    norm += v * v;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < dimensions; i++) vector[i] = vector[i]! * scale;
  return vector;
}
