/**
 * The live viewer in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core),
 * against the real broker (viewer port from `inspect.port` in its config) and a real ZooKeeper:
 * the page shows the actors, highlights zookeeperClient's `session.watching`, then `degraded`
 * while ZooKeeper is stopped, then `watching` again after it is back.
 *
 * Screenshots go to $RAFKA_ARTIFACTS_DIR (default: <tmp>/rafka-artifacts). Without the browser
 * ($RAFKA_CHROMIUM, default /usr/bin/chromium) the test is skipped locally; with CI set it fails.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startZooKeeper, freePort, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, cleanupAll } from '../integration/support.js';

const CHROMIUM = process.env.RAFKA_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) {
  throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium) for the viewer's browser test`);
}
if (!haveChromium) console.warn(`[viewer-browser] skipped: ${CHROMIUM} not found (apt-get install -y chromium); in CI this fails instead`);

export const ARTIFACTS_DIR = process.env.RAFKA_ARTIFACTS_DIR ?? join(tmpdir(), 'rafka-artifacts');
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let zk: ZooKeeperServer;
let browser: Browser | undefined;
beforeAll(async () => {
  if (!haveChromium) return;
  [zk, browser] = await Promise.all([
    startZooKeeper(),
    chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS }),
  ]);
});
afterEach(async () => { await stopAllBrokers(); });
afterAll(async () => { await browser?.close(); await cleanupAll(); await zk?.close(); });

const stateBox = (actor: string, path: string) => `.chart[data-actor="${actor}"] .state[data-path="${path}"]`;
const activeState = (actor: string, path: string) => `${stateBox(actor, path)}.active`;

async function shot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const file = join(ARTIFACTS_DIR, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

describe.skipIf(!haveChromium)('live viewer in headless Chromium', () => {
  it('shows the actors and follows zookeeperClient: watching → degraded (ZooKeeper stopped) → watching (back)', async () => {
    const port = await freePort();
    const b = await brokerConfig(zk, { 'inspect.port': String(port) });
    const broker = startBroker(b);
    await broker.waitForLog(started);

    const page = await browser!.newPage({ viewport: { width: 1440, height: 1000 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`http://127.0.0.1:${port}/`);

    await page.waitForSelector('#conn[data-state=open]', { timeout: 10_000 });
    await page.waitForSelector(activeState('majordomo', 'running.serving'), { timeout: 10_000 });
    await page.waitForSelector(activeState('zookeeperClient', 'session.watching'), { timeout: 10_000 });
    const tree = await page.$$eval('#tree li', (lis) => lis.map((li) => li.getAttribute('data-actor')));
    for (const n of ['majordomo', 'zookeeperClient', 'logDirFailureChannel', 'featureListener', 'controller', 'dynamicConfig']) expect(tree, n).toContain(n);
    // Only the active states are highlighted: running and its child, not starting.
    expect(await page.$$eval(`.chart[data-actor="majordomo"] .state.active`, (els) => els.map((e) => e.getAttribute('data-path')))).toEqual(['running', 'running.serving']);
    expect(await page.isVisible(stateBox('zookeeperClient', 'session.degraded'))).toBe(true);
    // The machines that are definitions, not actors (registered by the hello): drawn, and the controller's partition
    // states counted — a topic created now shows up as one OnlinePartition
    const defs = await page.$$eval('.chart[data-definition]', (els) => els.map((e) => e.getAttribute('data-definition')));
    expect(defs).toEqual(['partitionStateMachine', 'replicaStateMachine', 'partitionIsrState', 'partitionFetchState', 'replicaAlterLogDirsState']);
    expect(await page.$$eval('.chart[data-definition="partitionIsrState"] .state', (els) => els.map((e) => e.getAttribute('data-path')))).toEqual(['committed', 'pendingExpand', 'pendingShrink']);
    const bootstrap = b.props.listeners!.replace('PLAINTEXT://', '');
    await new Promise<void>((resolve) => { const p = execFile('kcat', ['-b', bootstrap, '-P', '-t', 'viewer-t'], { timeout: 20_000 }, () => resolve()); p.stdin!.end('x\n'); });
    await page.waitForSelector('.chart[data-definition="partitionStateMachine"] .state[data-path="OnlinePartition"][data-count="1"].active', { timeout: 15_000 });
    expect(await page.textContent(`${stateBox('zookeeperClient', 'session.watching')} li`)).toContain('zk.disconnected → degraded');
    // The startup waterfall: each step of the Majordomo with how long it took.
    const wf = await page.$$eval('#wf .row', (rows) => rows.map((r) => r.textContent ?? ''));
    expect(wf.some((t) => /^majordomo · starting\.gettingClusterId.*[\d.]+ ms$/.test(t))).toBe(true);
    expect(wf.some((t) => /^getClusterId · \(actor\).*[\d.]+ ms$/.test(t))).toBe(true);
    await shot(page, 'viewer-running.png');
    // Smaller pictures for the README (docs/viewer.png, docs/viewer-waterfall.png are copies of these).
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'viewer.png') });
    await page.locator('#waterfall').screenshot({ path: join(ARTIFACTS_DIR, 'viewer-waterfall.png') });
    // Clicking an actor shows its (sanitised) context.
    expect(await page.isVisible('#details')).toBe(false);
    await page.click('#tree li[data-actor="majordomo"]');
    await page.locator('#details pre', { hasText: '"brokerState": "RUNNING"' }).waitFor({ timeout: 5000 });
    const details = await page.textContent('#details pre');
    expect(details).toContain('"log": "[Logger]"');
    expect(details).toContain('"type": "KafkaConfig"');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'viewer-context.png') });

    await zk.stop();
    await page.waitForSelector(activeState('zookeeperClient', 'session.degraded'), { timeout: 15_000 });
    expect(await page.$$(activeState('zookeeperClient', 'session.watching'))).toHaveLength(0);
    expect(await page.textContent('#log')).toContain('zk.degraded');
    await shot(page, 'viewer-degraded.png');

    await zk.start();
    await page.waitForSelector(activeState('zookeeperClient', 'session.watching'), { timeout: 30_000 });
    await shot(page, 'viewer-recovered.png');

    expect(pageErrors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(`http://127.0.0.1:${port}/`))).toEqual([]);
    await page.close();

    // The broker going away is shown, not an error.
    const page2 = await browser!.newPage();
    await page2.goto(`http://127.0.0.1:${port}/`);
    await page2.waitForSelector('#conn[data-state=open]');
    expect(await broker.stop()).toBe(0);
    await page2.waitForSelector('#conn[data-state=closed]', { timeout: 5000 });
    await page2.waitForSelector('.chart[data-actor="majordomo"] .state[data-path="stopped"].active', { timeout: 5000 });
    await page2.close();
  }, 150_000); // a headless Chromium, a broker and a ZooKeeper stop and start: 48 s measured beside six busy worktrees
});
