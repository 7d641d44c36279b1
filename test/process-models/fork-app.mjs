// A job runner under NODE_OPTIONS="--import @breakwater/node/register" that forks a child process
// per job (child_process.fork, which inherits the environment): the child makes three chat calls
// to the fault provider (PROVIDER_URL), flushes, and prints a JSON line saying who it is.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { start } from '@breakwater/node';
import { threeChatCalls } from './chat-calls.mjs';

const bw = start();
const me = { pid: process.pid, instance: bw.options.serviceInstanceId };
if (process.argv[2] !== 'job') {
  console.log(JSON.stringify({ role: 'runner', ...me }));
  fork(fileURLToPath(import.meta.url), ['job']);
} else {
  await threeChatCalls();
  await bw.forceFlush();
  console.log(JSON.stringify({ role: 'job', ...me }));
}
