/**
 * Packaging: the five public packages as a user receives them. Packs the workspaces (their
 * `dist/` as built by turbo's `^build` before this workspace's tests; no nested build), checks
 * what the tarballs hold, installs them into a fresh project offline (every third-party version
 * pinned to the root package-lock.json, so only the npm cache warmed by `npm ci` is read), and uses
 * them as apps do: CommonJS `require()`, ESM `--import @breakwater/node/register` exporting to the
 * packed collector, TypeScript consumers with `skipLibCheck: false`, and the `breakwater` CLI.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../harness/process.ts';
import { waitFor } from '../harness/wait.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const PUBLIC = [
  '@breakwater/protocol',
  '@breakwater/resilience',
  '@breakwater/instrumentation',
  '@breakwater/node',
  '@breakwater/collector',
] as const;
/** Third-party packages the app installs beside the tarballs, at the root lockfile's versions. */
const APP_DEPENDENCIES = ['openai', '@anthropic-ai/sdk', '@types/node'] as const;
const OUTAGE_CALLS = 15;
/**
 * A Node 22 binary (the engines floor's release line; `.ci/run` installs 22.15.0): the packed
 * apps and the collector also run on it. Unset, those checks are skipped.
 */
const NODE22 = process.env.BREAKWATER_TEST_NODE22;
const TOKENS = {
  BREAKWATER_INGEST_TOKEN: 'ingest-token-0123456789',
  BREAKWATER_SUBSCRIBE_TOKEN: 'subscribe-token-0123456789',
  BREAKWATER_GATE_TOKEN: 'gate-token-0123456789',
  BREAKWATER_ADMIN_TOKEN: 'admin-token-0123456789',
};

// ---------------------------------------------------------------------------------------------
// Child processes: bounded, killed by PID in `after`, with an environment free of the test
// runner's and npm's own settings (a `--conditions=@breakwater/source` in NODE_OPTIONS would load
// the shipped TypeScript sources instead of dist/).

const children = new Set<ChildProcess>();

function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const keep = new Set([
    'npm_config_cache',
    'npm_config_userconfig',
    'npm_config_globalconfig',
    'npm_config_registry',
  ]);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^(NODE_OPTIONS|NODE_TEST_CONTEXT|NODE_CHANNEL_FD|OTEL_|BREAKWATER_|TURBO_)/.test(key)) continue;
    if (/^npm_/i.test(key) && !keep.has(key.toLowerCase())) continue;
    env[key] = value;
  }
  return { ...env, npm_config_update_notifier: 'false', ...extra };
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (SIGKILL after `timeoutMs`). */
function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<Result> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: cleanEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      children.delete(child);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      if (timedOut)
        reject(
          new Error(`timed out after ${timeoutMs} ms: ${command} ${args.join(' ')}\n${stdout}\n${stderr}`),
        );
      else resolve({ code, stdout, stderr });
    });
  });
}

/** npm on the test's Node (npm_execpath when run under npm, else `npm` on PATH). */
function npm(args: readonly string[], options: { cwd: string; timeoutMs?: number }): Promise<Result> {
  const cli = process.env.npm_execpath;
  return cli !== undefined && /npm-cli\.js$/.test(cli)
    ? run(process.execPath, [cli, ...args], options)
    : run('npm', args, options);
}

/** Node (the test's own, or `options.execPath`) running `args`. */
function node(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number; execPath?: string },
) {
  return run(options.execPath ?? process.execPath, args, options);
}

const show = (r: Result) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

/** The one JSON line a fixture app prints. */
function jsonLine<T>(r: Result): T {
  assert.equal(r.code, 0, show(r));
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  assert.ok(line, `no JSON line in the output\n${show(r)}`);
  return JSON.parse(line) as T;
}

// ---------------------------------------------------------------------------------------------
// A tiny OpenAI-compatible server in this process: `gpt-4o-mini` answers, `gpt-4o-down` is in an
// outage (503). Counts the requests per model.

const hits = new Map<string, number>();
let llm: Server | undefined;
let llmUrl = '';

