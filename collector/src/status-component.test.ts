import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  type BreakerSignal,
  COLLECTOR_PATHS,
  type GateAnswer,
  ManualClock,
  type SloGroupStatus,
  type SloStatus,
} from '@breakwater/protocol';
import { STATUS_DELTA_EVENT, STATUS_DELTAS_PARAM, STATUS_EVENT } from './act/status-page/status-stream.ts';
import { deltaApplier } from './act/status-page/testing/delta-applier.ts';
import type { DependencyView, StatusSnapshot, StatusSources } from './act/status-page/types.ts';
import type { ComponentContext, Route } from './component.ts';
import type { CollectorConfig } from './config/schema.ts';
import { createStatusComponent, type StatusComponent } from './status-component.ts';
import { silentLogger, startTestService, type TestService } from './testing/helpers.ts';

const T0 = 1_700_000_000_000;
const applyDelta = deltaApplier();

function group(overrides: Partial<SloGroupStatus> = {}): SloGroupStatus {
  return {
    service: 'agent',
    windows: [
      { window: '5m', good: 990, total: 1000, errorRatio: 0.01, burnRate: 2 },
      { window: '1h', good: 9990, total: 10000, errorRatio: 0.001, burnRate: 0.2 },
    ],
    budgetRemaining: 0.8,
    exhaustionEtaMs: null,
    alerts: [],
    level: 'ok',
    topErrorCategories: [],
    exampleTraceIds: [],
    ...overrides,
  };
}

function slo(groups: SloGroupStatus[], name = 'chat-availability'): SloStatus {
  return {
    name,
    tier: 'business',
    sli: 'availability',
    objective: 0.995,
    window: '30d',
    evaluatedAt: T0,
    groups,
  };
}

/** A signal as the fleet hands it out: `ttlMs` is the time it has left. */
function signal(
  state: BreakerSignal['state'],
  issuedAt: number,
  dependency = 'openai/gpt-4o',
  ttlMs = 30_000,
): BreakerSignal {
  return {
    id: `sig-${dependency}-${issuedAt}`,
    kind: 'breaker',
    dependency,
    state,
    ttlMs,
    issuedAt,
    reason: {
      errorRatio: 0.9,
      window: '10s',
      volume: 40,
      instances: 2,
      topErrorTypes: [{ type: '503', count: 36 }],
    },
  };
}

const dependency: DependencyView = {
  dependency: 'openai/gpt-4o',
  service: undefined,
  state: 'closed',
  allow: undefined,
  windows: [
    {
      durationMs: 10_000,
      stats: {
        calls: 12,
        failures: 1,
        ratio: 1 / 12,
        failingInstances: 1,
        reportingInstances: 2,
        topErrorTypes: [],
      },
    },
  ],
};

const gate: GateAnswer = {
  decision: 'HALT',
  service: 'agent',
  version: '1.4.0',
  baseline: ['1.3.9'],
  reasons: [{ code: 'budget_low', message: 'budget nearly spent', slo: 'chat-availability' }],
  slos: [],
  window: '10m',
  evaluatedAt: T0 - 5_000,
};

/** Controllable sources, like the adapters the service wires over the real components. */
class FakeSources implements StatusSources {
  statuses: SloStatus[] = [slo([group(), group({ version: '1.3.9' })])];
  signalList: BreakerSignal[] = [];
  throwBreakers = false;
  private readonly listeners = new Set<() => void>();

