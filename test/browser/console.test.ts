import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../../src/compose.ts';
import { loadConfig } from '../../src/config.ts';
import { createUserService } from '../../src/console/users/users.ts';
import { createLogger } from '../../src/log.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { chromiumPath, launchChromium } from '../helpers/browser.ts';

// The console in real Chromium (Debian's, driven by playwright-core), found by accessible names:
// an operator and a member doing their jobs, and what the server refuses them.

const executablePath = chromiumPath();
if (!executablePath) {
  console.warn('console browser tests skipped: no chromium (apt-get install chromium)');
}

const OPERATOR = { email: 'ops@example.com', password: 'operator password 1' };
const MEMBER = { email: 'dana@acme.example', password: 'member password 1' };

let dir: string;
let server: RunningServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  contexts.push(context);
  return context.newPage();
}

async function signIn(page: Page, who: { email: string; password: string }) {
  await page.goto(`${server.url}/console/`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe.skipIf(!executablePath)('the console in Chromium', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'goodtake-browser-'));
    const config = loadConfig({
      GOODTAKE_DATA_DIR: dir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      GOODTAKE_RATE_LIMIT_RPM: '0',
      GOODTAKE_RATE_LIMIT_CONCURRENCY: '0',
      // Long enough to see the playground's progress.
      GOODTAKE_OFFLINE_DELAY_MS: '400',
    });
    const core = await openCore(config, { migrate: true });
    await createUserService({ db: core.database.db }).create({ ...OPERATOR, role: 'operator' });
    await core.close();
    server = await startServer(config, createLogger('silent'), { print: () => {} });
    browser = await launchChromium(executablePath!);
    // The account the first start created: another account than the member's.
    const again = await openCore(config, { migrate: false });
    otherAccountId = (await again.accounts.list())[0]!.id;
    await again.close();
  }, 120_000);
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  let accountId: string;
  let otherAccountId: string;
  let key: string;
  let member: Page;

  it('an operator signs in, creates an account with credits and invites a member', async () => {
    const page = await newPage();
    await signIn(page, OPERATOR);
    await page.getByRole('heading', { name: 'Accounts', level: 1 }).waitFor();
    await page.getByLabel('Account name').fill('Acme');
    await page.getByLabel('Starting credits').fill('100');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Acme', level: 2 }).waitFor();
    accountId = /acc_[0-9a-zA-Z]{21}/.exec((await page.locator('main').textContent()) ?? '')![0];
    await expect(page.getByText('Balance 100 credits', { exact: false }).isVisible()).resolves.toBe(
      true,
    );

    await page.getByLabel('Email to invite').fill(MEMBER.email);
    await page.getByRole('button', { name: 'Invite' }).click();
    const shownLink = page.getByRole('region', { name: 'One-time link' }).locator('code');
    const link = ((await shownLink.textContent()) ?? '').trim();
    expect(link).toMatch(/\/console\/#\/set-password\/[A-Za-z0-9_-]{43}$/);

    member = await newPage();
    await member.goto(link);
    await member.getByLabel('New password').fill(MEMBER.password);
    await member.getByLabel('Repeat the password').fill(MEMBER.password);
    await member.getByRole('button', { name: 'Set password' }).click();
    await member.getByRole('button', { name: 'Go to sign-in' }).click();
  });

  it('the member signs in and creates a key named "Production App" that a plain HTTP client uses', async () => {
    await signIn(member, MEMBER);
    await member.getByRole('heading', { name: 'Credits', level: 1 }).waitFor();
    await member.getByRole('link', { name: 'API keys' }).click();
    await member.getByLabel('Key name').fill('Production App');
    await member.getByRole('button', { name: 'Create key' }).click();
    const shown = member.getByRole('region', { name: /Your new key “Production App”/ });
    key = ((await shown.locator('code').textContent()) ?? '').trim();
    expect(key).toMatch(/^gt_[A-Za-z0-9]{40}$/);
    await expect(shown.getByRole('button', { name: 'Copy key' }).isVisible()).resolves.toBe(true);
    await member.getByRole('button', { name: 'I have stored it' }).click();
    // Never shown again.
    expect(await member.locator('main').textContent()).not.toContain(key);

    const res = await fetch(`${server.url}/api/v1/bytedance/generate-image`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt: 'A lighthouse at dawn', size: '1K' }),
    });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { credits_used: number } };

    await member.getByRole('link', { name: 'Gallery' }).click();
    await member.getByRole('link', { name: 'Open “A lighthouse at dawn”' }).click();
    await member.getByRole('link', { name: 'Download image 1' }).waitFor();
    // The image says it was made by AI, and which upstream made it.
    await member.getByText('Content Credentials (C2PA) and IPTC metadata: made by AI').waitFor();
    await member.getByRole('table', { name: 'Upstream attempts' }).getByText('Delivered').waitFor();

    await member.getByRole('link', { name: 'Credits' }).click();
    await expect(member.getByTestId('balance').textContent()).resolves.toBe(
      `${100 - data.credits_used} credits`,
    );
  });

  it('a playground generation shows progress, then its image and the credits used', async () => {
    await member.getByRole('link', { name: 'Playground' }).click();
    await member.getByLabel('Prompt', { exact: true }).fill('A watercolour fox');
    await member.getByLabel('Model').selectOption({ label: 'Seedream 4.0 (3 credits per image)' });
    const sizes = await member.getByLabel('Size').locator('option').allInnerTexts();
    expect(sizes).toContain('1K');
    await member.getByLabel('Size').selectOption('1K');
    await member.getByRole('button', { name: 'Generate' }).click();
    await member.getByRole('progressbar', { name: 'Generating images' }).waitFor();
    await member.getByRole('img', { name: 'Result 1: A watercolour fox' }).waitFor();
    await expect(member.getByText('3 credits used').isVisible()).resolves.toBe(true);
  });

  it('revoking the key makes it answer 401', async () => {
    await member.getByRole('link', { name: 'API keys' }).click();
    await member.getByRole('button', { name: 'Revoke Production App' }).click();
    await member.getByRole('button', { name: 'Confirm revoking Production App' }).click();
    await member.getByRole('row', { name: /Production App.*Revoked/ }).waitFor();
    const res = await fetch(`${server.url}/api/v1/account`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(401);
  });

  it('the member cannot open the operator pages or another account, nor change without the CSRF token', async () => {
    await member.goto(`${server.url}/console/#/ops/accounts`);
    await member.getByText('There is no page here.').waitFor();
    expect(await member.getByRole('link', { name: 'Request log' }).count()).toBe(0);
    const answers = await member.evaluate(
      async ({ own, other }) => {
        const status = async (path: string, init?: RequestInit) =>
          (await fetch(`/console/api${path}`, init)).status;
        const who = await (await fetch('/console/api/session')).json();
        return {
          operatorPage: await status('/accounts'),
          health: await status('/health'),
          otherAccount: await status(`/accounts/${other}`),
          otherAccountKeys: await status(`/accounts/${other}/keys`),
          ownWithoutToken: await status(`/accounts/${own}/keys`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ name: 'no token' }),
          }),
          ownWithToken: await status(`/accounts/${own}/keys`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': who.data.csrf_token },
            body: JSON.stringify({ name: 'with token' }),
          }),
        };
      },
      { own: accountId, other: otherAccountId },
    );
    expect(answers).toEqual({
      operatorPage: 403,
      health: 403,
      otherAccount: 404,
      otherAccountKeys: 404,
      ownWithoutToken: 403,
      ownWithToken: 201,
    });
  });

  it('ten wrong passwords are throttled', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/console/`);
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) {
      await page.getByLabel('Email').fill(MEMBER.email);
      await page.getByLabel('Password').fill(`wrong password ${i}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      seen.push(((await alert.textContent()) ?? '').trim());
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
    }
    expect(seen.slice(0, 5).every((t) => t === 'The email or password is not correct')).toBe(true);
    expect(seen[9]).toMatch(/^Too many failed sign-ins\. Try again in \d+ seconds\.$/);
    // The right password is refused too while throttled.
    await page.getByLabel('Password').fill(MEMBER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(/Too many failed sign-ins/).waitFor();
  });

  it('reports the weight of the first page: bytes transferred and time to interactive', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    contexts.push(context);
    const page = await context.newPage();
    let bytes = 0;
    let requests = 0;
    page.on('requestfinished', async (request) => {
      const sizes = await request.sizes();
      bytes += sizes.responseHeadersSize + sizes.responseBodySize;
      requests += 1;
    });
    await page.goto(`${server.url}/console/`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const interactiveMs = await page.evaluate(() => performance.now());
    await page.waitForLoadState('networkidle');
    console.info(
      `console first page: ${requests} requests, ${bytes} bytes transferred, interactive after ${Math.round(interactiveMs)} ms (loopback)`,
    );
    expect(requests).toBeGreaterThan(0);
  });
});
