/** Small HTTP helpers with timeouts (the demo talks only to its own children on 127.0.0.1). */

export interface HttpAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/** `method url [json]` → status and parsed JSON body (undefined when the body is not JSON). */
export async function request<T = unknown>(
  method: string,
  url: string,
  body?: unknown,
  timeoutMs = 5_000,
): Promise<HttpAnswer<T>> {
  const response = await fetch(url, {
    method,
    signal: AbortSignal.timeout(timeoutMs),
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed as T };
}

/** GET a JSON body; throws unless 2xx. */
export async function getJson<T>(url: string): Promise<T> {
  const answer = await request<T>('GET', url);
  if (answer.status < 200 || answer.status >= 300) throw new Error(`GET ${url} → ${answer.status}`);
  return answer.body;
}
