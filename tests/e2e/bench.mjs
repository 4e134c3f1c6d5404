// Desk benchmarks in the real window, with the 100,000-client demo clinic (tests/desk_bench.sh
// prepares it and the display, bus and keyring). Prints one JSON line per measure; the
// figures go into BENCHMARKS.md by hand, with the machine and the date.
//
// - cold start: process spawn to the login screen drawn (the UI reports it; the shell logs it
//   under FRONTDESK_TRACE_STARTUP), measured outside the process, median of 7;
// - keystroke to rendered results: from the input event of the search box to the frame after
//   the result list changed, measured in the page, for every prefix of typical queries;
// - memory: resident set of the app and its WebKit processes after 900 searches and 100
//   edits through the UI;
// - the calendar's day view: from choosing a day to the frame after its ten provider columns
//   and their appointments are drawn, in the calendar clinic (about 150,000 appointments).
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { Builder, By, Key, until } from 'selenium-webdriver';

const APP = process.env.FRONTDESK_APP;
const PROFILE = APP?.includes('/release/') ? 'release' : 'debug';
const DB = process.env.FRONTDESK_BENCH_DB;
const CALENDAR_DB = process.env.FRONTDESK_BENCH_CALENDAR_DB;
const ONLY = process.env.FRONTDESK_BENCH_ONLY ?? '';
const PASSPHRASE = process.env.FRONTDESK_PASSPHRASE;
const DRIVER = process.env.TAURI_DRIVER_URL ?? 'http://127.0.0.1:4444/';
const out = (o) => console.log(JSON.stringify({ ...o, build: PROFILE }));
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const round = (x) => Math.round(x * 10) / 10;

async function session(db = DB) {
  const d = await new Builder()
    .usingServer(DRIVER)
    .withCapabilities({ browserName: 'wry', 'tauri:options': { application: APP, args: ['--db', db] } })
    .build();
  await d.manage().window().setRect({ width: 1366, height: 768 }).catch(() => {});
  return d;
}
const shown = async (d, css, ms = 30_000) => {
  const el = await d.wait(until.elementLocated(By.css(css)), ms, `${css} never appeared`);
  await d.wait(until.elementIsVisible(el), ms);
  return el;
};

// 1. The first start on this PC puts the key into the keyring (through the unlock screen).
async function firstStart(db) {
  const d = await session(db);
  const which = await d.wait(async () => {
    for (const name of ['unlock', 'login']) {
      if ((await d.findElements(By.css(`[data-screen="${name}"]`))).length) return name;
    }
    return false;
  }, 60_000, 'neither the unlock nor the login screen appeared');
  if (which === 'unlock') {
    await (await shown(d, '#unlock-passphrase')).sendKeys(PASSPHRASE, Key.ENTER);
    await shown(d, '[data-screen="login"]', 60_000);
  }
  return d;
}
async function logIn(d) {
  await (await shown(d, '#login-name')).sendKeys('demo.dara');
  await (await shown(d, '#login-password')).sendKeys(process.env.FRONTDESK_DEMO_PASSWORD ?? 'frontdesk-demo', Key.ENTER);
  await shown(d, '#client-search');
}

// The day view: one day of ten providers drawn, for 200 days spread over the calendar's
// past. Measured in the page, from the change of the date box to the first task after the
// frame that shows the day's columns and blocks (the grid says which day it holds).
if (CALENDAR_DB && (ONLY === '' || ONLY === 'calendar')) {
  const d = await firstStart(CALENDAR_DB);
  await logIn(d);
  await (await shown(d, '#nav-calendar')).click();
  await shown(d, '.calendar-body[data-drawn^="day:"] .column');
  const DAY = `
    const [day, done] = arguments;
    const input = document.getElementById('calendar-date');
    const body = document.querySelector('.calendar-body');
    const want = 'day:' + day;
    requestAnimationFrame(() => {
      const obs = new MutationObserver(() => {
        if (body.dataset.drawn !== want) return;
        obs.disconnect();
        requestAnimationFrame(() => setTimeout(() => done({
          ms: performance.now() - t0,
          columns: body.querySelectorAll('.column').length,
          blocks: body.querySelectorAll('.appointment').length,
        })));
      });
      obs.observe(body, { attributes: true, attributeFilter: ['data-drawn'] });
      const t0 = performance.now();
      input.value = day;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
  `;
  const today = new Date();
  const samples = [];
  let blocks = 0;
  let columns = 0;
  for (let i = 0; i < 200; i++) {
    // Weekdays only: the demo's providers work Monday to Friday, so these are full days.
    const back = 1 + ((i * 97) % 1990);
    const day = new Date(today.getTime() - back * 86_400_000);
    if (day.getUTCDay() === 0 || day.getUTCDay() === 6) day.setTime(day.getTime() - 2 * 86_400_000);
    const r = await d.executeAsyncScript(DAY, day.toISOString().slice(0, 10));
    samples.push(r.ms);
    blocks += r.blocks;
    columns = Math.max(columns, r.columns);
  }
  out({ measure: 'calendar_day_view_render_ms', n: samples.length, p50: round(pct(samples, 50)), p95: round(pct(samples, 95)), p99: round(pct(samples, 99)), max: round(Math.max(...samples)), columns, mean_blocks: round(blocks / samples.length) });
  await d.quit();
}
if (ONLY === 'calendar') process.exit(0);

