// A worker_threads app under NODE_OPTIONS="--import @breakwater/node/register", which runs in
// every thread too: two threads each make three chat calls to the fault provider (PROVIDER_URL),
// flush, and tell the main thread who they are; the main thread prints a JSON line for each.
import { isMainThread, parentPort, threadId, Worker } from 'node:worker_threads';
import { start } from '@breakwater/node';
import { threeChatCalls } from './chat-calls.mjs';

const bw = start();
const me = { pid: process.pid, threadId, instance: bw.options.serviceInstanceId };
if (isMainThread) {
  console.log(JSON.stringify({ role: 'main', ...me }));
  for (let i = 0; i < 2; i++) {
    new Worker(new URL(import.meta.url)).on('message', (m) => console.log(JSON.stringify(m)));
  }
} else {
  await threeChatCalls();
  // A thread may be terminated at any time (a pool reaping idle threads): flush per task.
  await bw.forceFlush();
  parentPort.postMessage({ role: 'thread', ...me });
}
