/**
 * Azure OpenAI's paths to the OpenAI routes, so an `AzureOpenAI` client works unmodified: its
 * deployment paths (`/openai/deployments/{deployment}/chat/completions`, `/embeddings`), and the
 * unscoped `/openai/responses` and `/openai/v1/…` of its newer API. The deployment is not checked:
 * the client still names the model in the body, and faults and stats go by that model, as they do
 * for OpenAI's own paths.
 */
const DEPLOYMENT_PATH = /^\/openai\/deployments\/[^/]+(\/chat\/completions|\/embeddings)$/;

/** The OpenAI path (`/v1/…`) an Azure OpenAI path stands for, or undefined for any other path. */
export function openaiPathOf(azurePath: string): string | undefined {
  const deployment = DEPLOYMENT_PATH.exec(azurePath);
  if (deployment !== null) return `/v1${deployment[1]}`;
  if (azurePath === '/openai/responses') return '/v1/responses';
  if (azurePath.startsWith('/openai/v1/')) return azurePath.slice('/openai'.length);
  return undefined;
}
