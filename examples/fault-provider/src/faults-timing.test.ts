import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import OpenAI from 'openai';
import { seededRandom } from './faults/random.ts';
import { startFaultProvider } from './server.ts';
import { openaiClient } from './testing/clients.ts';

const ask = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }] };

/** Runs `fn` against a provider on a manual clock and always closes it. */
async function withProvider(
  options: { random?: () => number },
  fn: (ctx: {
    clock: ManualClock;
    client: OpenAI;
    fp: Awaited<ReturnType<typeof startFaultProvider>>;
  }) => Promise<void>,
): Promise<void> {
  const clock = new ManualClock();
  const fp = await startFaultProvider({ clock, ...options });
  const client = openaiClient(fp, 'k');
  try {
    await fn({ clock, client, fp });
  } finally {
    await fp.close();
  }
}

/** The status of one chat call: 200 or the error status. */
async function statusOf(client: OpenAI): Promise<number> {
  try {
    await client.chat.completions.create(ask);
    return 200;
  } catch (err) {
    if (err instanceof OpenAI.APIError && err.status !== undefined) return err.status;
    throw err;
  }
}

/** The progress fields of a script's status. */
function pick(status: { step: number; stepRequests: number; requests: number } | undefined) {
  return status && { step: status.step, stepRequests: status.stepRequests, requests: status.requests };
}

/** A repeating 30 ms cycle: 10 ms of 503, then 20 ms of OK. */
const CYCLE_503_THEN_OK = {
  repeat: true,
  steps: [
    { fault: 'error', status: 503, durationMs: 10 },
    { fault: 'ok', durationMs: 20 },
  ],
} as const;

