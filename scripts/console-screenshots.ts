/*
 * Screenshots of every console page at desktop and phone width, into docs/console/ (shown in
 * the README and docs/console.md). Starts goodtake on a fresh data directory with the offline
 * provider, fills it with an operator, an account, a member, keys and images, then visits
 * each page in Debian's Chromium. Run: npm run screenshots
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { startServer } from '../src/server.ts';
import { chromiumPath, launchChromium } from '../test/helpers/browser.ts';

const OUT = join(import.meta.dirname, '..', 'docs', 'console');
const dir = mkdtempSync(join(tmpdir(), 'goodtake-shots-'));
const config = loadConfig({
  GOODTAKE_DATA_DIR: dir,
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
  GOODTAKE_STARTING_CREDITS: '100',
});
const server = await startServer(config, createLogger('silent'), { print: () => {} });
const base = server.url;
const executablePath = chromiumPath();
if (!executablePath) throw new Error('no chromium: apt-get install chromium');
const browser = await launchChromium(executablePath);

async function api(page: Page, path: string, method: string, body?: unknown) {
  return page.evaluate(
    async ({ path, method, body }) => {
      const who = await (await fetch('/console/api/session')).json();
      const res = await fetch(`/console/api${path}`, {
        method,
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': who.data.csrf_token },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return res.json();
    },
    { path, method, body },
  );
}

try {
  const { createUserService } = await import('../src/console/users/users.ts');
  const { openCore } = await import('../src/compose.ts');
  const core = await openCore(config, { migrate: false });
  await createUserService({ db: core.database.db }).create({
    email: 'ops@example.com',
    role: 'operator',
    password: 'operator password 1',
  });
  await core.close();

  mkdirSync(OUT, { recursive: true });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  await page.goto(`${base}/console/`);
  await page.screenshot({ path: join(OUT, 'sign-in-desktop.png') });
  await page.getByLabel('Email').fill('ops@example.com');
  await page.getByLabel('Password').fill('operator password 1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Accounts' }).waitFor();

  const account = (await api(page, '/accounts', 'POST', { name: 'Acme Studio', credits: 500 }))
    .data;
  await api(page, `/accounts/${account.id}/credits`, 'POST', {
    kind: 'grant',
    amount: 250,
    reason: 'December invoice paid',
  });
  await api(page, '/users', 'POST', {
    email: 'dana@acme.example',
    role: 'member',
    account_id: account.id,
  });
  const key = (await api(page, `/accounts/${account.id}/keys`, 'POST', { name: 'Production App' }))
    .data;
  await api(page, `/accounts/${account.id}/keys`, 'POST', { name: 'Staging' });
  const prompts = [
    'A lighthouse on a cliff at dawn, soft light',
    'A red bicycle leaning on a blue door',
    'Mountains over a calm lake, reflections',
    'A cosy reading nook with a cat',
    'A futuristic city at night, neon',
  ];
  for (const [i, prompt] of prompts.entries()) {
    await fetch(`${base}/api/v1/bytedance/generate-image`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key.key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt, size: i % 2 ? '1K' : '2K', number_of_images: (i % 2) + 1 }),
    });
  }
  await fetch(`${base}/api/v1/bytedance/generate-image`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key.key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ prompt: 'x', size: '9x9' }),
  });

  const shots: Array<[string, string, string]> = [
    ['accounts', '#/ops/accounts', 'Accounts'],
    ['account', `#/ops/accounts/${account.id}`, 'Account'],
    ['people', '#/ops/members', 'People'],
    ['all-keys', '#/ops/keys', 'All keys'],
    ['requests', '#/ops/requests', 'Request log'],
    ['health', '#/ops/health', 'Health'],
    ['audit', '#/ops/audit', 'Audit log'],
  ];
  const memberShots: Array<[string, string, string]> = [
    ['credits', '#/overview', 'Credits'],
    ['keys', '#/keys', 'API keys'],
    ['usage', '#/usage', 'Usage'],
    ['gallery', '#/gallery', 'Gallery'],
    ['playground', '#/playground', 'Playground'],
  ];
  const take = async (
    name: string,
    hash: string,
    heading: string,
    width: number,
    height: number,
  ) => {
    await page.setViewportSize({ width, height });
    await page.goto(`${base}/console/${hash}`);
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(300);
    await page.screenshot({
      path: join(OUT, `${name}-${width > 600 ? 'desktop' : 'phone'}.png`),
      fullPage: width > 600,
    });
  };
  for (const [name, hash, heading] of shots) {
    await take(name, hash, heading, 1280, 860);
    await take(name, hash, heading, 390, 844);
  }
  // The account pages, as the operator who opened Acme Studio (a member sees the same).
  await page.goto(`${base}/console/#/ops/accounts`);
  await page.getByRole('button', { name: 'View Acme Studio as its members do' }).click();
  for (const [name, hash, heading] of memberShots) {
    await take(name, hash, heading, 1280, 860);
    await take(name, hash, heading, 390, 844);
  }
  const gallery = await api(page, `/accounts/${account.id}/generations?limit=1`, 'GET');
  await take('generation', `#/gallery/${gallery.data.generations[0].id}`, 'Generation', 1280, 860);
  await take('generation', `#/gallery/${gallery.data.generations[0].id}`, 'Generation', 390, 844);

  // The playground with a result.
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(`${base}/console/#/playground`);
  await page.getByLabel('Prompt', { exact: true }).fill('A watercolour fox in the snow');
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByRole('img', { name: /Result 1/ }).waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(OUT, 'playground-result-desktop.png') });

  // Dark mode follows the system.
  const dark = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    colorScheme: 'dark',
  });
  const darkPage = await dark.newPage();
  await darkPage.goto(`${base}/console/`);
  await darkPage.getByLabel('Email').fill('ops@example.com');
  await darkPage.getByLabel('Password').fill('operator password 1');
  await darkPage.getByRole('button', { name: 'Sign in' }).click();
  await darkPage.getByRole('button', { name: 'View Acme Studio as its members do' }).click();
  await darkPage.goto(`${base}/console/#/usage`);
  await darkPage.getByRole('heading', { name: 'Usage', level: 1 }).waitFor();
  await darkPage.waitForTimeout(500);
  await darkPage.screenshot({ path: join(OUT, 'usage-dark-desktop.png') });

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const phonePage = await phone.newPage();
  await phonePage.goto(`${base}/console/`);
  await phonePage.screenshot({ path: join(OUT, 'sign-in-phone.png') });
  console.log(`screenshots written to ${OUT}`);
} finally {
  await browser.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