async function startLlm(): Promise<void> {
  llm = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      const model = (JSON.parse(body || '{}') as { model?: string }).model ?? '';
      hits.set(model, (hits.get(model) ?? 0) + 1);
      if (model === 'gpt-4o-down') {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"down","type":"server_error"}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req-1' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-1',
          object: 'chat.completion',
          created: 1,
          model,
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'pong' } }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => llm!.listen(0, '127.0.0.1', resolve));
  const address = llm.address();
  assert.ok(address !== null && typeof address === 'object');
  llmUrl = `http://127.0.0.1:${address.port}`;
}

/**
 * Runs the installed app.cjs in `app` (on `execPath`, by default the test's own Node) against the
 * OpenAI-compatible server; the request counts are this run's only.
 */
function runCommonJsApp(app: string, execPath?: string): Promise<Result> {
  hits.clear();
  return node(['app.cjs'], {
    cwd: app,
    env: {
      LLM_URL: llmUrl,
      OUTAGE_CALLS: String(OUTAGE_CALLS),
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
    },
    timeoutMs: 60_000,
    ...(execPath === undefined ? {} : { execPath }),
  });
}

/**
 * What app.cjs must have seen: every SDK package loaded by require(), the openai client
 * instrumented, and its breaker opened by the outage.
 */
function checkCommonJsApp(r: Result): void {
  const out = jsonLine<{
    exported: Record<string, string[]>;
    answer: string;
    outage: { ok: boolean; error?: string; apiError?: boolean; circuitOpen?: boolean }[];
    spans: { name: string; attributes: Record<string, unknown> }[];
  }>(r);
  assert.ok(out.exported['@breakwater/protocol']!.includes('dependencyKey'), 'protocol exports');
  assert.ok(out.exported['@breakwater/resilience']!.includes('Pipeline'), 'resilience exports');
  assert.ok(out.exported['@breakwater/instrumentation']!.includes('tool'), 'instrumentation exports');
  assert.ok(
    out.exported['@breakwater/instrumentation/ai-sdk']!.includes('breakwaterMiddleware'),
    'the ai-sdk subpath exports',
  );
  assert.ok(out.exported['@breakwater/node']!.includes('start'), 'node exports');
  assert.equal(out.answer, 'pong');

  const attempts = out.spans.filter((s) => s.attributes['breakwater.role'] === 'attempt');
  assert.ok(
    attempts.some((s) => s.attributes['breakwater.dependency'] === 'openai/gpt-4o-mini'),
    `no attempt span for openai/gpt-4o-mini: the openai client was not instrumented\n${r.stdout}`,
  );
  // The outage: calls fail, then the breaker refuses them without reaching the server. Every
  // failure is the client's own error (an OpenAI.APIError, as without Breakwater); refusalOf()
  // gives a refusal's CircuitOpenError, of the class the app can import (one copy of
  // @breakwater/resilience installed).
  assert.ok(
    out.outage.every((o) => !o.ok && o.apiError === true),
    JSON.stringify(out.outage),
  );
  const refused = out.outage.filter((o) => o.circuitOpen === true).length;
  assert.ok(refused > 0, `the breaker never opened: ${JSON.stringify(out.outage)}`);
  assert.equal(out.outage.at(-1)?.circuitOpen, true, JSON.stringify(out.outage));
  // Every request the server saw was an attempt span; refused calls sent none.
  const downHits = hits.get('gpt-4o-down') ?? 0;
  const downAttempts = attempts.filter((s) => s.attributes['breakwater.dependency'] === 'openai/gpt-4o-down');
  assert.equal(downHits, downAttempts.length, 'server requests ≠ attempt spans');
  assert.ok(
    downHits < OUTAGE_CALLS,
    `${downHits} requests for ${OUTAGE_CALLS} calls: refusals reached the server`,
  );
  assert.ok(
    out.spans.some(
      (s) =>
        s.attributes['breakwater.role'] === 'operation' &&
        s.attributes['breakwater.dependency'] === 'openai/gpt-4o-down' &&
        s.attributes['breakwater.error.category'] === 'circuit_open',
    ),
    'no operation span with category circuit_open',
  );
}

