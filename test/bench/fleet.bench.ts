/**
 * Fleet benchmarks (`npm run bench:fleet`), each measured in this one run: SSE fan-out of breaker
 * signals, then the outage load (issue 5 §5). The last line carries every key.
 */
import { measureFanout } from './fleet-fanout.ts';
import { measureOutage, round } from './fleet-outage.ts';

const subscribers = Number(process.env.FANOUT_SUBSCRIBERS ?? 200);
const rounds = Number(process.env.FANOUT_ROUNDS ?? 100);
const fanout = await measureFanout(subscribers, rounds);
const ms = (n: number) => Math.round(n * 100) / 100;
console.log(
  `fan-out: ${subscribers} SSE subscribers, ${rounds} decisions, ${fanout.samples} deliveries (target p99 ≤ 50 ms)`,
);
console.log(`fanout_p50_ms=${ms(fanout.p50)} fanout_p99_ms=${ms(fanout.p99)}`);

const outage = await measureOutage({
  replicas: Number(process.env.OUTAGE_REPLICAS ?? 20),
  rate: Number(process.env.OUTAGE_RATE ?? 5),
  warmupMs: Number(process.env.OUTAGE_WARMUP_MS ?? 5_000),
  outageMs: Number(process.env.OUTAGE_MS ?? 60_000),
  recoveryMaxMs: Number(process.env.OUTAGE_RECOVERY_MAX_MS ?? 90_000),
  log: (line) => console.log(line),
});
const naive = outage.naive.callsPerRequest;
const fleet = outage.fleet.callsPerRequest;
console.log(
  `outage targets: fleet ≤ 0.1 calls/request (${fleet <= 0.1 ? 'met' : 'MISSED'}), ≥ 95% fewer than naive (${round((1 - fleet / naive) * 100, 1)}% fewer: ${fleet <= naive * 0.05 ? 'met' : 'MISSED'}), every replica open within 2 s (${outage.timeToFleetOpenS <= 2 ? 'met' : 'MISSED'})`,
);
console.log(
  `time_to_full_traffic_s=${round(outage.fleet.timeToFullTrafficS, 2)} local_time_to_full_traffic_s=${round(outage.local.timeToFullTrafficS, 2)} time_to_all_refusing_s=${round(outage.fleet.timeToAllOpenS, 2)} local_time_to_all_refusing_s=${round(outage.local.timeToAllOpenS, 2)}`,
);
console.log(
  `fanout_p99_ms=${ms(fanout.p99)} outage_calls_per_request_naive=${round(naive)} local=${round(outage.local.callsPerRequest)} fleet=${round(fleet)} time_to_fleet_open_s=${round(outage.timeToFleetOpenS, 2)}`,
);