  slos = async () => this.statuses;
  signals = () => ({ now: 0, signals: this.signalList });
  dependencies = () => [dependency];
  breakerStates = () => {
    if (this.throwBreakers) throw new Error('table unavailable');
    return [
      {
        service: 'agent',
        instanceId: 'pod-a',
        dependency: 'openai/gpt-4o',
        state: 'closed',
        timeMs: T0,
        receivedAtMs: T0,
      },
    ];
  };
  gateDecisions = () => [gate];
  onChange = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  emit(): void {
    for (const listener of this.listeners) listener();
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}

function context(clock: ManualClock): ComponentContext {
  return { config: {} as CollectorConfig, clock, logger: silentLogger, dataDir: '/nonexistent' };
}

/** A loopback server over a component's routes (exact paths only), like the collector's router. */
async function serve(routes: readonly Route[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const route = routes.find((r) => r.method === req.method && r.path === url.pathname);
    if (route === undefined) res.writeHead(404).end();
    else void route.handle(req, res, url, []);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** An SSE client over node:http that hands out parsed events and comments as they arrive. */
class SseClient {
  readonly events: { event: string; id: string; data: string }[] = [];
  comments = 0;
  ended = false;
  private buffer = '';
  private waiters = new Set<() => void>();
  private req: ReturnType<typeof request> | undefined;

  static async open(
    url: string,
    headers: Record<string, string> = {},
  ): Promise<{ client: SseClient; res: IncomingMessage }> {
    const client = new SseClient();
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } });
    client.req = req;
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => client.feed(chunk));
    res.on('end', () => {
      client.ended = true;
      client.wake();
    });
    res.on('error', () => undefined);
    req.on('error', () => undefined);
    return { client, res };
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    for (let end = this.buffer.indexOf('\n\n'); end >= 0; end = this.buffer.indexOf('\n\n')) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments++;
        const colon = line.indexOf(': ');
        if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 2);
      }
      if (fields.data !== undefined)
        this.events.push({ event: fields.event ?? '', id: fields.id ?? '', data: fields.data });
    }
    this.wake();
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
  }

  /** Resolves once `predicate` holds, or fails after `ms` of real time. */
  async until(what: string, predicate: () => boolean, ms = 3_000): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, ms);
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  /** The snapshot a viewer holds after event `index`: the last full one with the deltas since applied. */
  snapshot(index: number): StatusSnapshot {
    let start = index;
    while (this.events[start]!.event !== STATUS_EVENT) start--;
    let snapshot = JSON.parse(this.events[start]!.data) as StatusSnapshot;
    for (let i = start + 1; i <= index; i++)
      snapshot = applyDelta(snapshot, JSON.parse(this.events[i]!.data));
    return snapshot;
  }

  close(): void {
    this.req?.destroy();
  }
}

