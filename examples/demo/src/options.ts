/** Command-line flags of the demo and the timings of each mode. */
import { parseArgs } from 'node:util';

export const HELP = `npm run demo [-- options]      (or: node --conditions=@breakwater/source examples/demo/run.ts)

Starts a Breakwater collector, the fault provider and three replicas of an agent service, then
plays a story with a live log: healthy traffic → a provider outage for one model → the fleet
breaker opens and fallbacks serve → heal → ramp → closed → a canary release judged by the
deployment gate. Exits 0 when every stage happened as told, 1 otherwise (naming the stage).

  --short      CI mode: compressed timings, the whole story in well under a minute
  --keep       leave the collector running at the end for exploring (Ctrl-C to stop)
  --help       this text

Every child process is stopped on exit, on Ctrl-C and on failure. State lives in a temporary
data directory, removed at the end (kept with --keep).`;

/** Timings of one mode, in milliseconds unless named otherwise. */
export interface Timings {
  /** How long healthy traffic runs before the outage. */
  readonly healthyMs: number;
  /** How long the fleet breaker stays open (shown) before the outage heals. */
  readonly holdOpenMs: number;
  /** Questions per second per replica. */
  readonly rate: number;
  /** Questions per second of a canary replica. */
  readonly canaryRate: number;
  /** The collector's `fleet:` timings. */
  readonly fleet: {
    readonly openDuration: string;
    readonly stepDuration: string;
    readonly stepMaxDuration: string;
    readonly ttl: string;
    readonly closedTtl: string;
  };
  /** Local breaker open period in the replicas. */
  readonly localBreakerOpenMs: number;
  /** Stage time limits. */
  readonly limits: {
    readonly start: number;
    readonly open: number;
    readonly fallbacks: number;
    readonly ramp: number;
    readonly gate: number;
  };
}

export const NORMAL: Timings = {
  healthyMs: 8_000,
  holdOpenMs: 6_000,
  rate: 4,
  canaryRate: 8,
  fleet: { openDuration: '10s', stepDuration: '4s', stepMaxDuration: '10s', ttl: '10s', closedTtl: '4s' },
  localBreakerOpenMs: 5_000,
  limits: { start: 30_000, open: 20_000, fallbacks: 15_000, ramp: 60_000, gate: 60_000 },
};

export const SHORT: Timings = {
  healthyMs: 2_500,
  holdOpenMs: 0,
  rate: 4,
  canaryRate: 10,
  fleet: { openDuration: '3s', stepDuration: '1500ms', stepMaxDuration: '4s', ttl: '6s', closedTtl: '3s' },
  localBreakerOpenMs: 3_000,
  limits: { start: 20_000, open: 12_000, fallbacks: 8_000, ramp: 25_000, gate: 25_000 },
};

export interface DemoOptions {
  readonly short: boolean;
  readonly keep: boolean;
  readonly help: boolean;
  readonly timings: Timings;
}

/** Parses `argv` (without node and script); throws a readable error on unknown flags. */
export function parseOptions(argv: readonly string[]): DemoOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      short: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  return {
    short: values.short,
    keep: values.keep,
    help: values.help,
    timings: values.short ? SHORT : NORMAL,
  };
}
