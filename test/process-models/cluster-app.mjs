// A node:cluster app, run as a deployment runs it: NODE_OPTIONS="--import
// @breakwater/node/register", inherited by every worker. The primary forks two workers and makes
// no LLM call; each worker makes three chat calls to the fault provider (PROVIDER_URL), flushes
// if FLUSH=1, prints a JSON line saying who it is, and then stays up as a server would.
import cluster from 'node:cluster';
import { start } from '@breakwater/node';
import { threeChatCalls } from './chat-calls.mjs';

// The register hook's instance (start() with no options returns it).
const bw = start();
const me = { pid: process.pid, instance: bw.options.serviceInstanceId };
if (cluster.isPrimary) {
  console.log(JSON.stringify({ role: 'primary', ...me }));
  for (let i = 0; i < 2; i++) cluster.fork();
} else {
  await threeChatCalls();
  if (process.env.FLUSH === '1') await bw.forceFlush();
  console.log(JSON.stringify({ role: 'worker', ...me }));
  setInterval(() => {}, 60_000);
}
