/**
 * Real headless Chromium for the browser tests, through playwright-core: Debian's `chromium`
 * package at /usr/bin/chromium (scripts/setup.sh installs it; `npx playwright install` needs a
 * download site CI cannot reach).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
/** No sandbox (containers run as root), no GPU, and none of Chromium's own network chatter. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: run 'bash scripts/setup.sh' (it installs Debian's chromium package)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * Collects what the page logged, its uncaught errors and failed requests, so a failing test can
 * show what the browser saw.
 */
export function recordConsole(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (message) => lines.push(`console.${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => lines.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => lines.push(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText ?? '?'})`));
  return lines;
}

/**
 * Runs `body`; when it fails, saves a full-page screenshot and the page's console to a temporary
 * directory, names them in the test's diagnostics, and fails with the original error.
 */
export async function withFailureScreenshots<T>(t: TestContext, page: Page, body: () => Promise<T>): Promise<T> {
  const consoleLines = recordConsole(page);
  try {
    return await body();
  } catch (error) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'alc-browser-failure-'));
    const file = path.join(dir, `${t.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80)}.png`);
    try {
      await page.screenshot({ path: file, fullPage: true });
      t.diagnostic(`screenshot: ${file}`);
    } catch (screenshotError) {
      t.diagnostic(`no screenshot (${(screenshotError as Error).message})`);
    }
    t.diagnostic(`page url: ${page.url()}`);
    for (const line of consoleLines.slice(-40)) t.diagnostic(line);
    throw error;
  }
}
