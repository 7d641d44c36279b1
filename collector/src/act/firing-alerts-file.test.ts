import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { silentLogger } from '../testing/helpers.ts';
import { FiringAlertsFile, SLO_ALERTS_FILE } from './firing-alerts-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'bw-firing-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('saves the same alerts again after a failed save, once the disk takes it, leaving no temporary file', async () => {
  const path = join(dir, SLO_ALERTS_FILE);
  // A directory at the file's path fails the save, as a full or read-only disk does.
  mkdirSync(path);
  const file = new FiringAlertsFile(dir, silentLogger);
  const firing = [{ labels: { alertname: 'Burn', slo: 'avail' }, annotations: { summary: 'burning' } }];
  file.save(firing);
  await file.flush();
  assert.equal(file.file.saveFailures, 1);
  assert.deepEqual(readdirSync(dir), [SLO_ALERTS_FILE], 'the failed save leaves no temporary file');
  rmSync(path, { recursive: true });
  // The next evaluation finds the same alerts firing: what is on disk is still not them.
  file.save(firing);
  await file.flush();
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { version: 1, firing });
});
