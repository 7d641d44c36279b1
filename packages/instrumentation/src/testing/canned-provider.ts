import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The JSON request body of a model call, as far as a canned answer reads it. */
export interface CannedRequest {
  readonly model: string;
  readonly stream?: boolean;
}

/** A canned answer: a JSON body, or a whole server-sent-event stream. */
export type CannedAnswer = { readonly json: unknown } | { readonly sse: string };

/**
 * A provider on a free loopback port that answers every request with 200 and what `answer` makes
 * of its path and body: for usage fields the fault provider never sends (cache, reasoning tokens).
 */
export async function startCannedProvider(
  answer: (url: string, body: CannedRequest) => CannedAnswer,
): Promise<{ readonly origin: string; close(): void }> {
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => {
      text += c.toString('utf8');
    });
    req.on('end', () => {
      const made = answer(req.url ?? '', JSON.parse(text) as CannedRequest);
      if ('sse' in made) res.writeHead(200, { 'content-type': 'text/event-stream' }).end(made.sse);
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(made.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => server.close(),
  };
}
