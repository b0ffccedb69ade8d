// The web UI in Debian's Chromium against a live stack (started by web_ui_e2e_test.sh):
// register, log in, upload a 20 MiB file and a folder (its durability bar reaching 100 % from
// file-ingest's real progress events), download byte-identical, rename, tag,
// delete, a file stored by another client appearing, an API key working with curl, an admin
// changing a tier and finding it in the audit log, a forgotten password replaced with the
// recovery code, a session that expires, axe-core on every view, the files view at 390x844,
// every field of an API answer the app reads declared in openapi.json, screenshots of every
// view, an admin acknowledging and silencing a real alert (a stopped chunk-store), the user's
// invoice from a real billing close, a forecast drawn in its band from imported samples, an S3
// key made in Profile signing a request and, revoked, refused (403 InvalidAccessKeyId),
// and the figures for docs/PERFORMANCE.md (initial JavaScript per route, the
// dashboard's first load).
import { chromium } from 'playwright-core';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { checkReads } from '../contract.mjs';

const URL_BASE = process.env.DM_URL;
const ADMIN_PASSWORD = process.env.DM_ADMIN_PASSWORD;
const CLI = process.env.DM_CLI; // the datamesh CLI, for the e2e-encryption round trips
const OUT = process.env.DM_E2E_OUT || join(tmpdir(), 'web-e2e');
if (!URL_BASE || !ADMIN_PASSWORD) throw new Error('DM_URL and DM_ADMIN_PASSWORD are required');
const SHOTS = join(OUT, 'screenshots');
mkdirSync(SHOTS, { recursive: true });
const TIMEOUT = 60000;
const axeSource = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const failures = [];
const started = Date.now();
const figures = {};

