// Two desks in one clinic, each in its real window (see tests/lan_e2e.sh): the host desk,
// which holds the SQLCipher clinic and serves the LAN on 127.0.0.1, and a connected desk that
// pairs with it. Each window has its own tauri-driver; both apps share one D-Bus session
// whose notification server records every popup with the process that asked for it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createServer } from 'node:net';
import { Builder, By, Key, until } from 'selenium-webdriver';
import { clickWhenSettled } from './webdriver-support.mjs';
import * as OTPAuth from 'otpauth';

const APP = process.env.FRONTDESK_APP;
const ADMIN_BIN = join(dirname(APP), 'frontdesk-admin');
const HOST_DRIVER = process.env.HOST_DRIVER_URL ?? 'http://127.0.0.1:4444/';
const DESK_DRIVER = process.env.DESK_DRIVER_URL ?? 'http://127.0.0.1:4446/';
const REC = process.env.FRONTDESK_NOTIFY_RECORD;
const work = mkdtempSync(join(tmpdir(), 'frontdesk-lan-e2e-'));
const hostDb = join(work, 'host', 'clinic.db');
const deskDb = join(work, 'desk', 'clinic.db');
const PASSPHRASE = 'lan e2e recovery passphrase, long enough';
const ADMIN = { login: 'amara', name: 'Amara Admin', password: 'correct horse 42' };
const RECEPTION = { login: 'dara', name: 'Dara Reception', password: 'front desk 2026' };
const DESK_NAME = 'Consult room 2';
const SURVIVOR = 'Chan Sophea ចាន់ សុភា';
const CLINICIAN = { login: 'lina', name: 'Lina Clinician', password: 'clinic hours 9-5' };
const PATIENT = 'Keo Bopha កែវ បុប្ផា';

let port;
let totpSecret;
let host; // WebDriver sessions
let desk;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

function admin(args, env = {}) {
  return execFileSync(ADMIN_BIN, ['--db', hostDb, ...args], {
    env: { ...process.env, FRONTDESK_PASSPHRASE: PASSPHRASE, ...env },
    encoding: 'utf8',
  });
}

async function session(url, args) {
  const d = await new Builder()
    .usingServer(url)
    .withCapabilities({ browserName: 'wry', 'tauri:options': { application: APP, args } })
    .build();
  await d.manage().setTimeouts({ implicit: 0 });
  await d.manage().window().setRect({ width: 1200, height: 760 }).catch(() => {});
  return d;
}
const hostArgs = () => ['--db', hostDb, '--keyring', 'none', '--lan-listen', `127.0.0.1:${port}`, '--workstation', 'Front desk'];
const deskArgs = ['--db', deskDb, '--keyring', 'none', '--lan-listen', 'off', '--workstation', 'consult-2'];

const shown = async (d, css, ms = 15_000) => {
  const el = await d.wait(until.elementLocated(By.css(css)), ms, `${css} never appeared`);
  await d.wait(until.elementIsVisible(el), ms, `${css} never became visible`);
  return el;
};
const screen = (d, name, ms) => shown(d, `[data-screen="${name}"]`, ms);
const all = (d, css) => d.findElements(By.css(css));
// The settings' sections and the hosts found on the LAN arrive after their screens open.
const click = async (d, css) => clickWhenSettled(d, await shown(d, css));
const text = async (d, css) => (await shown(d, css)).getText();
async function type(d, css, value) {
  const el = await shown(d, css);
  await el.sendKeys(Key.chord(Key.CONTROL, 'a'), Key.BACK_SPACE);
  if (value) await el.sendKeys(value);
  return el;
}
// A one-time code; a step already used is not accepted twice, so wait for a fresh one.
let lastStep = -1;
async function totp() {
  while (Math.floor(Date.now() / 30_000) === lastStep) await sleep(500);
  lastStep = Math.floor(Date.now() / 30_000);
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(totpSecret), digits: 6, period: 30 }).generate();
}
async function logIn(d, who) {
  await screen(d, 'login', 30_000);
  await type(d, '#login-name', who.login);
  await type(d, '#login-password', who.password);
  if (who === ADMIN) {
    await click(d, '#login-submit');
    await type(d, '#login-code', await totp());
  }
  await click(d, '#login-submit');
  await screen(d, 'clients', 30_000);
}
// The host desk from a cold start: the passphrase opens the clinic (no keyring here), which
// starts the LAN service; then the admin logs in.
async function openHost() {
  if (host) await host.quit().catch(() => {});
  host = await session(HOST_DRIVER, hostArgs());
  await screen(host, 'unlock', 30_000);
  await type(host, '#unlock-passphrase', PASSPHRASE);
  await click(host, 'button[type=submit]');
  await logIn(host, ADMIN);
}