/** Runs the installed app.mjs in `app` under `--import @breakwater/node/register`, exporting to `collectorUrl`. */
function runEsmApp(app: string, collectorUrl: string, service: string, execPath?: string): Promise<Result> {
  return node(['--import', '@breakwater/node/register', 'app.mjs'], {
    cwd: app,
    env: {
      LLM_URL: llmUrl,
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      BREAKWATER_CONTROL: 'false',
    },
    timeoutMs: 30_000,
    ...(execPath === undefined ? {} : { execPath }),
  });
}

/** Waits until the collector at `collectorUrl` counts availability SLO events of `service`. */
function sloEventsOf(collectorUrl: string, service: string): Promise<string> {
  return waitFor(
    `the collector to count ${service} SLO events`,
    async () => {
      const metrics = await (await fetch(`${collectorUrl}/metrics`)).text();
      return metrics
        .split('\n')
        .find(
          (l) =>
            l.startsWith('breakwater_slo_events_total{') &&
            l.includes('slo="availability"') &&
            l.includes(`service="${service}"`) &&
            / [1-9][0-9]*$/.test(l),
        );
    },
    { timeoutMs: 10_000, intervalMs: 100 },
  );
}

// ---------------------------------------------------------------------------------------------
// The offline install: a package-lock.json for the app, cut from the root lockfile.

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}
interface Lockfile {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
}
interface Packed {
  name: string;
  version: string;
  filename: string;
  files: { path: string }[];
}

/** The edges npm installs for a package: dependencies, optional ones, and required peers. */
function edges(entry: LockEntry): { name: string; optional: boolean }[] {
  const peers = Object.keys(entry.peerDependencies ?? {}).filter(
    (name) => entry.peerDependenciesMeta?.[name]?.optional !== true,
  );
  return [
    ...Object.keys(entry.dependencies ?? {}).map((name) => ({ name, optional: false })),
    ...peers.map((name) => ({ name, optional: false })),
    ...Object.keys(entry.optionalDependencies ?? {}).map((name) => ({ name, optional: true })),
  ];
}

/**
 * The app's lockfile: the tarballs as `file:` dependencies, and every package they (and
 * `APP_DEPENDENCIES`) need at exactly the version and place the root lockfile has, found the way
 * Node resolves (nearest `node_modules` upwards). Entries keep the root's form (no `resolved` when
 * the root has none), so `npm ci --offline` fetches what the root `npm ci` fetched.
 */
