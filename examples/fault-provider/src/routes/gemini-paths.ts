/**
 * Gemini's paths name the model and the method (`/v1beta/models/gemini-2.5-flash:generateContent`),
 * so they are matched here rather than looked up whole. The API version (`v1`, `v1beta`,
 * `v1alpha`) is not checked; a tuned model (`/v1beta/tunedModels/{id}:…`) is the model
 * `tunedModels/{id}`.
 */
import { geminiBatchEmbedRoute, geminiEmbedRoute } from './gemini-embed.ts';
import { geminiGenerateRoute, geminiStreamRoute } from './gemini-generate.ts';
import type { Route } from './route.ts';

const PATH = /^\/v1(?:beta|alpha)?\/(models|tunedModels)\/([^/:]+):([A-Za-z]+)$/;

const METHODS: ReadonlyMap<string, Route> = new Map([
  ['generateContent', geminiGenerateRoute],
  ['streamGenerateContent', geminiStreamRoute],
  ['embedContent', geminiEmbedRoute],
  ['batchEmbedContents', geminiBatchEmbedRoute],
]);

/** The route a Gemini path reaches and the model it names, or undefined for any other path. */
export function geminiPathOf(path: string): { route: Route; model: string } | undefined {
  const match = PATH.exec(path);
  if (match === null) return undefined;
  const route = METHODS.get(match[3]!);
  if (route === undefined) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(match[2]!);
  } catch {
    return undefined;
  }
  return { route, model: match[1] === 'models' ? id : `tunedModels/${id}` };
}
