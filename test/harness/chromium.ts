import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, which `.ci/run` installs (playwright-core downloads no browser). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless Chromium for the status page tests: no sandbox (CI runs as root), and none of its
 * background traffic (updates, sync, QUIC probes), so the only requests are the test's own.
 * `extraArgs` go after these (a test's `--host-resolver-rules`, say).
 */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: apt-get install chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}
