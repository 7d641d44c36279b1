/**
 * `npm run fault-provider -- --port 8081`: runs the fault provider until interrupted.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FaultScriptError } from './faults/types.ts';
import { parseScripts } from './faults/validate.ts';
import { startFaultProvider } from './server.ts';

const HELP = `Usage: fault-provider [options]

An OpenAI-, Anthropic- and Gemini-compatible server with scripted faults.

Options:
  --port <n>           port to listen on (default 8081; 0 picks a free port)
  --host <addr>        interface to bind (default 127.0.0.1)
  --script <file>      install fault scripts from a JSON file at start-up
  --verbose            log one line per API request
  --help               show this help

API:      POST /v1/chat/completions, /v1/responses, /v1/embeddings (OpenAI)
          POST /v1/messages, /v1/messages/count_tokens (Anthropic)
Control:  GET|POST|PUT|DELETE /_control/faults, POST /_control/reset,
          GET /_stats, POST /_stats/reset, DELETE /_stats, GET /_health
`;

async function main(): Promise<number> {
  let values: { port?: string; host?: string; script?: string; verbose?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        script: { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  // Digits only: Number() would also take '' (0, a random port), '0x1f90' and ' 80 '.
  const rawPort = values.port ?? '8081';
  const port = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) {
    process.stderr.write(`--port must be an integer from 0 to 65535, got ${JSON.stringify(rawPort)}\n`);
    return 2;
  }

  let scripts: unknown;
  if (values.script !== undefined) {
    try {
      // Relative to where the user typed the command: `npm run` moves to the repository root first.
      scripts = JSON.parse(
        await readFile(resolve(process.env.INIT_CWD ?? process.cwd(), values.script), 'utf8'),
      );
    } catch (err) {
      process.stderr.write(`cannot read --script ${values.script}: ${(err as Error).message}\n`);
      return 2;
    }
    // Checked before listening: a bad script is the same usage error whether or not the port is free.
    try {
      parseScripts(scripts);
    } catch (err) {
      if (!(err instanceof FaultScriptError)) throw err;
      process.stderr.write(`invalid --script ${values.script}: ${err.message}\n`);
      return 2;
    }
  }

  const host = values.host ?? '127.0.0.1';
  let provider: Awaited<ReturnType<typeof startFaultProvider>>;
  try {
    provider = await startFaultProvider({
      port,
      host,
      log: values.verbose ? (line) => process.stdout.write(`${line}\n`) : undefined,
    });
  } catch (err) {
    // A taken port or an unknown host is the user's to fix: say so in one line, not a stack trace.
    process.stderr.write(`cannot listen on ${host}:${port}: ${(err as Error).message}\n`);
    return 1;
  }
  if (scripts !== undefined) provider.script(scripts as Parameters<typeof provider.script>[0]);
  process.stdout.write(
    `fault-provider listening on ${provider.url}\n` +
      `  OpenAI baseURL:    ${provider.openaiBaseUrl}\n` +
      `  Anthropic baseURL: ${provider.anthropicBaseUrl}\n` +
      `  Gemini baseURL:    ${provider.geminiBaseUrl}\n`,
  );

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await provider.close();
  return 0;
}

process.exitCode = await main();