function check(cond, what) {
  if (!cond) {
    failures.push(what);
    console.error(`  FAIL: ${what}`);
  } else {
    console.log(`  ok: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
}
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

async function rest(method, path, { token, body, raw } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload = body;
  if (body !== undefined && !raw) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(URL_BASE + path, { method, headers, body: payload });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

// Watches a page for console errors, failed scripts and Content-Security-Policy violations.
function watch(page, label) {
  page.on('console', (m) => {
    const text = m.text();
    if (/Content Security Policy|Refused to/i.test(text)) failures.push(`${label}: CSP violation: ${text}`);
  });
  page.on('pageerror', (e) => failures.push(`${label}: uncaught error: ${e.message}`));
}

async function axe(page, view) {
  await page.evaluate(axeSource); // evaluate runs outside the page's CSP, unlike a <script> tag
  const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of bad) {
    console.error(`    axe ${view}: ${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')} (${n.any?.[0]?.message || ''})`).join(' | ')}`);
  }
  check(bad.length === 0, `${view}: axe-core finds no serious or critical violation`);
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function gotoView(page, path, heading) {
  await page.goto(URL_BASE + path);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor({ timeout: TIMEOUT });
}

async function loginUi(page, username, password) {
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

// ---- durability progress: the upload.progress frames the page's live feed receives.
function watchUploadProgress(page) {
  const frames = [];
  page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
    try {
      const f = JSON.parse(String(payload));
      if (f.type === 'file:upload:progress') frames.push(f.data);
    } catch { /* not JSON: not ours */ }
  }));
  return frames;
}

// The 20 MiB file's durability bar reaches 100 % from the real final event: 5 segments of
// 4 MiB, each k + m shards acknowledged by the devstack's chunk-stores.
async function checkDurability(page, frames) {
  const bar = page.getByRole('progressbar', { name: 'Durability of big.bin' });
  await page.locator('[data-upload="big.bin"] [data-testid=durability][aria-valuenow="100"]')
    .waitFor({ timeout: TIMEOUT });
  const text = await page.locator('[data-upload="big.bin"] [data-testid=durability-text]').innerText();
  const [, placed, total] = text.match(/shards placed (\d+)\/(\d+)/) || [];
  const last = frames.filter((f) => f.name === 'big.bin' && f.committed).pop();
  check(last !== undefined && Number(last.shardsPlaced) === Number(last.shardsTotal)
      && Number(last.segmentsDurable) === 5 && Number(last.segmentsTotal) === 5
      && Number(last.shardsTotal) === 5 * last.shardsPerSegment,
    `the final upload.progress of big.bin says every shard placed (${JSON.stringify(last)})`);
  check((await bar.getAttribute('aria-valuenow')) === '100' && placed === total
      && Number(total) === Number(last?.shardsTotal),
    `the durability bar reads 100 % and "${text}", from that event`);
  const early = frames.filter((f) => f.name === 'big.bin' && !f.committed);
  console.log(`    big.bin: ${early.length} progress events before the commit, shards placed ${early.map((f) => f.shardsPlaced).join(',')}`);
}

// ---- alerts: a chunk-store stopped mid-run fires DataMeshChunkStoreDown (its `for` is
// one minute; web_ui_e2e_test.sh makes monitoring scrape and evaluate every 2 s); an admin
// acknowledges it and silences it in the Alerts view.
const DEVSTACK = process.env.DM_DEVSTACK;
const STACK_DIR = process.env.DM_STACK_DIR;
const ALERT_VICTIM = 'chunk-store-5';
const ALERT_RULE = 'DataMeshChunkStoreDown';

function stopAlertVictim() {
  if (!DEVSTACK || !STACK_DIR) return false;
  execFileSync(DEVSTACK, ['kill-instance', '--dir', STACK_DIR, ALERT_VICTIM], { stdio: 'ignore' });
  return true;
}

async function victimAlert(token) {
  const r = await rest('GET', '/api/v1/monitoring/alerts', { token });
  return (r.json?.alerts || []).find((a) => a.rule === ALERT_RULE && a.labels?.instance === ALERT_VICTIM);
}

// Polls `probe` every `everyMs` until it returns something truthy or `ms` pass; returns that.
async function pollFor(probe, ms, everyMs = 1000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function checkAlertAckAndSilence(browser) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  try {
    const p = await ctx.newPage();
    watch(p, 'alerts');
    await p.goto(`${URL_BASE}/login`);
    await loginUi(p, 'admin', ADMIN_PASSWORD);
    await p.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor({ timeout: TIMEOUT });
    const token = await p.evaluate(() => JSON.parse(sessionStorage.getItem('datamesh.session')).token);
    const firing = await pollFor(async () => {
      const a = await victimAlert(token);
      return a?.state === 'firing' ? a : null;
    }, 180000, 5000); // every 5 s: the admin's calls count against its tier's hourly limit
    check(firing, `${ALERT_RULE} fires for the stopped ${ALERT_VICTIM}`);
    if (!firing) return;
    await gotoView(p, '/alerts', 'Alerts');
    const row = p.locator(`[data-testid="alert-${firing.id}"]`);
    await row.waitFor({ timeout: TIMEOUT });
    const text = await row.innerText();
    check(text.includes('firing') && text.includes(`Chunk store ${ALERT_VICTIM} is down`) && /What to do:/.test(text),
      'the Alerts view lists the firing alert with its summary and what to do');
    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await row.locator('[data-testid=acknowledged]').waitFor({ timeout: TIMEOUT });
    const acked = await victimAlert(token);
    check(acked?.acknowledgement?.by && (await row.locator('[data-testid=acknowledged]').innerText()).includes(`Acknowledged by ${acked.acknowledgement.by}`)
        && (await row.getByRole('button', { name: 'Acknowledge' }).count()) === 0,
      `the admin acknowledges it in the view (the API records it by ${acked?.acknowledgement?.by})`);
    await row.getByRole('button', { name: 'Silence' }).click();
    const form = p.locator('[data-testid=silence-form]');
    const comment = `web e2e: ${ALERT_VICTIM} is being replaced`;
    await form.locator('[data-testid=silence-comment]').fill(comment);
    await form.locator('[data-testid=silence-submit]').click();
    await row.locator('[data-testid=silenced]').waitFor({ timeout: TIMEOUT });
    const silences = (await rest('GET', '/api/v1/monitoring/silences', { token })).json?.silences || [];
    const silence = silences.find((s) => s.comment === comment);
    const silenced = await victimAlert(token);
    check(silence && silence.state === 'active'
        && silence.matchers.some((m) => m.name === 'instance' && m.value === ALERT_VICTIM)
        && (silenced?.silencedBy || []).includes(silence.id),
      'the silence made in the view mutes the alert (the API lists it in silencedBy)');
    const silenceRow = p.locator('[data-testid=silences] tr', { hasText: comment });
    check(await silenceRow.isVisible(), 'the silence is listed with its comment');
    await axe(p, 'alerts (admin)');
    await shot(p, 'desktop-alerts-admin');
    await silenceRow.getByRole('button', { name: 'Expire' }).click();
    // Listed as expired, or no longer listed: either way its Expire button goes.
    await silenceRow.getByRole('button', { name: 'Expire' }).waitFor({ state: 'detached', timeout: TIMEOUT });
    const after = await victimAlert(token);
    check(!(after?.silencedBy || []).includes(silence?.id), 'expiring the silence in the view unmutes the alert');
  } finally {
    await ctx.close();
  }
}

// ---- forecast band: a day of a made-up zone's used bytes (growing 5 GiB a day, with
// a wobble of ±3 GiB, so the band is wide enough to see and count) and its capacity, imported into monitoring; the report forecasts the zone and the
// Analytics view draws the forecast inside its filled 95 % band.
const BAND_ZONE = 'e2e-forecast';

async function checkForecastBand(page, token) {
  const GiB = 2 ** 30;
  const now = Date.now();
  const used = [];
  const capacity = [];
  for (let t = now - 86400000; t <= now - 60000; t += 240000) {
    const day = (t - (now - 86400000)) / 86400000;
    const bytes = Math.round((200 + 5 * day + 3 * Math.sin(t / 3.6e6)) * GiB);
    used.push(`datamesh_chunk_store_used_bytes{zone="${BAND_ZONE}",instance="${BAND_ZONE}-node"} ${bytes} ${t}`);
    capacity.push(`datamesh_chunk_store_capacity_bytes{zone="${BAND_ZONE}",instance="${BAND_ZONE}-node"} ${1024 * GiB} ${t}`);
  }
  const body = ['# TYPE datamesh_chunk_store_used_bytes gauge', ...used,
    '# TYPE datamesh_chunk_store_capacity_bytes gauge', ...capacity, ''].join('\n');
  const imported = await fetch(`${URL_BASE}/api/v1/monitoring/import`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/plain' }, body });
  const stored = imported.status === 200 ? Number((await imported.json()).samplesStored) : -1;
  check(stored === used.length * 2, `monitoring imports a day of zone ${BAND_ZONE} (${stored} samples)`);
  const report = (await rest('GET', '/api/v1/monitoring/analytics', { token })).json || {};
  const f = (report.forecasts || []).find((x) => x.zone === BAND_ZONE);
  check(f?.status === 'filling' && f.slopeLowPerDay < f.slopePerDay && f.slopePerDay < f.slopeHighPerDay,
    `the report forecasts ${BAND_ZONE} filling, ${f?.slopePerDay / GiB} GiB/day in [${f?.slopeLowPerDay / GiB}, ${f?.slopeHighPerDay / GiB}]`);
  if (!f) return;
  await page.locator('[data-testid=analytics-form]').getByRole('button', { name: 'Show' }).click();
  const card = page.locator(`[data-testid=forecast-chart][data-zone="${BAND_ZONE}"]`);
  const canvas = card.locator('canvas');
  await canvas.waitFor({ timeout: TIMEOUT });
  const label = await canvas.getAttribute('aria-label');
  const fullIn = `${Number(f.daysUntilFull).toFixed(1)} ± ${Number(f.daysMargin).toFixed(1)} days`;
  check(label.includes(fullIn), `the forecast chart of ${BAND_ZONE} is labelled with its "full in" (${fullIn})`);
  // The band is the line's blue at 18 % opacity on the transparent canvas: count blue pixels
  // that are translucent (the solid line is opaque; only its anti-aliased edge is not).
  const pale = await pollFor(() => canvas.evaluate((c) => {
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
      if (a >= 30 && a <= 65 && b > r + 80 && b > g + 60) n++;
    }
    return n > 10000 ? n : 0;
  }), 10000);
  check(pale > 10000, `the forecast is drawn inside a filled band (${pale} band pixels)`);
  const forecastsSection = page.locator('[data-testid=analytics-forecasts]');
  const gaps = (report.insufficientData || []).filter((g) => g.section === 'forecasts');
  check((await forecastsSection.locator('[data-testid=insufficient]').count()) === gaps.length,
    `each zone the report lacks data for reads "insufficient data" (${gaps.length})`);
  check(await page.locator('[data-testid=trend-chart][data-trend=storage] canvas').isVisible(),
    'the storage trend, now with a day of data, is drawn with its band');
  await axe(page, 'analytics (forecast)');
  await shot(page, 'desktop-analytics-forecast');
}

// ---- invoices: the admin closes this month's billing (quota's real records of the
// run's uploads and downloads); the user's Governance view lists the invoice and its lines.
async function checkInvoices(page, adminToken, userToken) {
  const month = new Date().toISOString().slice(0, 7);
  const closed = await rest('POST', '/api/v1/governance/billing/close', { token: adminToken, body: { month } });
  check(closed.status === 200 && closed.json.records >= 1,
    `the admin closes ${month}'s billing (${closed.status}: ${closed.json?.records} records, ${closed.json?.invoicesWritten} invoices written)`);
  const mine = (await rest('GET', '/api/v1/governance/invoices', { token: userToken })).json?.invoices || [];
  const invoice = mine.find((i) => i.month === month);
  check(invoice, `the user has an invoice for ${month} from the API`);
  if (!invoice) return;
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Governance' }).waitFor({ timeout: TIMEOUT });
  const panel = page.locator('[data-testid=invoices]');
  const row = panel.locator('[data-testid=invoice-list] tbody tr', { hasText: month });
  await row.waitFor({ timeout: TIMEOUT });
  const cells = await row.locator('td').allInnerTexts();
  check(cells[1] === invoice.tier && cells[3] === invoice.state,
    `the invoices panel lists ${month} as the API does (${cells.slice(0, 4).join(' | ')})`);
  const seen = [];
  page.on('pageerror', (e) => seen.push(`page error: ${e.message}`));
  page.on('response', (r) => { if (r.url().includes('/invoices/')) seen.push(`${r.status()} ${r.url()}`); });
  page.on('requestfailed', (r) => seen.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
  await row.getByRole('button', { name: 'Details' }).click();
  const lines = panel.locator('[data-testid=invoice-lines]');
  await lines.waitFor({ timeout: TIMEOUT }).catch(async (e) => {
    // Say what the panel shows instead (its error line), not only that the lines never came.
    throw new Error(`${e.message}\n  the invoices panel reads: ${(await panel.innerText()).slice(0, 800)}\n  ${seen.join('\n  ')}`);
  });
  const detail = (await rest('GET', `/api/v1/governance/invoices/${invoice.id}`, { token: userToken })).json?.invoice;
  const shown = await lines.locator('tbody tr').count();
  check(detail?.lines?.some((l) => l.kind === 'storage') && shown === detail.lines.length + 1
      && (await lines.innerText()).includes('Storage'),
    `its details show the ${detail?.lines?.length} lines of the API's invoice and the total`);
  await shot(page, 'desktop-governance-invoices');
}

// ---- S3 keys panel (Profile): a key is created with its secret shown once, listed without
// the secret, signs an S3 request (Debian's boto3, run once per check); revoked, it leaves the
// list and no longer signs: the S3 endpoint answers 403 InvalidAccessKeyId.
function s3Endpoint() {
  if (!STACK_DIR) return '';
  const line = readFileSync(join(STACK_DIR, 'env'), 'utf8').split('\n')
    .find((l) => l.startsWith('DM_GATEWAY_S3_URL='));
  return line ? line.slice('DM_GATEWAY_S3_URL='.length).trim() : '';
}

// ListBuckets signed with the key: "OK", or the S3 error code and HTTP status.
function s3ListBuckets(endpoint, keyId, secret) {
  const script = [
    'import os, boto3',
    'from botocore.config import Config',
    'from botocore.exceptions import ClientError',
    "c = boto3.client('s3', endpoint_url=os.environ['EP'], aws_access_key_id=os.environ['KID'],",
    "    aws_secret_access_key=os.environ['SEC'], region_name='us-east-1',",
    "    config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}))",
    'try:',
    "    c.list_buckets(); print('OK')",
    'except ClientError as e:',
    "    print(e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'])",
  ].join('\n');
  const env = { PATH: process.env.PATH, EP: endpoint, KID: keyId, SEC: secret,
    AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
  return execFileSync('/usr/bin/python3', ['-c', script], { env, encoding: 'utf8' }).trim();
}

async function s3KeysPanel(page) {
  const endpoint = s3Endpoint();
  check(endpoint !== '', `the stack serves S3 (${endpoint})`);
  if (!endpoint) return;
  await page.locator('#s3-key-name').fill('e2e-s3');
  await page.getByRole('button', { name: 'Create S3 key' }).click();
  const keyId = (await page.locator('[data-testid=s3-access-key-id]').innerText({ timeout: TIMEOUT })).trim();
  const secret = (await page.locator('[data-testid=s3-secret]').innerText()).trim();
  check(/^[A-Z0-9]{20}$/.test(keyId) && secret.length === 40, `a new S3 key ${keyId} is shown with its secret`);
  const row = page.locator(`[data-s3-key="${keyId}"]`);
  await row.waitFor({ timeout: TIMEOUT });
  const table = await page.locator('[data-testid=s3-keys-table]').innerText();
  check((await row.innerText()).includes('e2e-s3') && !table.includes(secret), 'the key is listed, without its secret');
  check(s3ListBuckets(endpoint, keyId, secret) === 'OK', 'the S3 key made in the UI signs a ListBuckets');
  await page.getByRole('button', { name: 'Done' }).click();
  await page.reload();
  await row.waitFor({ timeout: TIMEOUT });
  check(!(await page.content()).includes(secret), 'the secret is not shown again after a reload');
  await shot(page, 'desktop-profile-s3-keys');
  await row.getByRole('button', { name: 'Revoke' }).click();
  await page.locator('.el-message-box').getByRole('button', { name: 'Revoke' }).click();
  await row.waitFor({ state: 'detached', timeout: TIMEOUT });
  check(true, 'the revoked key leaves the list');
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('datamesh.session')).token);
  const listed = (await rest('GET', '/api/v1/auth/s3-keys', { token })).json;
  check(!(listed?.s3Keys || []).some((k) => k.accessKeyId === keyId), 'the API no longer lists the revoked key');
  // Revocation reaches every gateway through the bus; poll briefly rather than assume it is instant.
  let answer = '';
  for (const deadline = Date.now() + 30000; Date.now() < deadline;) {
    answer = s3ListBuckets(endpoint, keyId, secret);
    if (answer !== 'OK') break;
    await new Promise((r) => setTimeout(r, 500));
  }
  check(answer === 'InvalidAccessKeyId 403', `the revoked key no longer signs (${answer})`);
}

// ---- alert rules (Alerts -> Rules tab): shipped rules are listed read-only; a rule whose
// expression does not parse shows the server's validation error and is not stored; the same
// form, corrected, adds the rule, which is listed and stored as entered; deleting it removes it
// from the list and from the API.
const RULES_TAB_RULE = 'WebE2eRepairQueueDeep';

const field = (form, id, tag) => form.locator(`${tag}[data-testid=${id}], [data-testid=${id}] ${tag}`);

async function checkRulesTab(page, token) {
  const listed = async () => (await rest('GET', '/api/v1/monitoring/alert-rules', { token })).json?.rules || [];
  await gotoView(page, '/alerts', 'Alerts');
  await page.locator('[data-testid=tab-rules]').click();
  const panel = page.locator('[data-testid=rules]');
  const shipped = panel.locator('[data-testid="rule-DataMeshFileLost"]');
  await shipped.waitFor({ timeout: TIMEOUT });
  check((await shipped.locator('[data-testid=rule-delete]').count()) === 0,
    'rules tab: a shipped rule (DataMeshFileLost) is listed without a Delete button');
  await panel.locator('[data-testid=rule-add]').click();
  const form = panel.locator('[data-testid=rule-form]');
  await field(form, 'rule-name', 'input').fill('WebE2eBroken');
  await field(form, 'rule-expr', 'textarea').fill('sum(rate(datamesh_file_ingest_repair_backlog_segments[5m])');
  await form.locator('[data-testid=rule-submit]').click();
  const error = form.locator('[data-testid=rule-error]');
  await error.waitFor({ timeout: TIMEOUT });
  const errorText = await error.innerText();
  check(/parse error/.test(errorText) && !(await listed()).some((r) => r.name === 'WebE2eBroken'),
    `rules tab: a bad expression shows the validation error (${errorText.slice(0, 80)}) and stores nothing`);
  await field(form, 'rule-name', 'input').fill(RULES_TAB_RULE);
  await field(form, 'rule-expr', 'textarea').fill('datamesh_file_ingest_repair_backlog_segments > 1000');
  await field(form, 'rule-for', 'input').fill('10m');
  await form.locator('[data-testid=rule-submit]').click();
  const row = panel.locator(`[data-testid="rule-${RULES_TAB_RULE}"]`);
  await row.waitFor({ timeout: TIMEOUT });
  const stored = (await listed()).find((r) => r.name === RULES_TAB_RULE);
  check(stored && !stored.readOnly && stored.pendingFor === '600s'
      && (await row.innerText()).includes('datamesh_file_ingest_repair_backlog_segments > 1000'),
    'rules tab: the added rule is listed and stored as entered (for 10m)');
  await axe(page, 'alerts rules tab (admin)');
  await shot(page, 'desktop-alerts-rules');
  await row.locator('[data-testid=rule-delete]').click();
  await row.waitFor({ state: 'detached', timeout: TIMEOUT });
  check(!(await listed()).some((r) => r.name === RULES_TAB_RULE),
    'rules tab: the deleted rule leaves the list and the API');
}

async function main() {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
  // Every field of an API answer the app reads is reported here (src/services/readRecorder.js)
  // and checked against openapi.json at the end (tests/contract.mjs).
  const apiReads = new Set();
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const ctx = await newContext(options);
    await ctx.exposeBinding('__dmApiRead', (_source, key) => apiReads.add(key));
    return ctx;
  };
  const user = `web${randomBytes(4).toString('hex')}`;
  let password = `pw-${randomBytes(6).toString('hex')}`;
  try {
    // ---- serving: headers of the app shell and a hashed asset
    const shell = await fetch(`${URL_BASE}/files/deep/link`, { headers: { Accept: 'text/html' } });
    const csp = shell.headers.get('content-security-policy') || '';
    const html = await shell.text();
    check(shell.status === 200 && html.includes('<div id="app">'), 'a deep link answers the app shell');
    check(csp.includes("script-src 'self'") && csp.includes("frame-ancestors 'none'"), 'the shell carries the CSP');
    check(!/<script>(?!<\/script>)/.test(html) && !/<style/.test(html), 'index.html has no inline script or style');
    const asset = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    const assetRes = await fetch(URL_BASE + asset);
    check(assetRes.headers.get('cache-control') === 'public, max-age=31536000, immutable', 'hashed assets are immutable');
    check((await fetch(`${URL_BASE}/api/v1/nope`, { headers: { Accept: 'text/html' } })).status === 404,
      'an unknown /api/ path stays 404 for a browser');

    // ---- desktop: register, log in
    const desktop = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    const page = await desktop.newPage();
    watch(page, 'desktop');
    // Before the app opens its live feed: Playwright reports only sockets opened after this.
    const progressFrames = watchUploadProgress(page);
    await page.goto(`${URL_BASE}/files`);
    await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('redirect') === '/files', { timeout: TIMEOUT });
    check(true, 'an anonymous visit to /files goes to the login page');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await axe(page, 'login');
    await shot(page, 'desktop-login');
    await gotoView(page, '/forgot-password', 'Forgot password');
    check(/recovery code/.test(await page.locator('main').innerText()),
      'forgot password asks for the recovery code (never a fake "email sent")');
    await axe(page, 'forgot-password');
    await shot(page, 'desktop-forgot-password');
    await gotoView(page, '/register', 'Create an account');
    await axe(page, 'register');
    await shot(page, 'desktop-register');
    await page.locator('#reg-username').fill(user);
    await page.locator('#reg-email').fill(`${user}@example.com`);
    await page.locator('#reg-password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/login/, { timeout: TIMEOUT });
    check((await page.locator('#login-username').inputValue()) === user, 'registering leads to login with the username filled');
    await loginUi(page, user, 'wrong-password');
    await page.getByText('Wrong username or password.').waitFor({ timeout: TIMEOUT });
    check(true, 'a wrong password reads "Wrong username or password."');
    // Keyboard only: Tab reaches the skip link, then the fields; Enter submits.
    await page.goto(`${URL_BASE}/login?username=${user}`);
    await page.locator('#login-username').waitFor();
    const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.className);
    await page.keyboard.press('Tab');
    check((await focused()) === 'skip-link', 'Tab first reaches "Skip to content"');
    await page.keyboard.press('Tab');
    check((await focused()) === 'login-username', 'the next Tab reaches the username');
    await page.keyboard.press('Tab');
    await page.keyboard.type(password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor({ timeout: TIMEOUT });
    check(true, 'logging in with the keyboard alone opens the dashboard');
    check(Object.keys(await page.evaluate(() => ({ ...localStorage }))).every((k) => !/session|token/i.test(k)),
      'no session token in localStorage');
    await page.locator('.status.open').first().waitFor({ timeout: TIMEOUT });
    check(true, 'the live feed connects');
    await axe(page, 'dashboard');
    await shot(page, 'desktop-dashboard');
    const session = await page.evaluate(() => JSON.parse(sessionStorage.getItem('datamesh.session')));
    const me = await rest('GET', '/api/v1/auth/profile', { token: session.token });
    const userId = me.json.user.id;

    // ---- files: a 20 MiB file and a folder
    const big = randomBytes(20 * 1024 * 1024);
    const dir = mkdtempSync(join(tmpdir(), 'web-e2e-'));
    mkdirSync(join(dir, 'album', 'inner'), { recursive: true });
    writeFileSync(join(dir, 'album', 'a.txt'), 'first small file\n');
    writeFileSync(join(dir, 'album', 'b.txt'), 'second small file\n');
    writeFileSync(join(dir, 'album', 'inner', 'c.txt'), 'nested\n');
    await page.getByRole('link', { name: 'Files' }).click();
    await page.getByRole('heading', { level: 1, name: 'Files' }).waitFor();
    await page.locator('[data-testid=file-input]').setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: big });
    await page.locator('[data-testid=folder-input]').setInputFiles(join(dir, 'album'));
    await page.locator('[data-upload="big.bin"][data-state=done]').waitFor({ timeout: 120000 });
    for (const n of ['album/a.txt', 'album/b.txt', 'album/inner/c.txt']) {
      await page.locator(`[data-upload="${n}"][data-state=done]`).waitFor({ timeout: TIMEOUT });
    }
    check(true, 'the 20 MiB file and the folder (3 files, nested) upload');
    // A drop on the drop zone, with a DataTransfer built in the page as a browser's drop has it.
    const dropped = await page.evaluateHandle(() => {
      const d = new DataTransfer();
      d.items.add(new File(['dropped bytes\n'], 'dropped.txt', { type: 'text/plain' }));
      return d;
    });
    await page.locator('[data-testid=dropzone]').dispatchEvent('drop', { dataTransfer: dropped });
    await page.locator('[data-upload="dropped.txt"][data-state=done]').waitFor({ timeout: TIMEOUT });
    check(true, 'a file dropped on the drop zone uploads');
    check((await page.getByRole('progressbar', { name: 'Upload of big.bin' }).getAttribute('aria-valuenow')) === '100',
      'the big upload shows 100 %');
    await checkDurability(page, progressFrames);
    await page.locator('[data-file="big.bin"]').waitFor({ timeout: TIMEOUT });
    check(await page.getByRole('button', { name: 'album/', exact: true }).isVisible(), 'the folder shows as a folder');
    await axe(page, 'files');
    await shot(page, 'desktop-files');

    // download byte-identical
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 120000 }),
      page.locator('[data-file="big.bin"]').getByRole('button', { name: 'Download' }).click(),
    ]);
    const saved = join(dir, 'downloaded.bin');
    await download.saveAs(saved);
    check(sha256(readFileSync(saved)) === sha256(big), 'the downloaded file is byte-identical (SHA-256)');
    check((await page.locator('[data-download="big.bin"] [role=progressbar]').getAttribute('aria-valuenow')) === '100',
      'the download shows 100 %');

    // ---- end-to-end encryption: the browser and the CLI read each other's files with one key file
    const cliDir = join(dir, 'cli');
    mkdirSync(cliDir);
    const cli = (args, input) => execFileSync(CLI, args, {
      cwd: dir, input, encoding: 'utf8', env: { ...process.env, DM_ENDPOINT: URL_BASE, DM_CONFIG_DIR: cliDir } });
    cli(['login', user, '--password-stdin'], `${password}\n`);
    const cliPlain = randomBytes(1536 * 1024 + 7); // two e2e chunks
    writeFileSync(join(dir, 'cli-plain.bin'), cliPlain);
    cli(['put', '--e2e', join(dir, 'cli-plain.bin'), '--name', 'cli-secret.bin']);
    await page.locator('[data-testid=e2e-key-input]').setInputFiles(join(cliDir, 'e2e.key'));
    await page.getByText(/Key [0-9a-f]{16} loaded/).waitFor({ timeout: TIMEOUT });
    check(await page.locator('[data-testid=e2e-encrypt]').isChecked(), "the CLI's key file loads and turns encryption on");
    await page.getByRole('button', { name: 'Refresh' }).click();
    const cliRow = page.locator('[data-file="cli-secret.bin"]');
    await cliRow.waitFor({ timeout: TIMEOUT });
    check((await cliRow.innerText()).includes('end-to-end encrypted'), 'a file the CLI encrypted is marked end-to-end encrypted');
    const [cliDownload] = await Promise.all([
      page.waitForEvent('download', { timeout: 120000 }),
      cliRow.getByRole('button', { name: 'Download' }).click(),
    ]);
    await cliDownload.saveAs(join(dir, 'from-cli.bin'));
    check(sha256(readFileSync(join(dir, 'from-cli.bin'))) === sha256(cliPlain), 'the browser decrypts what the CLI encrypted');
    const browserPlain = randomBytes(2 * 1024 * 1024 + 11);
    await page.locator('[data-testid=file-input]').setInputFiles({ name: 'browser-secret.bin', mimeType: 'application/octet-stream', buffer: browserPlain });
    await page.locator('[data-upload="browser-secret.bin"][data-state=done]').waitFor({ timeout: 120000 });
    const stored = await rest('GET', '/api/v1/files?prefix=browser-secret', { token: session.token });
    const storedId = stored.json.files[0].id;
    check(stored.json.files[0].encryption === 'client', 'the browser marks its encrypted upload "client"');
    const rawStored = Buffer.from(await (await fetch(`${URL_BASE}/api/v1/files/${storedId}`, {
      headers: { Authorization: `Bearer ${session.token}` } })).arrayBuffer());
    check(rawStored.subarray(0, 6).toString() === 'DME2EF' && rawStored.indexOf(browserPlain.subarray(0, 64)) < 0,
      'the server holds only ciphertext of the browser-encrypted file');
    cli(['get', 'browser-secret.bin', '-o', join(dir, 'from-browser.bin')]);
    check(sha256(readFileSync(join(dir, 'from-browser.bin'))) === sha256(browserPlain), 'the CLI decrypts what the browser encrypted');
    await page.locator('[data-testid=e2e-encrypt]').uncheck();
    await shot(page, 'desktop-files-e2e');

    // folder navigation
    await page.getByRole('button', { name: 'album/', exact: true }).click();
    await page.locator('[data-file="album/a.txt"]').waitFor({ timeout: TIMEOUT });
    check(await page.getByRole('button', { name: 'inner/', exact: true }).isVisible(), 'inside album/, inner/ is a folder');
    await page.getByRole('button', { name: 'All files' }).click();
    await page.locator('[data-file="big.bin"]').waitFor();
    // prefix search
    await page.locator('#file-search').fill('bi');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: 'album/', exact: true }).waitFor({ state: 'detached', timeout: TIMEOUT });
    check(await page.locator('[data-file="big.bin"]').isVisible(), 'a prefix search keeps only matching names');
    await page.locator('#file-search').fill('');
    await page.getByRole('button', { name: 'Search' }).click();

    // health
    await page.locator('[data-file="big.bin"]').getByRole('button', { name: 'Health' }).click();
    const health = page.locator('[data-testid=health]');
    await health.waitFor({ timeout: TIMEOUT });
    check(/healthy|degraded|at_risk/.test(await health.innerText()), "a file's health shows its state");
    await shot(page, 'desktop-file-health');
    await page.keyboard.press('Escape');
    await health.waitFor({ state: 'hidden' });

    // rename and tag
    await page.locator('[data-file="big.bin"]').getByRole('button', { name: 'Edit' }).click();
    await page.locator('#edit-name').fill('renamed.bin');
    await page.locator('#edit-tags').fill('project:e2e, draft');
    await page.getByRole('button', { name: 'Save' }).click();
    const renamed = page.locator('[data-file="renamed.bin"]');
    await renamed.waitFor({ timeout: TIMEOUT });
    check((await renamed.innerText()).includes('project:e2e'), 'rename and tags are saved and shown');

    // delete with confirmation
    await renamed.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).last().click();
    await renamed.waitFor({ state: 'detached', timeout: TIMEOUT });
    const gone = await rest('GET', '/api/v1/files?prefix=renamed', { token: session.token });
    check(gone.json.files.length === 0, 'the deleted file is gone from the API too');

    // a file stored by another client shows up
    const other = await rest('POST', '/api/v1/auth/login', { body: { username: user, password } });
    const up = await fetch(`${URL_BASE}/api/v1/files?name=from-other-client.txt`, {
      method: 'POST', headers: { Authorization: `Bearer ${other.json.token}` }, body: 'hello from elsewhere',
    });
    check(up.status === 201, 'another client uploads over REST');
    let live = true;
    try {
      await page.locator('[data-file="from-other-client.txt"]').waitFor({ timeout: 15000 });
    } catch {
      live = false;
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.locator('[data-file="from-other-client.txt"]').waitFor({ timeout: TIMEOUT });
    }
    check(true, `the other client's file appears (${live ? 'live, from the WebSocket event' : 'after Refresh'})`);
    figures.otherClientFileLive = live;

    // ---- profile: API key used with curl, theme kept
    await page.getByRole('link', { name: 'Profile & settings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Profile and settings' }).waitFor();
    await page.locator('#key-name').fill('e2e-key');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.locator('[data-testid=new-key]').innerText({ timeout: TIMEOUT })).trim();
    await page.locator('[data-key="e2e-key"]').waitFor({ timeout: TIMEOUT });
    const curlOut = execFileSync('curl', ['-sS', '-w', '\n%{http_code}', '-H', `Authorization: Bearer ${key}`,
      `${URL_BASE}/api/v1/files?prefix=from-other`], { encoding: 'utf8' });
    check(curlOut.endsWith('\n200') && curlOut.includes('from-other-client.txt'), 'the API key created in the UI works with curl');
    await axe(page, 'profile');
    await shot(page, 'desktop-profile');
    await page.getByRole('radio', { name: 'Dark' }).check();
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Profile and settings' }).waitFor();
    check(await page.evaluate(() => document.documentElement.classList.contains('dark')), 'the dark theme is kept across visits');
    await axe(page, 'profile (dark)');
    await shot(page, 'desktop-profile-dark');
    await page.getByRole('radio', { name: 'Light' }).check();
    // The S3 keys panel with a user of its own: this user's calls must stay under the Free
    // tier's 100 API calls an hour, which the invoices check further on still needs.
    {
      const s3User = `s3${randomBytes(4).toString('hex')}`;
      const s3Password = `pw-${randomBytes(6).toString('hex')}`;
      check((await rest('POST', '/api/v1/auth/register', { body: { username: s3User, email: `${s3User}@example.com`, password: s3Password } })).status === 201,
        'a user registers for the S3 keys panel');
      const s3Ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const s3Page = await s3Ctx.newPage();
      watch(s3Page, 's3-keys');
      await s3Page.goto(`${URL_BASE}/login`);
      await loginUi(s3Page, s3User, s3Password);
      await s3Page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor({ timeout: TIMEOUT });
      await gotoView(s3Page, '/profile', 'Profile and settings');
      await s3KeysPanel(s3Page);
      await s3Ctx.close();
    }

    // ---- password change: a wrong current password is refused; the new one logs in, the old one no longer
    const newPassword = `${password}-new`;
    await page.locator('#pw-current').fill('not-my-password');
    await page.locator('#pw-new').fill(newPassword);
    await page.locator('#pw-confirm').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('The current password is wrong.').waitFor({ timeout: TIMEOUT });
    check((await rest('POST', '/api/v1/auth/login', { body: { username: user, password } })).status === 200,
      'a refused password change leaves the old password working');
    await page.locator('#pw-current').fill(password);
    await page.locator('#pw-new').fill(newPassword);
    await page.locator('#pw-confirm').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed.').waitFor({ timeout: TIMEOUT });
    check((await rest('POST', '/api/v1/auth/login', { body: { username: user, password } })).status === 401,
      'after the change the old password is refused');
    password = newPassword;
    const relogin = await rest('POST', '/api/v1/auth/login', { body: { username: user, password } });
    check(relogin.status === 200, 'after the change the new password logs in');
    const listed = await rest('GET', '/api/v1/files?prefix=from-other', { token: relogin.json.token });
    const keep = await fetch(`${URL_BASE}/api/v1/files/${encodeURIComponent(listed.json.files[0].id)}`, {
      headers: { Authorization: `Bearer ${relogin.json.token}` } });
    check(keep.status === 200 && (await keep.text()) === 'hello from elsewhere',
      'a file stored before the change still downloads, byte-identical, with a session of the new password');

    // ---- recovery code: made in the profile, it replaces a forgotten password and the files stay readable
    {
      const rcUser = `rc${randomBytes(4).toString('hex')}`;
      const rcPassword = `pw-${randomBytes(6).toString('hex')}`;
      check((await rest('POST', '/api/v1/auth/register', { body: { username: rcUser, email: `${rcUser}@example.com`, password: rcPassword } })).status === 201,
        'a second user registers for the recovery flow');
      const rcToken = (await rest('POST', '/api/v1/auth/login', { body: { username: rcUser, password: rcPassword } })).json.token;
      const kept = `kept before the reset ${randomBytes(8).toString('hex')}`;
      const put = await rest('POST', '/api/v1/files?name=kept.txt', { token: rcToken, body: kept, raw: true });
      check(put.status === 201, 'the second user stores a file');
      const rcCtx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const rc = await rcCtx.newPage();
      watch(rc, 'recovery');
      await rc.goto(`${URL_BASE}/login`);
      await loginUi(rc, rcUser, rcPassword);
      await rc.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor({ timeout: TIMEOUT });
      await gotoView(rc, '/profile', 'Profile and settings');
      await rc.locator('[data-testid=recovery-status]').getByText('You have no recovery code.').waitFor({ timeout: TIMEOUT });
      await rc.locator('#rc-password').fill('not-my-password');
      await rc.getByRole('button', { name: 'Make a recovery code' }).click();
      await rc.getByText('The password is wrong.').waitFor({ timeout: TIMEOUT });
      await rc.locator('#rc-password').fill(rcPassword);
      await rc.getByRole('button', { name: 'Make a recovery code' }).click();
      const code = (await rc.locator('[data-testid=recovery-code]').innerText({ timeout: TIMEOUT })).trim();
      check(/^dmr(-[0-9A-Z]{4}){8}$/.test(code), `the profile shows the new recovery code once (${code.length} characters)`);
      await axe(rc, 'profile (recovery code)');
      await rcCtx.clearCookies();
      await rc.evaluate(() => sessionStorage.clear());
      await gotoView(rc, '/forgot-password', 'Forgot password');
      const newPw = `${rcPassword}-reset`;
      await rc.locator('#reset-username').fill(rcUser);
      await rc.locator('#reset-code').fill(code.toLowerCase().replaceAll('-', ' '));
      await rc.locator('#reset-new').fill(newPw);
      await rc.locator('#reset-confirm').fill(newPw);
      await rc.getByRole('button', { name: 'Set new password' }).click();
      await rc.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('username') === rcUser, { timeout: TIMEOUT });
      check(true, 'the code typed in lower case with spaces sets a new password and leads to login');
      await loginUi(rc, rcUser, newPw);
      await rc.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor({ timeout: TIMEOUT });
      check((await rest('POST', '/api/v1/auth/login', { body: { username: rcUser, password: rcPassword } })).status === 401,
        'after the reset the forgotten password is refused');
      check((await rest('GET', '/api/v1/auth/profile', { token: rcToken })).status === 401,
        'the reset ended the sessions of the old password');
      const fresh = (await rest('POST', '/api/v1/auth/login', { body: { username: rcUser, password: newPw } })).json.token;
      const back = await fetch(`${URL_BASE}/api/v1/files/${encodeURIComponent(put.json.file.id)}`, {
        headers: { Authorization: `Bearer ${fresh}` } });
      check(back.status === 200 && (await back.text()) === kept,
        'a file stored before the reset still downloads, byte-identical, with the new password');
      check((await rest('POST', '/api/v1/auth/password/reset', { body: { username: rcUser, recoveryCode: code, newPassword: 'another-pass-1' } })).status === 401,
        'the recovery code works once');
      await rcCtx.close();
    }

    // ---- analytics, alerts, governance: 501 shows "not available", never an error or fake data
    for (const [path, heading, api] of [
      ['/analytics', 'Analytics', '/api/v1/monitoring/analytics'],
      ['/alerts', 'Alerts', '/api/v1/monitoring/alerts'],
    ]) {
      const status = (await rest('GET', api, { token: session.token })).status;
      await gotoView(page, path, heading);
      if (status === 403) {
        await page.locator('[data-testid=admins-only]').waitFor({ timeout: TIMEOUT });
        check(true, `${heading}: a user who is not an admin reads that it is for administrators (403)`);
      } else if (status === 501) {
        await page.locator('[data-testid=not-available]').waitFor({ timeout: TIMEOUT });
        check(/not available on this server yet/.test(await page.locator('[data-testid=not-available]').innerText()),
          `${heading}: the 501 shows "not available on this server yet"`);
      } else {
        check(status === 200, `${heading}: the API answers ${status}`);
      }
      await axe(page, heading.toLowerCase());
      await shot(page, `desktop-${heading.toLowerCase()}`);
    }

    // The alert this causes is checked near the end (checkAlertAckAndSilence), once it fired.
    const victimStopped = stopAlertVictim();

    // ---- governance: tokens granted by the admin, staked in the UI, a proposal created and voted on
    const adminLogin = await rest('POST', '/api/v1/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    const grant = await rest('POST', '/api/v1/governance/grants', { token: adminLogin.json.token,
      body: { accountId: userId, amount: '1000000000', reason: 'web e2e' } });
    check(grant.status === 200, `the admin grants 1,000 tokens (${grant.status})`);
    await gotoView(page, '/governance', 'Governance');
    await page.locator('[data-testid=available]').getByText('1,000').waitFor({ timeout: TIMEOUT });
    await page.locator('#stake-amount').fill('600');
    await page.getByRole('button', { name: 'Stake', exact: true }).click();
    await page.locator('[data-testid=staked]').getByText('600').waitFor({ timeout: TIMEOUT });
    check(true, 'the wallet shows the grant, and staking 600 tokens moves them to staked');
    const title = `Adopt the e2e charter ${randomBytes(2).toString('hex')}`;
    await page.locator('#prop-type').selectOption('text');
    await page.locator('#prop-title').fill(title);
    await page.locator('#prop-desc').fill('Everything the browser does is checked.');
    await page.getByRole('button', { name: 'Create proposal' }).click();
    const article = page.locator(`[data-proposal="${title}"]`);
    await article.waitFor({ timeout: TIMEOUT });
    check((await article.locator('[data-testid=state]').innerText()).trim() === 'open', 'the new proposal is open');
    await article.getByRole('button', { name: 'Yes', exact: true }).click();
    await page.getByText('Vote recorded: yes.').waitFor({ timeout: TIMEOUT });
    await article.getByText(/yes 600\b/).waitFor({ timeout: TIMEOUT });
    check(/quorum reached/.test(await article.innerText()), 'the vote counts 600 tokens and the tally shows the quorum reached');
    await axe(page, 'governance');
    await shot(page, 'desktop-governance');
    await checkInvoices(page, adminLogin.json.token, session.token);

    // ---- a session that expires sends you to login and back
    // The token dies elsewhere (logged out from another place); the next call in the app meets 401.
    await rest('POST', '/api/v1/auth/logout', { token: session.token });
    await page.getByRole('link', { name: 'Files' }).click();
    await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('redirect') === '/files', { timeout: TIMEOUT });
    check(await page.getByText('Your session ended').isVisible(), 'an expired session says so on the login page');
    const redirect = new URL(page.url()).searchParams.get('redirect');
    await loginUi(page, user, password);
    await page.waitForURL((u) => u.pathname === redirect, { timeout: TIMEOUT });
    check(true, `after logging in again the user is back at ${redirect}`);

    // ---- admin: change the tier, find it in the audit log
    const adminCtx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const admin = await adminCtx.newPage();
    watch(admin, 'admin');
    await admin.goto(`${URL_BASE}/login`);
    await loginUi(admin, 'admin', ADMIN_PASSWORD);
    await admin.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor({ timeout: TIMEOUT });
    await admin.getByRole('link', { name: 'Admin' }).click();
    await admin.getByRole('heading', { level: 1, name: 'Administration' }).waitFor();
    const row = admin.locator(`[data-user="${user}"]`);
    await row.waitFor({ timeout: TIMEOUT });
    await row.getByLabel(`Tier of ${user}`).selectOption('premium');
    await row.getByRole('button', { name: 'Save' }).click();
    await admin.getByText(`Saved ${user}.`).waitFor({ timeout: TIMEOUT });
    const after = await rest('POST', '/api/v1/auth/login', { body: { username: user, password } });
    check(after.json.user.tier === 'premium', 'the admin changed the tier (the API says premium)');
    await admin.locator('#audit-user').fill(userId);
    await admin.locator('#audit-action').fill('auth.user.update');
    await admin.getByRole('button', { name: 'Search' }).click();
    await admin.locator('[data-testid=audit-table] td', { hasText: 'auth.user.update' }).first().waitFor({ timeout: TIMEOUT });
    check((await admin.locator('[data-testid=audit-table]').innerText()).includes(userId), 'the tier change is in the audit log');
    await axe(admin, 'admin');
    await shot(admin, 'desktop-admin');
    // Admins see metrics: a series drawn when /monitoring/metrics answers 200, else its state.
    const adminToken = await admin.evaluate(() => JSON.parse(sessionStorage.getItem('datamesh.session')).token);
    const metricsStatus = (await rest('GET', '/api/v1/monitoring/metrics', { token: adminToken })).status;
    await gotoView(admin, '/analytics', 'Analytics');
    if (metricsStatus === 200) {
      await admin.locator('canvas, #metrics-h ~ p').first().waitFor({ timeout: TIMEOUT });
      check(!(await admin.locator('#metrics-h ~ .error-text').count()), 'an admin sees metrics without an error');
      figures.metricsChartDrawn = (await admin.locator('canvas').count()) > 0;
    }
    // ---- analytics report (admin): a fresh stack has minutes of samples against a 7-day window, so
    // every trend and pattern says "not enough data" with its counts, and nothing is made up.
    const analyticsStatus = (await rest('GET', '/api/v1/monitoring/analytics', { token: adminToken })).status;
    check(analyticsStatus === 200, `analytics: the API answers ${analyticsStatus} to an admin`);
    await admin.locator('[data-testid=analytics-gaps]').waitFor({ timeout: TIMEOUT });
    const gapsText = await admin.locator('[data-testid=analytics-gaps]').innerText();
    check(/trends storage: not enough data \(\d+ samples? over \d+ minutes, need at least 10 samples/.test(gapsText),
      'analytics: a fresh stack says the storage trend has not enough data, with the counts');
    check(/No trend has enough data yet/.test(await admin.locator('[data-testid=analytics-trends]').innerText()),
      'analytics: no trend figure is shown without data');
    const csvRes = await fetch(`${URL_BASE}/api/v1/monitoring/analytics?format=csv`,
      { headers: { Authorization: `Bearer ${adminToken}` } });
    check(csvRes.status === 200 && /^text\/csv/.test(csvRes.headers.get('content-type') || '') &&
      (await csvRes.text()).startsWith('section,item,figure,value,unit,query,note'),
      'analytics: the CSV download is text/csv with its header');
    await axe(admin, 'analytics (admin)');
    await shot(admin, 'desktop-analytics-admin');
    await checkForecastBand(admin, adminToken);
    await checkRulesTab(admin, adminToken);
    // A user without the admin role is sent away from /admin.
    await gotoView(page, '/files', 'Files');
    await page.goto(`${URL_BASE}/admin`);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor({ timeout: TIMEOUT });
    check(!(await page.getByRole('link', { name: 'Admin' }).count()), 'a user sees no admin page');

    // ---- phone sized: 390x844
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const mp = await phone.newPage();
    watch(mp, 'phone');
    await mp.goto(`${URL_BASE}/login`);
    await axe(mp, 'login (phone)');
    await shot(mp, 'phone-login');
    await loginUi(mp, user, password);
    await mp.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor({ timeout: TIMEOUT });
    await shot(mp, 'phone-dashboard');
    await mp.getByRole('button', { name: 'Menu' }).click();
    await mp.getByRole('link', { name: 'Files' }).click();
    await mp.getByRole('heading', { level: 1, name: 'Files' }).waitFor();
    await mp.locator('[data-file="from-other-client.txt"]').waitFor({ timeout: TIMEOUT });
    await mp.locator('[data-testid=file-input]').setInputFiles({ name: 'phone.jpg', mimeType: 'image/jpeg', buffer: randomBytes(200000) });
    await mp.locator('[data-upload="phone.jpg"][data-state=done]').waitFor({ timeout: TIMEOUT });
    await mp.locator('[data-file="phone.jpg"]').waitFor({ timeout: TIMEOUT }); // the list refreshes after the upload
    const overflow = await mp.evaluate(() => document.documentElement.scrollWidth - 390);
    check(overflow <= 1, `the files view fits 390 px (overflow ${overflow} px)`);
    check(await mp.locator('[data-file="phone.jpg"]').getByRole('button', { name: 'Download' }).isVisible(),
      'on a phone each file keeps its actions');
    await axe(mp, 'files (phone)');
    await shot(mp, 'phone-files');
    for (const [path, heading] of [['/profile', 'Profile and settings'], ['/analytics', 'Analytics'],
      ['/alerts', 'Alerts'], ['/governance', 'Governance'], ['/register', 'Create an account'], ['/forgot-password', 'Forgot password']]) {
      if (path === '/register') await mp.evaluate(() => sessionStorage.clear());
      await gotoView(mp, path, heading);
      await shot(mp, `phone-${path.slice(1)}`);
    }
    const adminPhone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await adminPhone.goto(`${URL_BASE}/login`);
    await loginUi(adminPhone, 'admin', ADMIN_PASSWORD);
    await adminPhone.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor({ timeout: TIMEOUT });
    await gotoView(adminPhone, '/admin', 'Administration');
    await shot(adminPhone, 'phone-admin');

    check(victimStopped, 'DM_DEVSTACK and DM_STACK_DIR name the stack, so a chunk-store can be stopped');
    if (victimStopped) await checkAlertAckAndSilence(browser);

    // ---- installable app: manifest, icons, a service worker that caches the shell and never the API
    const manifestRes = await fetch(`${URL_BASE}/manifest.webmanifest`);
    const manifest = await manifestRes.json();
    check(manifestRes.headers.get('content-type') === 'application/manifest+json' && manifest.display === 'standalone' &&
      manifest.start_url === '/', 'the web app manifest is served and says standalone from /');
    for (const size of ['192x192', '512x512']) {
      const icon = manifest.icons.find((i) => i.sizes === size && i.type === 'image/png');
      const res = icon && await fetch(URL_BASE + icon.src);
      check(res?.status === 200 && res.headers.get('content-type') === 'image/png', `the ${size} PNG icon is served`);
    }
    // Installability needs a profile on disk: Chromium never offers to install from an incognito
    // context, which every browser.newContext() is. So this part runs in a persistent context.
    const profileDir = mkdtempSync(join(tmpdir(), 'web-e2e-profile-'));
    const installed = await chromium.launchPersistentContext(profileDir, {
      executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 390, height: 844 },
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
    try {
      const ip = await installed.newPage();
      watch(ip, 'installed');
      await ip.goto(`${URL_BASE}/login`);
      await loginUi(ip, user, password);
      await ip.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor({ timeout: TIMEOUT });
      check(await ip.evaluate(async () => !!(await navigator.serviceWorker.ready).active), 'the service worker is active');
      const cdp = await installed.newCDPSession(ip);
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      check(installabilityErrors.length === 0,
        `Chromium finds the app installable${installabilityErrors.length ? `: ${JSON.stringify(installabilityErrors)}` : ''}`);
      await gotoView(ip, '/files', 'Files'); // this navigation and its assets go through the worker
      const cached = await ip.evaluate(async () => {
        const out = [];
        for (const name of await caches.keys()) {
          for (const r of await (await caches.open(name)).keys()) out.push(new URL(r.url).pathname);
        }
        return out;
      });
      check(cached.includes('/') && cached.some((p) => p.startsWith('/assets/')) && !cached.some((p) => p.startsWith('/api/')),
        `the worker caches the shell and assets, never the API (${cached.length} entries)`);
      await installed.setOffline(true);
      await ip.reload();
      await ip.getByRole('heading', { level: 1, name: 'Files' }).waitFor({ timeout: TIMEOUT });
      check(true, 'offline, the installed app still opens (the cached shell)');
      await installed.setOffline(false);
    } finally {
      await installed.close();
      rmSync(profileDir, { recursive: true, force: true });
    }

    // ---- figures: initial JavaScript per route (gzip of each script loaded), dashboard load
    const fresh = async (path, token) => {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      if (token) {
        await ctx.addInitScript(([t]) => {
          if (!sessionStorage.getItem('datamesh.session')) sessionStorage.setItem('datamesh.session', JSON.stringify({ token: t }));
        }, [token]);
      }
      const p = await ctx.newPage();
      const scripts = [];
      p.on('response', async (r) => {
        if (r.request().resourceType() === 'script') scripts.push(r.body().then((b) => gzipSync(b, { level: 9 }).length));
      });
      return { ctx, p, scripts };
    };
    const login2 = (await rest('POST', '/api/v1/auth/login', { body: { username: user, password } })).json.token;
    for (const [route, path, heading, token] of [['login', '/login', 'Log in', null], ['files', '/files', 'Files', login2]]) {
      const { ctx, p, scripts } = await fresh(path, token);
      await gotoView(p, path, heading);
      await p.waitForLoadState('networkidle');
      const sizes = await Promise.all(scripts);
      figures[`initialJsGzipKiB_${route}`] = +(sizes.reduce((a, b) => a + b, 0) / 1024).toFixed(1);
      figures[`initialJsFiles_${route}`] = sizes.length;
      await ctx.close();
    }
    const loads = [];
    for (let i = 0; i < 3; i++) {
      const { ctx, p } = await fresh('/', login2);
      await p.goto(`${URL_BASE}/`);
      await p.locator('[data-meter=storage]').waitFor({ timeout: TIMEOUT });
      const t = await p.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        return { dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, usage: performance.now() };
      });
      loads.push(t);
      await ctx.close();
    }
    const median = (xs) => xs.sort((a, b) => a - b)[1];
    figures.dashboardDomContentLoadedMs = Math.round(median(loads.map((l) => l.dcl)));
    figures.dashboardLoadEventMs = Math.round(median(loads.map((l) => l.load)));
    figures.dashboardUsageShownMs = Math.round(median(loads.map((l) => l.usage)));
    rmSync(dir, { recursive: true, force: true });

    // ---- contract: every answer field the app read is declared in the gateway's OpenAPI document
    const spec = JSON.parse(readFileSync(new URL('../../../api/openapi.json', import.meta.url), 'utf8'));
    const reads = [...apiReads].sort();
    writeFileSync(join(OUT, 'api-reads.txt'), `${reads.join('\n')}\n`);
    const undeclared = checkReads(spec, reads);
    for (const u of undeclared) console.error(`    contract: ${u}`);
    check(reads.length >= 40 && undeclared.length === 0,
      `the ${reads.length} answer fields the app read (${new Set(reads.map((r) => r.split(' ')[0])).size} endpoints) are all declared in openapi.json`);
  } finally {
    await browser.close();
  }
  writeFileSync(join(OUT, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`figures: ${JSON.stringify(figures)}`);
  console.log(`screenshots: ${SHOTS}`);
  if (failures.length) {
    console.error(`web_ui_e2e: FAIL (${failures.length}):\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log('web_ui_e2e: PASS');
}

main().catch((e) => {
  console.error(`web_ui_e2e: FAIL: ${e.stack || e}`);
  if (failures.length) console.error(`  earlier failures:\n  ${failures.join('\n  ')}`);
  process.exit(1);
});