// The app process started with `db` on its command line.
function pidOf(db) {
  for (const p of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (argv[0] === APP && argv.includes(db)) return Number(p);
    } catch {}
  }
  return null;
}
function popups() {
  if (!REC || !existsSync(REC)) return [];
  return readFileSync(REC, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

before(async () => {
  port = await freePort();
  mkdirSync(dirname(hostDb), { recursive: true });
  mkdirSync(dirname(deskDb), { recursive: true });
  const init = JSON.parse(
    admin(['--json', 'init', '--clinic', 'Mekong Family Clinic', '--admin', ADMIN.login, '--admin-name', ADMIN.name], {
      FRONTDESK_ADMIN_PASSWORD: ADMIN.password,
    }),
  );
  totpSecret = init.admin_totp.secret_base32;
  admin(['staff', 'add', '--login', RECEPTION.login, '--name', RECEPTION.name, '--role', 'receptionist'], {
    FRONTDESK_STAFF_PASSWORD: RECEPTION.password,
  });
  // A clinician on the default hours (Monday to Friday, 09:00 to 17:00), and a client to book.
  admin(['staff', 'add', '--login', CLINICIAN.login, '--name', CLINICIAN.name, '--role', 'clinician'], {
    FRONTDESK_STAFF_PASSWORD: CLINICIAN.password,
  });
  admin(['client', 'add', '--name', PATIENT, '--phone', '012 345 678']);
});

after(async () => {
  await host?.quit().catch(() => {});
  await desk?.quit().catch(() => {});
  rmSync(work, { recursive: true, force: true });
});

// A failing step says what each window showed at that moment: its screens, and what they said.
async function showing(d) {
  if (!d) return 'no window';
  return d
    .executeScript(
      `const screens = [...document.querySelectorAll('[data-screen]')].map((e) => e.dataset.screen).join(' > ');
       const said = [...document.querySelectorAll('[role=alert], [data-field-error], [role=status]')]
         .map((e) => e.textContent.trim()).filter(Boolean).join(' | ');
       return 'screen ' + (screens || 'none') + (said ? '; says: ' + said : '');`,
    )
    .catch((e) => `unreadable (${e.message.split('\n')[0]})`);
}
function story(name, fn) {
  test(name, async () => {
    try {
      await fn();
    } catch (e) {
      e.message += `\n  host: ${await showing(host)}\n  desk: ${await showing(desk)}`;
      throw e;
    }
  });
}

let code;
story('the host desk opens, and its admin makes a pairing code with a QR code', async () => {
  await openHost();
  await click(host, '#nav-settings');
  await screen(host, 'desks');
  assert.equal(await (await shown(host, '[data-testid="lan-info"]')).getAttribute('data-running'), 'true');
  await click(host, '#desks-add');
  code = (await text(host, '[data-testid="pairing-code"]')).replace(/\s+/g, '');
  assert.match(code, /^[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{3}$/);
  assert.match(await text(host, '[data-testid="pairing-addresses"]'), new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.ok((await all(host, '[data-testid="pairing-offer"] img, [data-testid="pairing-offer"] svg')).length > 0, 'a QR code');
  assert.ok((await all(host, '[data-testid="pairing-countdown"]')).length > 0, 'the time left');
});

story('a second PC pairs with the code and its receptionist logs in there', async () => {
  desk = await session(DESK_DRIVER, deskArgs);
  await screen(desk, 'setup', 30_000);
  await click(desk, '#setup-mode-connect');
  await screen(desk, 'connect');
  await shown(desk, 'section.found[aria-busy="false"]', 10_000);
  await type(desk, '#connect-address', `127.0.0.1:${port}`);
  await type(desk, '#connect-code', 'ZZZ-ZZZ-ZZZ');
  await click(desk, '#connect-submit');
  assert.match(await text(desk, '[data-field-error="connect-code"]'), /wrong|used/i, 'a wrong code is refused beside the field');
  await type(desk, '#connect-code', code);
  await type(desk, '#connect-name', DESK_NAME);
  await click(desk, '#connect-submit');
  await logIn(desk, RECEPTION);
  // Nothing of the clinic on this PC's disk: only the pairing.
  assert.ok(!existsSync(deskDb), 'no database on the connected desk');
  assert.ok(existsSync(join(dirname(deskDb), 'lan-desk.json')));
  // The host's device list shows the new PC.
  await host.wait(async () => (await host.findElement(By.css('[data-testid="devices"]')).getText().catch(() => '')).includes(DESK_NAME), 15_000, 'the device list shows the new desk');
});

story('a task given at the host pops up on the connected desk only', async () => {
  const hostPid = pidOf(hostDb);
  const deskPid = pidOf(join(dirname(deskDb), 'clinic.db'));
  assert.ok(hostPid && deskPid && hostPid !== deskPid, `two app processes (${hostPid}, ${deskPid})`);
  const before = popups().length;
  await click(host, '#nav-tasks');
  await screen(host, 'tasks');
  await click(host, '#task-new');
  await screen(host, 'task-form');
  await type(host, '#task-title', 'Call Mrs Chan back about her results');
  await click(host, `#task-recipients input[data-login="${RECEPTION.login}"]`);
  await click(host, '#task-save');
  await shown(host, '[data-testid="task-detail"]');
  await desk.wait(() => popups().length > before, 10_000, 'a popup was shown');
  await sleep(1500);
  const shownNow = popups().slice(before);
  assert.equal(shownNow.length, 1, JSON.stringify(shownNow));
  assert.equal(shownNow[0].sender_pid, deskPid, 'the connected desk showed it');
  assert.ok(!shownNow.some((p) => p.sender_pid === hostPid), 'the host did not');
  assert.ok(!/Chan/.test(shownNow[0].body), 'the popup names no client');
  // And the connected desk's own task list has it, live.
  await desk.wait(async () => (await all(desk, '[data-testid="my-task-count"]')).length === 1, 10_000, 'the Tasks button counts it');
});

// A form value set the way a picker sets it (date and time inputs take no typed keys in WebKit).
async function setValue(d, css, value) {
  await d.executeScript(
    "const el = document.querySelector(arguments[0]); el.value = arguments[1]; el.dispatchEvent(new Event('input', { bubbles: true })); el.dispatchEvent(new Event('change', { bubbles: true }));",
    css,
    value,
  );
}
async function choose(d, css, label) {
  await shown(d, css);
  const ok = await d.executeScript(
    "const el = document.querySelector(arguments[0]); const o = [...el.options].find((o) => o.text.includes(arguments[1])); if (!o) return false; el.value = o.value; el.dispatchEvent(new Event('change', { bubbles: true })); return true;",
    css,
    label,
  );
  assert.ok(ok, `${css} offers ${label}`);
}
// A weekday a week or so ahead, so the slot is in the clinician's hours and never in the past.
function weekdayAhead() {
  const d = new Date(Date.now() + 7 * 86_400_000);
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6) d.setTime(d.getTime() + 86_400_000);
  return d.toISOString().slice(0, 10);
}
async function openDay(d, day) {
  await click(d, '#nav-calendar');
  await screen(d, 'calendar');
  await setValue(d, '#calendar-date', day);
  await shown(d, `.calendar-body[data-drawn="day:${day}"] .column`);
}
async function fillBooking(d, day, time) {
  await click(d, '.slot');
  await type(d, '#booking-client-search', 'Bopha');
  await click(d, '[data-pick-client]');
  await choose(d, '#booking-service', 'Check-up');
  await choose(d, '#booking-provider', CLINICIAN.name);
  await setValue(d, '#booking-date', day);
  await setValue(d, '#booking-time', time);
  await d.wait(async () => (await (await shown(d, '[data-testid="booking-check"]')).getAttribute('aria-busy')) === 'false', 10_000, 'the booking is checked');
}

story('a visit booked at one desk appears on the other live, and the same slot there is warned', async () => {
  // The admin at the host offers a check-up given by the clinician.
  await click(host, '#nav-settings');
  await click(host, '#service-new');
  await type(host, '#service-name', 'Check-up');
  await type(host, '#service-duration', '30');
  await host.executeScript(
    "const b = [...document.querySelectorAll('#service-providers label')].find((l) => l.textContent.includes(arguments[0])); b.querySelector('input').click();",
    CLINICIAN.name,
  );
  await click(host, '#service-save');
  await host.wait(async () => (await text(host, '[data-testid="services"]')).includes('Check-up'), 10_000, 'the service is listed');

  // Both desks look at the same day; the connected desk's has no visit yet.
  const day = weekdayAhead();
  await openDay(desk, day);
  await openDay(host, day);
  assert.equal((await all(desk, '.appointment')).length, 0, 'an empty day');

  // Booked at the host...
  await fillBooking(host, day, '10:00');
  assert.equal((await all(host, '[data-testid="booking-warnings"]')).length, 0, 'a free slot has no warnings');
  await click(host, '#booking-submit');
  const id = await (await shown(host, '.appointment')).getAttribute('data-id');

  // ...and on the connected desk's screen without anyone touching it.
  const block = await shown(desk, `.appointment[data-id="${id}"]`, 10_000);
  assert.match(await block.getAttribute('aria-label'), /Bopha/);

  // The receptionist there tries the same slot: the form says who holds it before booking.
  await fillBooking(desk, day, '10:00');
  const warned = await text(desk, '[data-testid="booking-warnings"]');
  assert.equal((await all(desk, `#booking-conflicts li[data-kind="provider"][data-other="${id}"]`)).length, 1, `the clinician's clash with the host's booking: ${warned}`);
  assert.match(warned, /provider has another appointment/);
  assert.ok((await all(desk, '#booking-reason')).length === 1, 'booking over it needs a reason');
  await click(desk, '#booking-cancel');
  assert.equal((await all(desk, '.appointment')).length, 1, 'still one visit');

  // Instead, the receptionist drags the visit half an hour later with the mouse; the host's
  // calendar follows without a reload.
  const moved = await shown(desk, `.appointment[data-id="${id}"]`);
  const pxPerMinute = await desk.executeScript("return document.querySelector('.column .slot').getBoundingClientRect().height / 15");
  await desk.actions({ async: true }).move({ origin: moved }).press().move({ origin: moved, y: Math.round(30 * pxPerMinute) }).release().perform();
  await desk.wait(async () => /moved/i.test(await text(desk, '[data-testid="calendar-notice"]').catch(() => '')), 10_000, 'the drag was saved');
  // The block's label starts with its time ("10:30 AM–11:00 AM, ...").
  const time = (d) => d.findElement(By.css(`.appointment[data-id="${id}"]`)).getAttribute('aria-label').catch(() => '');
  assert.match(await time(desk), /^10:30/);
  await host.wait(async () => /^10:30/.test(await time(host)), 10_000, "the host's calendar shows the new time");
});

story('the host dies while the connected desk edits: nothing typed is lost', async () => {
  await click(desk, '#nav-clients');
  await click(desk, '#client-new');
  await screen(desk, 'client-form');
  await type(desk, '#client-full_name', SURVIVOR);
  await type(desk, '#client-notes', 'Typed while the host was away');

  const hostPid = pidOf(hostDb);
  process.kill(hostPid, 'SIGKILL');
  await desk.wait(async () => {
    const b = await all(desk, '[data-testid="link-banner"][data-down="true"]');
    return b.length > 0;
  }, 20_000, 'the connected desk says the host is not reachable');
  await click(desk, '#client-save');
  await desk.wait(async () => (await all(desk, '[data-testid="link-pending"]')).length > 0, 10_000, 'the save waits');
  assert.equal(await (await shown(desk, '#client-full_name')).getAttribute('value'), SURVIVOR, 'the form keeps what was typed');

  // The host comes back (a new process: it has forgotten every session).
  await openHost();
  // The connected desk asks its person to log in again, then sends the waiting save.
  await logIn(desk, RECEPTION);
  await desk.wait(async () => (await all(desk, '[data-testid="link-pending"]')).length === 0, 20_000, 'the waiting save was sent');
  await click(desk, '#nav-clients');
  await type(desk, '#client-search', 'Sophea');
  await desk.wait(async () => {
    const names = await Promise.all((await all(desk, '.results .name')).map((e) => e.getText()));
    return names.filter((n) => n === SURVIVOR).length === 1;
  }, 15_000, 'the client saved while the host was away is there, once');
  // The host sees the same record, with the note typed at the other PC.
  const found = JSON.parse(admin(['--json', 'client', 'find', 'Sophea']));
  const hits = (found.items ?? found).filter((c) => c.full_name === SURVIVOR);
  assert.equal(hits.length, 1, 'saved exactly once');
});

story('a revoked desk is refused and says so', async () => {
  await click(host, '#nav-settings');
  await screen(host, 'desks');
  await click(host, '[data-revoke]');
  await click(host, '#desk-revoke-yes');
  await screen(desk, 'remote', 20_000);
  await desk.wait(async () => (await desk.findElement(By.css('[data-screen="remote"]')).getAttribute('data-phase')) === 'refused', 15_000);
  assert.match(await text(desk, '[data-screen="remote"]'), /removed/i);
  const audit = admin(['audit', 'list', '--limit', '200']);
  assert.match(audit, /device\.revoke/);
});
