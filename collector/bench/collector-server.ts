/**
 * Child process of the ingest benchmark: the collector under test, on its own, so its peak RSS
 * is measured without the benchmark's other work (the protobufjs baseline, the load generators).
 *
 * Starts `CollectorService` on 127.0.0.1 (ephemeral port) with the memory store and the default
 * SLO set, data directory argv[2], and prints `{"url": …}`. On SIGTERM it shuts down and prints
 * `{"maxRssBytes": …}` (`process.resourceUsage().maxRSS`, the peak resident set of this process).
 */
import { parseConfig } from '../src/config/load.ts';
import { CollectorService } from '../src/service.ts';
import { silentLogger } from '../src/testing/helpers.ts';

const dir = process.argv[2]!;
const config = parseConfig(
  { name: 'bench', text: `listen: 127.0.0.1:0\ndataDir: ${dir}\nstore: { kind: memory }\n` },
  {},
);
const service = await CollectorService.start({ config, logger: silentLogger });
console.log(JSON.stringify({ url: service.url }));

process.once('SIGTERM', () => {
  void service.shutdown().finally(() => {
    console.log(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
    process.exit(0);
  });
});