/** Lets socket I/O happen (real time) while the manual clock stands still. */
const io = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createStatusComponent', () => {
  let clock: ManualClock;
  let sources: FakeSources;
  let component: StatusComponent;
  let server: Server;
  let url: string;

  before(async () => {
    clock = new ManualClock(T0);
    sources = new FakeSources();
    component = createStatusComponent(context(clock), sources);
    await component.start?.();
    ({ server, url } = await serve(component.routes ?? []));
  });

  after(async () => {
    await component.stop?.();
    server.closeAllConnections();
    server.close();
  });

  it('declares its routes with the right scopes', () => {
    assert.equal(component.name, 'status');
    assert.deepEqual(
      component.routes?.map((r) => [r.method, r.path, r.scope]),
      [
        ['GET', COLLECTOR_PATHS.STATUS_PAGE, 'public'],
        ['GET', COLLECTOR_PATHS.STATUS, 'admin'],
        ['GET', COLLECTOR_PATHS.STATUS_EVENTS, 'admin'],
      ],
    );
  });

  it('serves the page shell with a hash-pinned CSP and no data in it', async () => {
    const response = await fetch(`${url}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const html = await response.text();
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    assert.ok(csp.includes(`script-src ${hash(script)}`), 'script hash in CSP');
    assert.ok(csp.includes(`style-src ${hash(style)}`), 'style hash in CSP');
    // The only URL is the SVG namespace; the only link an empty inline icon (no favicon request).
    const own = html
      .replaceAll("'http://www.w3.org/2000/svg'", '')
      .replace('<link rel="icon" href="data:,">', '');
    assert.doesNotMatch(own, /https?:\/\/|@import|url\(|src=|href=/, 'no external resources');
    assert.doesNotMatch(
      html,
      /innerHTML|outerHTML|insertAdjacentHTML|document\.write/,
      'no HTML parsing of data',
    );
    assert.doesNotMatch(html, /chat-availability|openai\/gpt-4o/, 'no collector data in the public shell');
  });

  it('GET /v1/status returns every section', async () => {
    sources.signalList = [
      signal('open', T0 - 1_000, 'openai/gpt-4o', 29_000),
      // No time left: expired. Its issuedAt says nothing; the fleet times TTLs on the monotonic clock.
      signal('open', T0 - 1_000, 'anthropic/claude', 0),
      // Issued "60 s ago" by a wall clock that has stepped forward since, with 12 s still left.
      signal('half_open', T0 - 60_000, 'google/gemini', 12_000),
    ];
    sources.statuses = [
      slo([
        group({
          alerts: [
            {
              severity: 'page',
              longWindow: '1h',
              shortWindow: '5m',
              threshold: 14.4,
              longBurnRate: 20,
              shortBurnRate: 30,
            },
          ],
        }),
        group({ version: '1.3.9' }),
      ]),
    ];
    const response = await fetch(`${url}${COLLECTOR_PATHS.STATUS}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const body = (await response.json()) as StatusSnapshot;
    assert.equal(body.now, T0);
    assert.deepEqual(body.available, {
      signals: true,
      slos: true,
      dependencies: true,
      breakerStates: true,
      alerts: true,
      gateDecisions: true,
    });
    assert.deepEqual(body.errors, {});
    // The expired signal is left out; live ones keep their issuedAt and the ttlMs they were
    // handed out with (the time left), open first.
    assert.deepEqual(
      body.signals.map((s) => [s.dependency, s.state, s.issuedAt, s.ttlMs]),
      [
        ['openai/gpt-4o', 'open', T0 - 1_000, 29_000],
        ['google/gemini', 'half_open', T0 - 60_000, 12_000],
      ],
    );
    assert.equal(body.slos.length, 1);
    const [summed, versioned] = body.slos[0]!.groups;
    assert.deepEqual(summed?.budgetHistory, [[T0, 0.8]], 'sampled once at start');
    assert.deepEqual(versioned?.budgetHistory, []);
    assert.deepEqual(body.dependencies, [
      {
        dependency: 'openai/gpt-4o',
        state: 'closed',
        windows: [
          {
            window: '10s',
            calls: 12,
            failures: 1,
            ratio: 1 / 12,
            failingInstances: 1,
            reportingInstances: 2,
            topErrorTypes: [],
          },
        ],
      },
    ]);
    assert.equal(body.breakerStates[0]?.instanceId, 'pod-a');
    assert.deepEqual(
      body.alerts.map((a) => [a.name, a.severity, a.state, a.labels.slo, a.startsAt]),
      [['BreakwaterErrorBudgetBurn', 'page', 'firing', 'chat-availability', T0]],
    );
    assert.match(body.alerts[0]!.summary, /burning 20x over 1h/);
    assert.deepEqual(
      body.gateDecisions.map((g) => g.decision),
      ['HALT'],
    );
  });

  it('a failing source blanks only its own section', async () => {
    sources.throwBreakers = true;
    try {
      const body = (await (await fetch(`${url}${COLLECTOR_PATHS.STATUS}`)).json()) as StatusSnapshot;
      assert.deepEqual(body.errors, { breakerStates: 'table unavailable' });
      assert.deepEqual(body.breakerStates, []);
      assert.equal(body.slos.length, 1);
    } finally {
      sources.throwBreakers = false;
    }
  });

  it('samples budget history on the interval and lists resolved alerts', async () => {
    sources.statuses = [slo([group({ budgetRemaining: 0.7 })])];
    await clock.advance(10_000);
    sources.statuses = [slo([group({ budgetRemaining: 0.6 })])];
    await clock.advance(10_000);
    const body = await component.snapshot();
    assert.deepEqual(body.slos[0]!.groups[0]!.budgetHistory, [
      [T0, 0.8],
      [T0 + 10_000, 0.7],
      [T0 + 20_000, 0.6],
    ]);
    assert.deepEqual(
      body.alerts.map((a) => [a.state, a.startsAt, a.endsAt]),
      [['resolved', T0, T0 + 10_000]],
    );
  });

  it('SSE: a snapshot on connect, then a change event no sooner than 1 s later, heartbeats between', async () => {
    sources.signalList = [];
    const { client, res } = await SseClient.open(`${url}${COLLECTOR_PATHS.STATUS_EVENTS}`);
    try {
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['content-type'] ?? '', /^text\/event-stream/);
      await clock.advance(0);
      await client.until('the first snapshot', () => client.events.length === 1);
      const first = client.snapshot(0);
      assert.equal(client.events[0]!.event, 'status');
      assert.deepEqual(first.signals, []);
      const connectedAt = clock.now();

      // Nothing changed: polls find the same fingerprint and send nothing.
      await clock.advance(1_000);
      await io();
      assert.equal(client.events.length, 1);

      // A signal opens and the fleet announces it; the stream sends it once the 1 s limit allows.
      sources.signalList = [signal('open', clock.now())];
      sources.emit();
      await clock.advance(0);
      await client.until('the change event', () => client.events.length === 2);
      const second = client.snapshot(1);
      assert.ok(second.now - connectedAt >= 1_000, 'at most one snapshot per second');
      assert.deepEqual(
        second.signals.map((s) => [s.dependency, s.state]),
        [['openai/gpt-4o', 'open']],
      );
      assert.notEqual(client.events[1]!.id, client.events[0]!.id);

      // A burst of changes within the second collapses into one event at the limit.
      sources.signalList = [signal('half_open', clock.now())];
      sources.emit();
      sources.emit();
      await clock.advance(500);
      await io();
      assert.equal(client.events.length, 2);
      await clock.advance(500);
      await client.until('the throttled event', () => client.events.length === 3);
      assert.equal(client.snapshot(2).signals[0]?.state, 'half_open');

      const comments = client.comments;
      await clock.advance(15_000);
      await client.until('a heartbeat', () => client.comments > comments);
    } finally {
      client.close();
    }
    // The server notices the closed socket a moment later: poll, with a deadline.
    for (let i = 0; i < 200 && component.viewers > 0; i++) await io(25);
    assert.equal(component.viewers, 0);
  });

  it('a new viewer gets the current snapshot at once', async () => {
    const { client } = await SseClient.open(`${url}${COLLECTOR_PATHS.STATUS_EVENTS}`);
    try {
      await clock.advance(0);
      await client.until('the snapshot', () => client.events.length === 1);
      assert.equal(client.snapshot(0).signals[0]?.state, 'half_open');
    } finally {
      client.close();
    }
  });

  it('sends deltas only to a viewer that asks for them: one that does not gets every change whole', async () => {
    // A page loaded from the previous release reconnects by itself when the collector is
    // upgraded; it knows `status` events only, and would have stayed on its first snapshot
    // while showing "Live". Other clients of the stream likewise.
    const plain = await SseClient.open(`${url}${COLLECTOR_PATHS.STATUS_EVENTS}`);
    const page = await SseClient.open(`${url}${COLLECTOR_PATHS.STATUS_EVENTS}?${STATUS_DELTAS_PARAM}=1`);
    try {
      await clock.advance(0);
      await plain.client.until('the snapshot', () => plain.client.events.length === 1);
      await page.client.until('the snapshot', () => page.client.events.length === 1);
      sources.signalList = [signal('open', clock.now())];
      sources.emit();
      await clock.advance(1_000);
      await plain.client.until('the change', () => plain.client.events.length === 2);
      await page.client.until('the change', () => page.client.events.length === 2);
      assert.deepEqual(
        plain.client.events.map((e) => e.event),
        [STATUS_EVENT, STATUS_EVENT],
      );
      assert.equal(plain.client.snapshot(1).signals[0]?.state, 'open');
      assert.deepEqual(
        page.client.events.map((e) => e.event),
        [STATUS_EVENT, STATUS_DELTA_EVENT],
      );
      assert.deepEqual(page.client.snapshot(1), plain.client.snapshot(1));
    } finally {
      plain.client.close();
      page.client.close();
    }
  });
});

