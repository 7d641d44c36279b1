/**
 * Fleet benchmarks (`npm run bench:fleet`), each measured in this one run. The outage-load
 * benchmark (issue 5, §5) joins here once the SDK exists; the last line then carries every key.
 */
import { measureFanout } from './fleet-fanout.ts';

const subscribers = Number(process.env.FANOUT_SUBSCRIBERS ?? 200);
const rounds = Number(process.env.FANOUT_ROUNDS ?? 100);
const fanout = await measureFanout(subscribers, rounds);
const ms = (n: number) => Math.round(n * 100) / 100;
console.log(
  `fan-out: ${subscribers} SSE subscribers, ${rounds} decisions, ${fanout.samples} deliveries (target p99 ≤ 50 ms)`,
);
console.log(`fanout_p50_ms=${ms(fanout.p50)} fanout_p99_ms=${ms(fanout.p99)}`);