function appLockfile(
  root: Lockfile,
  tarballs: Map<string, { file: string; integrity: string }>,
  manifests: Map<string, LockEntry>,
): { lock: Lockfile; dependencies: Record<string, string> } {
  const workspaceOf = new Map<string, string>(); // workspace location -> package name
  for (const name of PUBLIC) workspaceOf.set(workspaceDir(root, name), name);
  const resolveFrom = (from: string, dep: string): string | undefined => {
    let base = from;
    for (;;) {
      const key = base === '' ? `node_modules/${dep}` : `${base}/node_modules/${dep}`;
      if (root.packages[key] !== undefined) return key;
      if (base === '') return undefined;
      const i = base.lastIndexOf('/node_modules/');
      base = i >= 0 ? base.slice(0, i) : '';
    }
  };
  /** Root-lockfile location -> the app's location. */
  const place = (key: string): string => {
    for (const [location, name] of workspaceOf)
      if (key.startsWith(`${location}/node_modules/`))
        return `node_modules/${name}/${key.slice(location.length + 1)}`;
    return key;
  };

  const dependencies: Record<string, string> = {};
  const packages: Record<string, LockEntry> = {};
  const queue: { from: string; entry: LockEntry; optional: boolean }[] = [];
  for (const name of PUBLIC) {
    const tarball = tarballs.get(name)!;
    const manifest = manifests.get(name)!;
    dependencies[name] = `file:../tgz/${tarball.file}`;
    const entry: LockEntry = { resolved: `file:../tgz/${tarball.file}`, integrity: tarball.integrity };
    for (const field of [
      'version',
      'license',
      'dependencies',
      'optionalDependencies',
      'peerDependencies',
      'peerDependenciesMeta',
      'bin',
      'engines',
    ])
      if (manifest[field] !== undefined) entry[field] = manifest[field];
    packages[`node_modules/${name}`] = entry;
    queue.push({ from: workspaceDir(root, name), entry: manifest, optional: false });
  }
  const rootEntry: LockEntry = { dependencies: {} };
  for (const name of APP_DEPENDENCIES) {
    const version = root.packages[`node_modules/${name}`]?.version;
    assert.ok(version, `the root package-lock.json has no node_modules/${name}`);
    dependencies[name] = version;
    rootEntry.dependencies![name] = version;
  }
  queue.push({ from: '', entry: rootEntry, optional: false });

  const seen = new Map<string, boolean>(); // app location -> reached only through optional edges
  while (queue.length > 0) {
    const { from, entry, optional } = queue.shift()!;
    for (const edge of edges(entry)) {
      const key = resolveFrom(from, edge.name);
      if (key === undefined) {
        if (edge.optional) continue;
        assert.fail(`package-lock.json resolves no ${edge.name} for ${from || 'the root'}: run npm install`);
      }
      const target = root.packages[key]!;
      if (target.link === true) {
        assert.ok(workspaceOf.has(target.resolved ?? ''), `${key} links to an unpacked workspace`);
        continue; // another packed package, already placed
      }
      const at = place(key);
      const onlyOptional = optional || edge.optional;
      const before = seen.get(at);
      if (before === false || before === onlyOptional) continue;
      seen.set(at, onlyOptional);
      const { dev: _d, devOptional: _do, optional: _o, peer: _p, extraneous: _e, ...copy } = target;
      packages[at] = onlyOptional ? { ...copy, optional: true } : copy;
      queue.push({ from: key, entry: target, optional: onlyOptional });
    }
  }
  const app = { name: 'packaging-app', version: '1.0.0', dependencies };
  const lock = {
    ...app,
    lockfileVersion: root.lockfileVersion,
    requires: true,
    packages: { '': app, ...packages },
  };
  return { lock, dependencies };
}

// ---------------------------------------------------------------------------------------------

