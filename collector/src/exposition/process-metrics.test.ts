import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessMetrics } from './process-metrics.ts';

function scrape(metrics: ProcessMetrics): string {
  const out: string[] = [];
  metrics.write(out);
  return `${out.join('\n')}\n`;
}

function value(text: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  assert.ok(match, `${name} in\n${text}`);
  return Number(match[1]);
}

describe('ProcessMetrics', () => {
  it('writes the process and runtime families under the client libraries names, valid for promtool', () => {
    const metrics = new ProcessMetrics();
    const text = scrape(metrics);
    assert.ok(value(text, 'process_resident_memory_bytes') > 1e6);
    assert.ok(value(text, 'process_cpu_seconds_total') > 0);
    const start = value(text, 'process_start_time_seconds');
    assert.ok(Math.abs(start - (Date.now() / 1000 - process.uptime())) < 5, `start time ${start}`);
    assert.ok(value(text, 'nodejs_heap_size_used_bytes') > 0);
    assert.match(text, new RegExp(`^nodejs_version_info\\{version="${process.version}"\\} 1$`, 'm'));
    if (process.platform === 'linux') {
      assert.ok(value(text, 'process_open_fds') > 2);
      assert.ok(value(text, 'process_max_fds') >= value(text, 'process_open_fds'));
    }
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
  });

  it('reports a blocked event loop at the next scrape, and only since the previous one', async () => {
    const metrics = new ProcessMetrics();
    metrics.start();
    try {
      scrape(metrics); // starts the window
      // The monitor's first tick after a reset only marks the time; the next ones record delays.
      await sleep(30);
      const until = performance.now() + 80;
      while (performance.now() < until) {} // the loop is blocked for 80 ms
      await sleep(30); // the monitor's next tick records the delay
      const blocked = scrape(metrics);
      assert.ok(value(blocked, 'nodejs_eventloop_lag_max_seconds') >= 0.05, blocked);
      assert.ok(value(blocked, 'nodejs_eventloop_lag_p50_seconds') < 0.05, blocked);
      await sleep(100);
      // The monitor's own 10 ms interval is not counted as delay (it would make every median ≥ 0.01).
      const after = scrape(metrics);
      assert.ok(value(after, 'nodejs_eventloop_lag_max_seconds') < 0.05, after);
      assert.ok(value(after, 'nodejs_eventloop_lag_p50_seconds') < 0.009, after);
    } finally {
      metrics.stop();
    }
  });
});