describe('sequences, windows, rates and latency', { timeout: 20_000 }, () => {
  it('runs a sequence: OK, 2 × 503, 1 × 429, then OK forever', async () => {
    await withProvider({}, async ({ client, fp }) => {
      fp.script({
        steps: [
          { fault: 'ok', count: 1 },
          { fault: 'error', status: 503, count: 2 },
          { fault: 'error', status: 429, count: 1 },
        ],
      });
      const seen: number[] = [];
      for (let i = 0; i < 6; i++) seen.push(await statusOf(client));
      assert.deepEqual(seen, [200, 503, 503, 429, 200, 200]);
      assert.equal(fp.faults()[0]?.exhausted, true);
    });
  });

  it('fails 100% for 60 s on the injected clock, then recovers', async () => {
    await withProvider({}, async ({ clock, client, fp }) => {
      fp.script({ route: 'openai.chat', steps: [{ fault: 'error', status: 503, durationMs: 60_000 }] });
      assert.equal(await statusOf(client), 503);
      clock.set(clock.now() + 59_999);
      assert.equal(await statusOf(client), 503);
      clock.set(clock.now() + 1);
      assert.equal(await statusOf(client), 200);
      assert.deepEqual(fp.stats().outcomes, { error_503: 2, ok: 1 });
    });
  });

  it('times a window by the elapsed time, not the wall clock, which NTP may step', async () => {
    await withProvider({}, async ({ clock, client, fp }) => {
      fp.script({ route: 'openai.chat', steps: [{ fault: 'error', status: 503, durationMs: 60_000 }] });
      clock.stepWall(3_600_000); // an hour forward: the window is not over
      assert.equal(await statusOf(client), 503);
      clock.stepWall(-7_200_000); // two hours back, then the minute passes: it is over
      await clock.advance(60_000);
      assert.equal(await statusOf(client), 200);
    });
  });

  it('chains windows: 10 s of 429s, then 10 s of 500s, then OK', async () => {
    await withProvider({}, async ({ clock, client, fp }) => {
      fp.script({
        steps: [
          { fault: 'error', status: 429, durationMs: 10_000 },
          { fault: 'error', status: 500, durationMs: 10_000 },
        ],
      });
      const at = async (offset: number) => {
        clock.set(start + offset);
        return statusOf(client);
      };
      const start = clock.now();
      assert.deepEqual(
        [await at(0), await at(9_999), await at(10_000), await at(19_999), await at(20_000)],
        [429, 429, 500, 500, 200],
      );
    });
  });

  it('repeats a cycle: fail 1, pass 2', async () => {
    await withProvider({}, async ({ client, fp }) => {
      fp.script({
        repeat: true,
        steps: [
          { fault: 'error', status: 500, count: 1 },
          { fault: 'ok', count: 2 },
        ],
      });
      const seen: number[] = [];
      for (let i = 0; i < 7; i++) seen.push(await statusOf(client));
      assert.deepEqual(seen, [500, 200, 200, 500, 200, 200, 500]);
    });
  });

  it('a repeating timed cycle keeps its phase across any idle time, from any step', async () => {
    await withProvider({}, async ({ client, clock, fp }) => {
      fp.script(CYCLE_503_THEN_OK);
      await clock.advance(15);
      assert.equal(await statusOf(client), 200, 'the second step');
      // A century idle, ending at the same phase (15 ms into a 30 ms cycle), then 5 ms into the
      // next cycle: skipped in whole cycles, not walked one by one (10^11 of them).
      await clock.advance(30 * 1e11);
      assert.equal(await statusOf(client), 200);
      await clock.advance(20);
      assert.equal(await statusOf(client), 503);
    });
  });

  it("a step that comes round again in a later cycle starts with none of the last round's requests", async () => {
    await withProvider({}, async ({ client, clock, fp }) => {
      fp.script(CYCLE_503_THEN_OK);
      await clock.advance(15);
      assert.equal(await statusOf(client), 200);
      assert.deepEqual(pick(fp.faults()[0]), { step: 1, stepRequests: 1, requests: 1 });
      // One whole cycle later the same step runs again, with no request of its own yet.
      await clock.advance(30);
      assert.deepEqual(pick(fp.faults()[0]), { step: 1, stepRequests: 0, requests: 1 });
    });
  });

  it('an error rate hits a deterministic fraction of requests with a seeded RNG', async () => {
    const run = async () => {
      let statuses: number[] = [];
      await withProvider({ random: seededRandom(42) }, async ({ client, fp }) => {
        fp.script({ steps: [{ fault: 'error', status: 503, rate: 0.3 }] });
        statuses = [];
        for (let i = 0; i < 60; i++) statuses.push(await statusOf(client));
        assert.equal(fp.count({ outcome: 'error_503' }), statuses.filter((s) => s === 503).length);
      });
      return statuses;
    };
    const first = await run();
    const failures = first.filter((s) => s === 503).length;
    assert.ok(failures >= 8 && failures <= 30, `expected about 18 failures, got ${failures}`);
    assert.deepEqual(await run(), first);
  });

  it("a mix fails each request at most one way, at each outcome's rate", async () => {
    const run = async () => {
      const seen: number[] = [];
      await withProvider({ random: seededRandom(7) }, async ({ client, fp }) => {
        fp.script({
          steps: [
            {
              fault: 'mix',
              outcomes: [
                { rate: 0.2, fault: 'error', status: 503 },
                { rate: 0.1, fault: 'error', code: 'rate_limit_exceeded', retryAfterMs: 5 },
              ],
            },
          ],
        });
        for (let i = 0; i < 200; i++) seen.push(await statusOf(client));
        const stats = fp.stats().routes['openai.chat']?.models['gpt-4o'];
        assert.equal(stats?.total, 200);
        assert.equal(stats?.outcomes.error_503, seen.filter((s) => s === 503).length);
        assert.equal(stats?.outcomes.error_429, seen.filter((s) => s === 429).length);
        assert.equal(stats?.outcomes.ok, seen.filter((s) => s === 200).length);
      });
      return seen;
    };
    const first = await run();
    const count = (status: number) => first.filter((s) => s === status).length;
    // 200 draws at 20 % and 10 %: far outside these bounds only if the draw ignored the rates.
    assert.ok(count(503) >= 25 && count(503) <= 60, `503s: ${count(503)}`);
    assert.ok(count(429) >= 8 && count(429) <= 35, `429s: ${count(429)}`);
    assert.equal(count(503) + count(429) + count(200), 200);
    assert.deepEqual(await run(), first, 'the same seed gives the same sequence');
  });

  it("a mix waits its latency before every answer; an outcome's own latency replaces it", async () => {
    // A draw of 0.5 lands in the second outcome; 0.9 lands past both and is answered normally.
    const draws = [0.05, 0.5, 0.9];
    await withProvider({ random: () => draws.shift() ?? 0.9 }, async ({ clock, client, fp }) => {
      fp.script({
        steps: [
          {
            fault: 'mix',
            latency: 1_000,
            outcomes: [
              { rate: 0.1, fault: 'error', status: 500 },
              { rate: 0.6, fault: 'error', status: 502, latency: 5_000 },
            ],
          },
        ],
      });
      const first = statusOf(client);
      await until(() => clock.pendingTimers === 1);
      await clock.advance(1_000);
      assert.equal(await first, 500);
      const second = statusOf(client);
      await until(() => clock.pendingTimers === 1);
      await clock.advance(4_999);
      assert.equal(clock.pendingTimers, 1, "the outcome waits its own 5 s, not the step's 1 s");
      await clock.advance(1);
      assert.equal(await second, 502);
      const third = statusOf(client);
      await until(() => clock.pendingTimers === 1);
      await clock.advance(1_000);
      assert.equal(await third, 200);
    });
  });

  it('fixed latency waits on the injected clock, not in real time', async () => {
    await withProvider({}, async ({ clock, client, fp }) => {
      fp.script({ steps: [{ fault: 'ok', latency: 30_000 }] });
      let done = false;
      const call = client.chat.completions.create(ask).then((r) => {
        done = true;
        return r;
      });
      await until(() => fp.count() === 1 && clock.pendingTimers === 1);
      await clock.advance(29_999);
      assert.equal(done, false);
      await clock.advance(1);
      const res = await call;
      assert.equal(res.choices[0]?.message.content, 'You said: hi');
    });
  });

  it('latency applies before an error too, and a client that leaves cancels the timer', async () => {
    await withProvider({}, async ({ clock, client, fp }) => {
      fp.script({ steps: [{ fault: 'error', status: 500, latency: 1_000 }] });
      const err = await client.chat.completions.create(ask, { timeout: 100 }).catch((e: unknown) => e);
      assert.ok(err instanceof OpenAI.APIConnectionTimeoutError);
      await until(() => clock.pendingTimers === 0);
      const pending = statusOf(client);
      await until(() => clock.pendingTimers === 1);
      await clock.advance(1_000);
      assert.equal(await pending, 500);
    });
  });

  it('lognormal latency draws from the seeded RNG and respects maxMs', async () => {
    const { sampleLatency } = await import('./faults/random.ts');
    const random = seededRandom(7);
    const samples = Array.from({ length: 2_000 }, () => sampleLatency({ medianMs: 100, sigma: 0.5 }, random));
    const sorted = [...samples].sort((a, b) => a - b);
    const median = sorted[1_000]!;
    assert.ok(median > 90 && median < 110, `median ${median}`);
    assert.ok(sorted[0]! > 0);
    const capped = Array.from({ length: 200 }, () =>
      sampleLatency({ medianMs: 100, sigma: 2, maxMs: 150 }, random),
    );
    assert.ok(capped.every((ms) => ms <= 150));
    const again = seededRandom(7);
    assert.equal(sampleLatency({ medianMs: 100, sigma: 0.5 }, again), samples[0]);
  });

  it('a lognormal draw beyond the timer range still waits (real clock), instead of answering at once', async () => {
    // A constant 0.99 puts the normal draw near +3 sigma: 1e9 ms × e³ ≈ 2e10 ms, past setTimeout's
    // 2^31 − 1 ms limit, where Node would fire after 1 ms.
    const fp = await startFaultProvider({ random: () => 0.99 });
    try {
      fp.script({ steps: [{ fault: 'ok', latency: { medianMs: 1_000_000_000, sigma: 1 } }] });
      const err = await openaiClient(fp)
        .chat.completions.create(ask, { timeout: 150 })
        .catch((e: unknown) => e);
      assert.ok(err instanceof OpenAI.APIConnectionTimeoutError, String(err));
    } finally {
      await fp.close();
    }
  });

  it('chunkDelayMs spaces stream frames on the injected clock', async () => {
    await withProvider({}, async ({ clock, client, fp }) => {
      fp.script({ steps: [{ fault: 'ok', chunkDelayMs: 500 }] });
      const stream = await client.chat.completions.create({ ...ask, stream: true });
      const iterator = stream[Symbol.asyncIterator]();
      assert.equal((await iterator.next()).value?.choices[0]?.delta.role, 'assistant');
      const next = iterator.next();
      await until(() => clock.pendingTimers === 1);
      await clock.advance(500);
      assert.equal((await next).value?.choices[0]?.delta.content, 'You');
      const rest = (async () => {
        let n = 0;
        for (let r = await iterator.next(); !r.done; r = await iterator.next()) n++;
        return n;
      })();
      for (let i = 0; i < 4; i++) {
        await until(() => clock.pendingTimers === 1);
        await clock.advance(500);
      }
      assert.equal(await rest, 3); // " said:", " hi", the finish chunk; then [DONE]
    });
  });
});

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