describe('createStatusComponent lifecycle', () => {
  it('refuses viewers beyond the limit and ends streams on stop', async () => {
    const clock = new ManualClock(T0);
    const sources = new FakeSources();
    const component = createStatusComponent(context(clock), sources, { maxSubscribers: 1 });
    await component.start?.();
    assert.equal(sources.listenerCount, 1);
    const { server, url } = await serve(component.routes ?? []);
    try {
      const { client } = await SseClient.open(`${url}${COLLECTOR_PATHS.STATUS_EVENTS}`);
      await clock.advance(0);
      await client.until('the snapshot', () => client.events.length === 1);
      const refused = await fetch(`${url}${COLLECTOR_PATHS.STATUS_EVENTS}`);
      assert.equal(refused.status, 503);
      await refused.body?.cancel();
      const out: string[] = [];
      component.writeMetrics?.(out);
      assert.ok(out.includes('breakwater_status_viewers_refused_total 1'), out.join('\n'));
      assert.ok(out.includes('breakwater_status_viewers_dropped_total 0'));
      await component.stop?.();
      await client.until('the stream to end', () => client.ended);
      assert.equal(sources.listenerCount, 0);
      assert.equal(clock.pendingTimers, 0, 'no timers left behind');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('without sources every section says it is not available', async () => {
    const clock = new ManualClock(T0);
    const component = createStatusComponent(context(clock), {});
    await component.start?.();
    const body = await component.snapshot();
    assert.deepEqual(body.available, {
      signals: false,
      slos: false,
      dependencies: false,
      breakerStates: false,
      alerts: false,
      gateDecisions: true,
    });
    component.recordGateDecision(gate);
    component.recordGateDecision({ ...gate, decision: 'PROCEED', evaluatedAt: T0 });
    assert.deepEqual(
      (await component.snapshot()).gateDecisions.map((g) => g.decision),
      ['PROCEED', 'HALT'],
    );
    await component.stop?.();
  });
});

describe('status routes on the collector service with auth on', () => {
  const ADMIN = 'status-admin-token-0123456789';
  const SUBSCRIBE = 'status-subscribe-token-0123456789';
  let t: TestService;

  before(async () => {
    t = await startTestService(
      `auth:
  tokens:
    - { token: ${ADMIN}, scopes: [admin] }
    - { token: ${SUBSCRIBE}, scopes: [subscribe] }
`,
      { components: [(ctx) => createStatusComponent(ctx, new FakeSources())] },
    );
  });
  after(async () => {
    await t.close();
  });

  it('serves the page without a token but the data only to admin tokens', async () => {
    const page = await fetch(`${t.url}/`);
    assert.equal(page.status, 200);
    await page.text();
    for (const path of [COLLECTOR_PATHS.STATUS, COLLECTOR_PATHS.STATUS_EVENTS]) {
      const none = await fetch(`${t.url}${path}`);
      assert.equal(none.status, 401, `${path} without a token`);
      await none.text();
      const subscribe = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${SUBSCRIBE}` } });
      assert.equal(subscribe.status, 403, `${path} with a subscribe token`);
      await subscribe.text();
    }
    const ok = await fetch(`${t.url}${COLLECTOR_PATHS.STATUS}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as StatusSnapshot).slos[0]?.name, 'chat-availability');
    const { client, res } = await SseClient.open(`${t.url}${COLLECTOR_PATHS.STATUS_EVENTS}`, {
      authorization: `Bearer ${ADMIN}`,
    });
    try {
      assert.equal(res.statusCode, 200);
      await client.until('the snapshot', () => client.events.length === 1, 5_000);
    } finally {
      client.close();
    }
    const metrics = await (
      await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })
    ).text();
    assert.match(metrics, /breakwater_status_events_total \d+/);
  });
});
