/**
 * The collector process's own health on `/metrics`, under the names Prometheus client libraries
 * use (`process_*` as client_golang and prom-client write them, `nodejs_*` as prom-client does),
 * so stock Node.js dashboards and alerts work unchanged. Read at scrape time: nothing runs per
 * request, and the event-loop monitor is a libuv timer sampling every 10 ms.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { CollectorComponent } from '../component.ts';
import { writeFamily, writeSample } from './prometheus-text.ts';

const NS_PER_S = 1e9;
/** How often the event-loop monitor samples, ms. */
const LOOP_RESOLUTION_MS = 10;

/** One unlabelled family; without a value (not known on this platform) it is left out. */
type Family = readonly [name: string, help: string, value: number | undefined];

function writeFamilies(out: string[], type: 'counter' | 'gauge', families: readonly Family[]): void {
  for (const [name, help, value] of families) {
    if (value === undefined) continue;
    writeFamily(out, name, type, help);
    writeSample(out, name, undefined, value);
  }
}

/**
 * Writes process and Node.js runtime metrics. Event-loop delays are over the time since the
 * previous scrape (the monitor is reset by each), so two Prometheus servers scraping one collector
 * each see part of the delays.
 */
export class ProcessMetrics {
  private readonly loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });

  start(): void {
    this.loop.enable();
  }

  stop(): void {
    this.loop.disable();
  }

  write(out: string[]): void {
    const cpu = process.cpuUsage();
    writeFamilies(out, 'counter', [
      ['process_cpu_user_seconds_total', 'User CPU time spent, in seconds.', cpu.user / 1e6],
      ['process_cpu_system_seconds_total', 'System CPU time spent, in seconds.', cpu.system / 1e6],
      [
        'process_cpu_seconds_total',
        'User and system CPU time spent, in seconds.',
        (cpu.user + cpu.system) / 1e6,
      ],
    ]);
    const memory = process.memoryUsage();
    const { loop } = this;
    // The monitor records the time between its ticks, which includes its own interval: only what
    // exceeds that is delay. Without a sample since the last scrape there is none to report.
    const delay = (ns: number): number =>
      loop.count === 0 ? 0 : Math.max(0, ns / NS_PER_S - LOOP_RESOLUTION_MS / 1000);
    const gauges: Family[] = [
      [
        'process_start_time_seconds',
        'Start time of the process since the Unix epoch, in seconds.',
        performance.timeOrigin / 1000,
      ],
      ['process_resident_memory_bytes', 'Resident memory size, in bytes.', memory.rss],
      ['process_open_fds', 'Open file descriptors (Linux only).', openFds()],
      ['process_max_fds', 'Limit on open file descriptors (Linux only).', maxFds()],
      ['nodejs_heap_size_used_bytes', 'V8 heap in use, in bytes.', memory.heapUsed],
      ['nodejs_heap_size_total_bytes', 'V8 heap allocated, in bytes.', memory.heapTotal],
      [
        'nodejs_external_memory_bytes',
        'Memory of C++ objects bound to JavaScript objects, in bytes.',
        memory.external,
      ],
      [
        'nodejs_eventloop_lag_p50_seconds',
        'Median event-loop delay since the previous scrape, in seconds.',
        delay(loop.percentile(50)),
      ],
      [
        'nodejs_eventloop_lag_p99_seconds',
        '99th percentile of the event-loop delay since the previous scrape, in seconds.',
        delay(loop.percentile(99)),
      ],
      [
        'nodejs_eventloop_lag_max_seconds',
        'Longest event-loop delay since the previous scrape, in seconds.',
        delay(loop.max),
      ],
    ];
    loop.reset();
    writeFamilies(out, 'gauge', gauges);
    writeFamily(out, 'nodejs_version_info', 'gauge', 'Node.js version running the collector.');
    writeSample(out, 'nodejs_version_info', { version: process.version }, 1);
  }
}

/** Open descriptors from `/proc/self/fd` (one is the directory being read); undefined elsewhere. */
function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return undefined;
  }
}

/** The soft limit on open files from `/proc/self/limits`; undefined elsewhere or when unlimited. */
function maxFds(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.slice('Max open files'.length).trim().split(/\s+/)[0]);
    return Number.isFinite(soft) ? soft : undefined;
  } catch {
    return undefined;
  }
}

/** {@link ProcessMetrics} as a component of the service: its monitor runs while the service does. */
export function processMetricsComponent(): CollectorComponent {
  const metrics = new ProcessMetrics();
  return {
    name: 'process',
    start: () => metrics.start(),
    stop: () => metrics.stop(),
    writeMetrics: (out) => metrics.write(out),
  };
}
