/**
 * Subscriber side of the fan-out benchmark, in its own thread so parsing 200 streams does not
 * share an event loop with the server it measures. Opens N real HTTP SSE connections and
 * reports, per round (one dependency per round), when the signal reached each subscriber.
 */
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { port, subscribers } = workerData as { port: number; subscribers: number };
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
/** Arrival times (epoch ms, sub-ms precision) per dependency. */
const arrivals = new Map<string, number[]>();
let ready = 0;

function now(): number {
  return performance.timeOrigin + performance.now();
}

function onSignal(dependency: string, at: number): void {
  let list = arrivals.get(dependency);
  if (list === undefined) {
    list = [];
    arrivals.set(dependency, list);
  }
  list.push(at);
  if (list.length === subscribers) parentPort?.postMessage({ type: 'round', dependency, arrivals: list });
}

for (let i = 0; i < subscribers; i++) {
  const seen = new Set<string>();
  const req = request({ host: '127.0.0.1', port, path: '/v1/signals?service=bench', agent }, (res) => {
    res.setEncoding('utf8');
    let buffer = '';
    res.on('data', (chunk: string) => {
      const at = now();
      buffer += chunk;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.includes('event: snapshot')) {
          if (++ready === subscribers) parentPort?.postMessage({ type: 'ready' });
        } else if (block.includes('event: signal')) {
          const data = block.slice(block.indexOf('data: ') + 6);
          const { dependency } = JSON.parse(data) as { dependency: string };
          // Re-issues of an earlier round's signal are not new decisions.
          if (!seen.has(dependency)) {
            seen.add(dependency);
            onSignal(dependency, at);
          }
        }
      }
    });
  });
  req.end();
}

parentPort?.on('message', (message: { type: string }) => {
  if (message.type === 'stop') {
    agent.destroy();
    process.exit(0);
  }
});