await (await firstStart(DB)).quit();

// 2. Cold start to the login screen.
{
  const wall = [];
  const inner = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const p = spawn(APP, ['--db', DB], { env: { ...process.env, FRONTDESK_TRACE_STARTUP: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = await new Promise((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error('no login screen within 30 s')), 30_000);
      p.stderr.on('data', (c) => {
        buf += c;
        const m = buf.match(/screen login shown (\d+) ms after start/);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    wall.push(performance.now() - t0);
    inner.push(ms);
    p.kill('SIGTERM');
    await new Promise((r) => p.once('exit', r));
  }
  out({ measure: 'cold_start_to_login_ms', median_wall: round(pct(wall, 50)), max_wall: round(Math.max(...wall)), median_in_process: pct(inner, 50), runs: wall.map(round) });
}

// 3. Keystroke to rendered results, and 4. memory after a scripted session.
const d = await session();
await logIn(d);

// Measures one query from an empty box: from the input event to the frame after the answer
// is on screen (the count line says how many were found, and the list is drawn).
const MEASURE = `
  const [q, done] = arguments;
  const input = document.getElementById('client-search');
  const count = document.querySelector('[data-testid="result-count"]');
  const set = (v) => { input.value = v; input.dispatchEvent(new Event('input', { bubbles: true })); };
  const answered = () => /found|first/i.test(count.textContent);
  set('');
  requestAnimationFrame(() => requestAnimationFrame(() => {
    if (answered()) return done({ ms: -1, rows: 0 });
    const obs = new MutationObserver(() => {
      if (!answered()) return;
      obs.disconnect();
      requestAnimationFrame(() => done({ ms: performance.now() - t0, rows: document.querySelectorAll('.results li').length }));
    });
    obs.observe(count, { subtree: true, childList: true, characterData: true });
    const t0 = performance.now();
    set(q);
  }));
`;
const WORDS = ['nguyen', 'tran minh', 'hanh', 'quang', 'emma', 'ليلى', 'محمد', 'حداد', 'សុខ', 'ដារ៉ា', '012', '+855', 'example.org', 'mohammed', 'zzq'];
const keystrokes = [];
let rows = 0;
for (let round_ = 0; round_ < 3; round_++) {
  for (const w of WORDS) {
    const chars = [...w];
    for (let n = 1; n <= chars.length; n++) {
      const r = await d.executeAsyncScript(MEASURE, chars.slice(0, n).join(''));
      if (r.ms < 0) throw new Error('the count line did not reset between queries');
      keystrokes.push(r.ms);
      rows += r.rows;
    }
  }
}
out({ measure: 'keystroke_to_rendered_results_ms', n: keystrokes.length, p50: round(pct(keystrokes, 50)), p95: round(pct(keystrokes, 95)), max: round(Math.max(...keystrokes)), mean_rows: round(rows / keystrokes.length) });

function rssKiB(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
// Proportional set size: shared library pages split between the processes that map them,
// so the WebKit processes are not each charged the whole of libwebkit2gtk.
function pssKiB(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+) kB/m);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
function descendants(pid) {
  const kids = [];
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const c = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      if (c) kids.push(...c.split(/\s+/).map(Number));
    } catch {
      /* gone */
    }
  }
  return kids.flatMap((k) => [k, ...descendants(k)]);
}
function memory() {
  const pids = execFileSync('pgrep', ['-f', `${APP} --db ${DB}`]).toString().trim().split(/\s+/).map(Number);
  const main = pids[0];
  const tree = [main, ...descendants(main)];
  const sum = (f) => round(tree.reduce((a, p) => a + f(p), 0) / 1024);
  return { app_rss_mib: round(rssKiB(main) / 1024), app_pss_mib: round(pssKiB(main) / 1024), all_rss_mib: sum(rssKiB), all_pss_mib: sum(pssKiB), processes: tree.length };
}
const before = memory();

const words = ['nguyen', 'lan', 'minh', 'tran', 'quang', 'hanh', 'محمد', 'សុខ', 'emma', '097'];
let searches = 0;
let edits = 0;
for (let i = 0; i < 1000; i++) {
  if (i % 10 === 9) {
    // An edit through the UI: open the first result, edit its notes, save with Ctrl+S.
    await d.executeAsyncScript(MEASURE, words[(i / 10) % 5 | 0]);
    await (await shown(d, '.results button.result')).click();
    await (await shown(d, '#client-edit')).click();
    const notes = await shown(d, '#client-notes');
    await notes.sendKeys(Key.chord(Key.CONTROL, 'a'), Key.BACK_SPACE, `bench note ${i}`);
    await notes.sendKeys(Key.chord(Key.CONTROL, 's'));
    await shown(d, '#client-edit');
    edits++;
  } else {
    await d.executeAsyncScript(MEASURE, `${words[i % words.length]}${i % 7 ? '' : ' a'}`);
    searches++;
  }
}
out({ measure: 'resident_memory_after_session', searches, edits, before, after: memory() });
await d.quit();
