import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PROJECT_ROOT } from './processes.js';

// The Temporal Web UI in Debian's Chromium (playwright-core drives it; no browser download).

/** Where the browser tests leave their screenshots (a failure's too). */
export const SCREENSHOTS = join(PROJECT_ROOT, 'test-results', 'screenshots');

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

/** Debian's Chromium, headless; the screenshots folder exists once it resolves. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/**
 * The page's visible text once it matches `pattern` (the UI renders asynchronously); bounded. On
 * timeout it saves a screenshot named `failureScreenshot` and throws with the start of the text.
 */
export async function pageText(page: Page, pattern: RegExp, options: { timeoutMs?: number; failureScreenshot?: string } = {}): Promise<string> {
  const { timeoutMs = 30_000, failureScreenshot = 'failure.png' } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // The UI renders user markdown (summary, details) inside sandboxed iframes: read every frame.
    const texts = await Promise.all(page.frames().map((f) => f.locator('body').innerText().catch(() => '')));
    const text = texts.join('\n');
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) {
      await page.screenshot({ path: join(SCREENSHOTS, failureScreenshot), fullPage: true });
      throw new Error(`the page never showed ${pattern} (screenshot: test-results/screenshots/${failureScreenshot}):\n${text.slice(0, 2000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