describe('packaging: the public packages as installed from their tarballs', () => {
  let work: string;
  let app: string;
  const packed = new Map<string, Packed>();
  let installed = false;
  let collectorUrl = '';
  let root: Lockfile;

  before(async () => {
    root = JSON.parse(await readFile(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
    work = await mkdtemp(join(tmpdir(), 'bw-packaging-'));
    app = join(work, 'app');
    await mkdir(join(work, 'tgz'));
    await mkdir(app);
    await startLlm();
  });

  after(async () => {
    await Promise.all(
      [...children].map(async (child) => {
        if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
        const closed = once(child, 'close');
        process.kill(child.pid, 'SIGKILL');
        await closed;
      }),
    );
    llm?.closeAllConnections();
    await new Promise<void>((resolve) => (llm ? llm.close(() => resolve()) : resolve()));
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('packs each public workspace with built dist/ output and no test files', async () => {
    const r = await npm(
      [
        'pack',
        '--ignore-scripts',
        '--json',
        '--loglevel=error',
        '--pack-destination',
        join(work, 'tgz'),
        ...PUBLIC.flatMap((name) => ['-w', name]),
      ],
      { cwd: REPO_ROOT, timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, show(r));
    for (const p of JSON.parse(r.stdout) as Packed[]) packed.set(p.name, p);
    assert.deepEqual([...packed.keys()].sort(), [...PUBLIC].sort());

    const problems: string[] = [];
    for (const [name, p] of packed) {
      const files = new Set(p.files.map((f) => f.path));
      const dist = [...files].filter((f) => f.startsWith('dist/'));
      const src = new Set([...files].filter((f) => f.startsWith('src/') && f.endsWith('.ts')));
      if (!dist.some((f) => f.endsWith('.js'))) problems.push(`${name}: no dist/*.js (not built?)`);
      if (!dist.some((f) => f.endsWith('.d.ts'))) problems.push(`${name}: no dist/*.d.ts`);
      for (const f of files) {
        if (/(^|\/)testing\//.test(f)) problems.push(`${name}: ships test helper ${f}`);
        if (/\.test\.[cm]?[jt]s$|\.test\.d\.[cm]?ts$/.test(f)) problems.push(`${name}: ships test ${f}`);
      }
      // Every dist file comes from a shipped source module, and every source module is built.
      for (const f of dist) {
        const module = f.replace(/^dist\//, 'src/').replace(/(\.d\.ts|\.js)(\.map)?$/, '.ts');
        if (!src.has(module)) problems.push(`${name}: ${f} has no ${module} (stale build output)`);
      }
      for (const s of src) {
        if (s.endsWith('.d.ts') || /(^|\/)testing\/|\.test\.ts$/.test(s)) continue; // reported above
        const built = s.replace(/^src\//, 'dist/').replace(/\.ts$/, '');
        for (const ext of ['.js', '.d.ts'])
          if (!files.has(built + ext)) problems.push(`${name}: ${s} has no ${built}${ext} (stale build)`);
      }
      // What package.json points at (main, types, bin, every exports target) is in the tarball.
      const manifest = JSON.parse(
        await readFile(join(REPO_ROOT, workspaceDir(root, name), 'package.json'), 'utf8'),
      ) as { main?: string; types?: string; bin?: Record<string, string>; exports?: unknown };
      const targets = [manifest.main, manifest.types, ...Object.values(manifest.bin ?? {})];
      const collect = (value: unknown): void => {
        if (typeof value === 'string') targets.push(value);
        else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
      };
      collect(manifest.exports);
      for (const target of targets)
        if (target !== undefined && !files.has(target.replace(/^\.\//, '')))
          problems.push(`${name}: package.json points at ${target}, which is not in the tarball`);
    }
    // A turbo cache hit restores dist/ over what is there, so only a forced build clears stale files.
    const hint = problems.some((p) => /stale|not built/.test(p))
      ? ' (rebuild: npm run build -- --force)'
      : '';
    assert.deepEqual(problems, [], `tarball problems${hint}:\n${problems.join('\n')}`);
  });

  it('declares every package its built code imports, and @opentelemetry/api as a peer', async () => {
    assert.equal(packed.size, PUBLIC.length, 'needs the tarballs, and packing failed');
    const problems: string[] = [];
    for (const [name, p] of packed) {
      const dir = join(REPO_ROOT, workspaceDir(root, name));
      const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as LockEntry;
      const code = p.files.map((f) => f.path).filter((f) => /^(dist|bin)\/.*\.js$/.test(f));
      const declarations = p.files.map((f) => f.path).filter((f) => /^dist\/.*\.d\.ts$/.test(f));
      const imported = await bareImports(dir, code);
      // The monorepo hoists every workspace's packages; an app has only what the manifest names
      // (a declaration naming a devDependency fails the app's type-check with skipLibCheck: false).
      const uses = [
        ['code', imported],
        ['declarations', await bareImports(dir, declarations)],
      ] as const;
      for (const [what, used] of uses)
        for (const dependency of used)
          if (
            manifest.dependencies?.[dependency] === undefined &&
            manifest.peerDependencies?.[dependency] === undefined
          )
            problems.push(`${name}: its dist ${what} use ${dependency}, which package.json does not declare`);
      // The API keeps the app's tracer and meter providers in a global that a copy of a newer minor
      // version does not read: as a dependency, an app on another 1.x gets a second copy, and
      // Breakwater's spans and metrics silently go nowhere. As a peer, the app's copy is the one.
      if (manifest.dependencies?.['@opentelemetry/api'] !== undefined)
        problems.push(`${name}: @opentelemetry/api is a dependency, not a peer dependency`);
      else if (
        imported.has('@opentelemetry/api') &&
        manifest.peerDependencies?.['@opentelemetry/api'] === undefined
      )
        problems.push(`${name}: imports @opentelemetry/api without a peer dependency on it`);
    }
    assert.deepEqual(problems, []);
  });

  it('installs the tarballs into a fresh project offline, at the root lockfile versions', async () => {
    assert.equal(packed.size, PUBLIC.length, 'needs the tarballs, and packing failed');
    const tarballs = new Map<string, { file: string; integrity: string }>();
    const manifests = new Map<string, LockEntry>();
    for (const [name, p] of packed) {
      const bytes = await readFile(join(work, 'tgz', p.filename));
      tarballs.set(name, {
        file: p.filename,
        integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
      });
      manifests.set(
        name,
        JSON.parse(
          await readFile(join(REPO_ROOT, workspaceDir(root, name), 'package.json'), 'utf8'),
        ) as LockEntry,
      );
    }
    const { lock, dependencies } = appLockfile(root, tarballs, manifests);
    await writeFile(
      join(app, 'package.json'),
      `${JSON.stringify({ name: 'packaging-app', version: '1.0.0', private: true, dependencies }, null, 2)}\n`,
    );
    await writeFile(join(app, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);

    const r = await npm(
      ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
      {
        cwd: app,
        timeoutMs: 120_000,
      },
    );
    if (r.code !== 0) {
      const notCached = /ENOTCACHED|only-if-cached/.test(r.stderr);
      const cache = (await npm(['config', 'get', 'cache'], { cwd: app })).stdout.trim();
      assert.fail(
        notCached
          ? `offline install failed: a package pinned by the root package-lock.json is not in the npm cache ` +
              `(${cache}). Run \`npm ci\` at the repository root first; this test installs nothing else.\n${show(r)}`
          : `offline install failed\n${show(r)}`,
      );
    }
    for (const name of [...PUBLIC, ...APP_DEPENDENCIES]) {
      const installedManifest = JSON.parse(
        await readFile(join(app, 'node_modules', name, 'package.json'), 'utf8'),
      );
      const expected = packed.get(name)?.version ?? dependencies[name];
      assert.equal(installedManifest.version, expected, name);
    }
    // Two copies of an OpenTelemetry SDK package in one app are two registries of globals and
    // twice the code: @breakwater/node declares the versions @opentelemetry/sdk-node pins.
    const copies = await otelCopies(join(app, 'node_modules'));
    const duplicated = [...copies].filter(([, versions]) => versions.length > 1);
    assert.deepEqual(duplicated, [], 'OpenTelemetry packages installed more than once');
    for (const f of ['app.cjs', 'app.mjs']) await copyFile(join(FIXTURES, f), join(app, f));
    installed = true;
  });

  it('CommonJS: require() loads every SDK package; the openai client is instrumented, its breaker opens', async () => {
    assert.ok(installed, 'needs the offline install, which failed');
    checkCommonJsApp(await runCommonJsApp(app));
  });

  it('ESM: --import @breakwater/node/register exports spans to the packed collector', async () => {
    assert.ok(installed, 'needs the offline install, which failed');
    collectorUrl = await startCollector(app, join(work, 'collector-data'));
    const r = await runEsmApp(app, collectorUrl, 'packaging-esm');
    assert.equal(jsonLine<{ answer: string }>(r).answer, 'pong');
    // SLO events come only from Breakwater's operation spans: the ESM import was instrumented.
    await sloEventsOf(collectorUrl, 'packaging-esm');
  });

  it('TypeScript consumers type-check against the shipped declarations (skipLibCheck: false)', async () => {
    assert.ok(installed, 'needs the offline install, which failed');
    await mkdir(join(app, 'ts'));
    await copyFile(join(FIXTURES, 'use.ts'), join(app, 'ts', 'use.ts'));
    await copyFile(join(FIXTURES, 'use.ts'), join(app, 'ts', 'use.mts'));
    await copyFile(join(FIXTURES, 'register.mts'), join(app, 'ts', 'register.mts'));
    // The strictest settings an app may have: the declarations must hold under all of them.
    const base = {
      strict: true,
      exactOptionalPropertyTypes: true,
      skipLibCheck: false,
      noEmit: true,
      target: 'es2022',
      types: ['node'],
    };
    // node16 type-checks no require() of an ES module (TS1479, as the README says): ESM files only.
    const configs = {
      nodenext: { compilerOptions: { ...base, module: 'nodenext' }, include: ['ts'] },
      node16: { compilerOptions: { ...base, module: 'node16' }, include: ['ts/*.mts'] },
      bundler: {
        compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler' },
        include: ['ts'],
      },
    };
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const results = await Promise.all(
      Object.entries(configs).map(async ([name, config]) => {
        const file = `tsconfig.${name}.json`;
        await writeFile(join(app, file), JSON.stringify(config, null, 2));
        return {
          name,
          r: await node([tsc, '-p', file, '--pretty', 'false'], { cwd: app, timeoutMs: 60_000 }),
        };
      }),
    );
    for (const { name, r } of results) {
      assert.equal(`${r.stdout}${r.stderr}`.trim(), '', `tsc (${name}) reported diagnostics\n${show(r)}`);
      assert.equal(r.code, 0, `tsc (${name})\n${show(r)}`);
    }
  });

  it('the breakwater CLI from the collector tarball', async () => {
    assert.ok(installed, 'needs the offline install, which failed');
    const bin = join(app, 'node_modules', '.bin', 'breakwater');
    const cli = (args: string[], env: Record<string, string> = {}) =>
      node([bin, ...args], { cwd: app, env, timeoutMs: 20_000 });
    const [help, check, rules, schema] = await Promise.all([
      cli(['--help']),
      cli(['check-config', '--config', join(REPO_ROOT, 'examples', 'deploy', 'breakwater.yaml')], TOKENS),
      cli(['rules']),
      cli(['config-schema']),
    ]);
    assert.equal(help.code, 0, show(help));
    assert.match(help.stdout, /^Usage: breakwater <command>/);
    for (const command of ['serve', 'check-config', 'rules', 'gate', 'config-schema'])
      assert.match(help.stdout, new RegExp(`^ {2}${command} `, 'm'));
    assert.equal(check.code, 0, show(check));
    assert.match(check.stdout, /^ok: .*breakwater\.yaml/);
    assert.match(check.stdout, /slos: +3/);
    assert.equal(rules.code, 0, show(rules));
    assert.match(rules.stdout, /^groups:/m);
    assert.match(rules.stdout, /name: breakwater-slo-availability/);
    assert.equal(schema.code, 0, show(schema));
    const parsed = JSON.parse(schema.stdout) as { type?: string; properties?: Record<string, unknown> };
    assert.equal(parsed.type, 'object');
    assert.ok(parsed.properties?.listen !== undefined, 'config-schema lacks `listen`');

    if (collectorUrl === '') collectorUrl = await startCollector(app, join(work, 'collector-data'));
    const page = await fetch(`${collectorUrl}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>Breakwater status<\/title>/);
  });

  it('on Node 22 too: the CommonJS app, the ESM app under --import register, the CLI and an ingest', {
    skip: NODE22 === undefined && 'BREAKWATER_TEST_NODE22 names no Node 22 binary (.ci/run sets it)',
  }, async () => {
    assert.ok(installed, 'needs the offline install, which failed');
    const execPath = NODE22!;
    const version = await node(['--version'], { cwd: app, execPath });
    const [major, minor] = version.stdout.trim().slice(1).split('.').map(Number);
    assert.ok(major === 22 && minor! >= 15, `BREAKWATER_TEST_NODE22 is not Node 22.15+: ${show(version)}`);

    checkCommonJsApp(await runCommonJsApp(app, execPath));
    const bin = join(app, 'node_modules', '.bin', 'breakwater');
    const help = await node([bin, '--help'], { cwd: app, execPath });
    assert.equal(help.code, 0, show(help));
    assert.match(help.stdout, /^Usage: breakwater <command>/);
    assert.equal(help.stderr, '', 'the CLI prints nothing to stderr (no ExperimentalWarning)');
    const url = await startCollector(app, join(work, 'collector-data-node22'), execPath);
    const r = await runEsmApp(app, url, 'packaging-node22', execPath);
    assert.equal(jsonLine<{ answer: string }>(r).answer, 'pong');
    await sloEventsOf(url, 'packaging-node22');
  });
});

/** Every installed `@opentelemetry/*` package under `modules`, nested ones too, with its versions. */
async function otelCopies(
  modules: string,
  found = new Map<string, string[]>(),
): Promise<Map<string, string[]>> {
  const scope = join(modules, '@opentelemetry');
  const names = await readdir(scope).catch(() => [] as string[]);
  for (const name of names) {
    const dir = join(scope, name);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version: string };
    const versions = found.get(name) ?? [];
    versions.push(manifest.version);
    found.set(name, versions);
    await otelCopies(join(dir, 'node_modules'), found);
  }
  for (const entry of await readdir(modules).catch(() => [] as string[])) {
    if (entry.startsWith('.') || entry === '@opentelemetry') continue;
    const parents = entry.startsWith('@')
      ? (await readdir(join(modules, entry)).catch(() => [] as string[])).map((n) => join(modules, entry, n))
      : [join(modules, entry)];
    for (const parent of parents) await otelCopies(join(parent, 'node_modules'), found);
  }
  return found;
}

/**
 * The packages that the built modules `files` (relative to `dir`) import: `import`/`export … from`,
 * side-effect imports and `import('…')` with a literal, by package name (`pkg/sub` → `pkg`);
 * Node's built-ins and relative paths left out. tsc emits one statement per line, and comments
 * that quote an import start with `//` or `*`.
 */
async function bareImports(dir: string, files: readonly string[]): Promise<Set<string>> {
  const patterns = [
    /^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /^(?!\s*(?:\/\/|\*|\/\*)).*?\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm,
  ];
  const found = new Set<string>();
  for (const file of files) {
    const text = await readFile(join(dir, file), 'utf8');
    for (const pattern of patterns)
      for (const [, specifier] of text.matchAll(pattern)) {
        if (specifier === undefined || specifier.startsWith('.') || isBuiltin(specifier)) continue;
        const parts = specifier.split('/');
        found.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
      }
  }
  return found;
}

/** A public package's workspace directory, from the root lockfile's link entry. */
function workspaceDir(root: Lockfile, name: string): string {
  const link = root.packages[`node_modules/${name}`];
  assert.ok(link?.link === true && typeof link.resolved === 'string', `${name} is not a workspace link`);
  return link.resolved;
}

/**
 * Starts the installed `breakwater serve` (on `execPath`, by default the test's Node) on 127.0.0.1
 * port 0; returns the URL it logs when ready.
 */
async function startCollector(cwd: string, dataDir: string, execPath = process.execPath): Promise<string> {
  const bin = join(cwd, 'node_modules', '.bin', 'breakwater');
  const child = spawn(execPath, [bin, 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    cwd,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => {
    log += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    log += chunk.toString('utf8');
  });
  child.once('close', () => children.delete(child));
  const ready = await waitFor(
    'the packed collector to log "collector ready"',
    () => {
      if (child.exitCode !== null || child.signalCode !== null) return { url: undefined };
      const line = log.split('\n').find((l) => l.includes('"msg":"collector ready"'));
      return line === undefined ? undefined : (JSON.parse(line) as { url?: string });
    },
    { timeoutMs: 15_000, intervalMs: 50 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n--- collector output ---\n${log}`);
  });
  const url = ready.url;
  assert.ok(url?.startsWith('http://127.0.0.1:') === true, `collector not ready\n--- output ---\n${log}`);
  return url;
}
