import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
// By the package's own name, as an application embedding the collector imports it.
import {
  builtInComponents,
  type CollectorComponent,
  CollectorService,
  type ComponentFactory,
  createLogger,
  parseConfig,
} from '@breakwater/collector';

it('the package entry starts the service with the built-in components and one of the app’s own', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'breakwater-index-'));
  const seen: number[] = [];
  const mine: ComponentFactory = (): CollectorComponent => ({
    name: 'mine',
    spanSink: (spans) => void seen.push(spans.length),
    routes: [
      { method: 'GET', path: '/v1/mine', scope: 'public', handle: (_req, res) => void res.end('mine') },
    ],
  });
  const config = parseConfig(
    { name: 'embedded.yaml', text: `listen: 127.0.0.1:0\ndataDir: ${JSON.stringify(dataDir)}\n` },
    {},
  );
  const service = await CollectorService.start({
    config,
    logger: createLogger('silent'),
    components: builtInComponents(),
    extraComponents: [mine],
  });
  try {
    assert.equal(await (await fetch(`${service.url}/v1/mine`)).text(), 'mine');
    // A built-in component's route is there too.
    assert.equal((await fetch(`${service.url}/v1/slos`)).status, 200);
  } finally {
    await service.shutdown();
    await rm(dataDir, { recursive: true, force: true });
  }
});
