// The privacy promise end to end, with real processes only: a visitor becomes a client through
// the website chat (Chromium, relay, desk host), a reminder goes out by real SMTP while they
// consent and none after they withdraw, the export holds everything, and after the erasure no
// planted string is left in the clinic's file, its log, the relay's store or a later backup,
// while the workload reports count the same work.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { BIN, env, chatStack, until } from './chat-support.mjs';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

// Distinctive enough that any hit on disk can only be this client's data.
const P = {
  name: 'Zorvath Quillimane',
  email: 'zorvath.quillimane@example.org',
  phoneTyped: '012 987 654',
  phoneE164: '+85512987654',
  question: 'QX7741 is the xylophone-shaped mole on my shoulder serious?',
  followUp: 'QX7742 it has been itchy since Tuesday',
  reply: 'QX7743 please come in, the doctor will look at it',
  note: 'QX7744 bring the old biopsy letter',
  consentText: 'QX7745 I agree to appointment reminders by email to my private address',
};
const PLANTED = Object.values(P);

// Phnom Penh is UTC+7 all year: the clinic's wall clock, which bookings are written in.
const TZ_HOURS = 7;
const wallClock = (ms) => new Date(ms + TZ_HOURS * 3600e3).toISOString().slice(0, 19);
const clinicDate = (ms) => wallClock(ms).slice(0, 10);

let stack;
let browser;
let smtp;
const mail = [];
// Filled as the story goes on; each test needs the ones before it.
const s = {};

function call(op, args) {
  const r = spawnSync(join(BIN, 'frontdesk-admin'), ['--db', stack.db, 'call'], {
    env, input: JSON.stringify(args === undefined ? { op } : { op, args }), encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${op} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function ok(op, args, kind) {
  const res = call(op, args);
  if (kind) assert.equal(res.kind, kind, `${op} answered ${res.kind}`);
  return res.data;
}

// The decrypted scan: the exit code and the JSON must agree.
function scan(backups = []) {
  const args = ['--db', stack.db, '--json', 'privacy', 'scan'];
  for (const b of backups) args.push('--backup', b);
  const r = spawnSync(join(BIN, 'frontdesk-admin'), args, { env, input: PLANTED.join('\n') + '\n', encoding: 'utf8' });
  assert.ok(r.status === 0 || r.status === 1, `privacy scan failed (${r.status}): ${r.stderr}`);
  const report = JSON.parse(r.stdout);
  assert.equal(r.status, report.found.length ? 1 : 0, 'the exit code says whether anything was found');
  assert.ok(report.searched.some((p) => p.place === 'database' && p.pages > 0), JSON.stringify(report.searched));
  for (const b of backups) assert.ok(report.searched.some((p) => p.place === b && p.pages > 0), `${b} not searched`);
  return report.found.map((f) => ({ text: PLANTED[f.text], place: f.place }));
}

// The literal check: `grep -a` over the bytes as they lie on disk.
function grepHits(files) {
  const hits = [];
  for (const f of files) {
    for (const text of PLANTED) {
      const r = spawnSync('grep', ['-a', '-q', '-F', '--', text, f]);
      assert.ok(r.status === 0 || r.status === 1, `grep failed on ${f}`);
      if (r.status === 0) hits.push({ text, file: f });
    }
  }
  return hits;
}

function filesUnder(dir) {
  return readdirSync(dir, { recursive: true }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

function reportTotals() {
  const now = Date.now();
  const r = ok('report_make', {
    filter: { from: clinicDate(now - 86400e3), to: clinicDate(now + 2 * 86400e3), bucket: 'day', staff_ids: [], team: null, service_id: null },
    output: 'screen',
  }, 'report');
  return { totals: r.totals, previous: r.previous, buckets: r.buckets, staff: r.staff, teams: r.teams, heatmap: r.heatmap };
}

function reminderAudit(appointmentId) {
  return ok('audit_list', {
    filter: { staff_id: null, target_id: appointmentId, action: 'appointment.reminder', from: null, to: null },
  }, 'audit_records');
}

function book(start) {
  const saved = ok('appointment_book', {
    id: null, client_id: s.client, service_id: s.service, provider_id: s.provider, room_id: null,
    start, duration_minutes: null, end: null, note: P.note, conversation_id: null, recurrence: null,
    // The provider works around the clock, but a visit late in the evening may cross midnight.
    override_reason: 'e2e booking at any hour', allow_past: false,
  }, 'appointment_saved');
  return saved.appointments[0].id;
}

before(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', () => {
        mail.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        cb();
      });
    },
  });
  await new Promise((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(0, '127.0.0.1', resolve);
  });
  stack = await chatStack({ relayFlags: ['--pow-max-number', '5000'] });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS });
});

after(async () => {
  await browser?.close();
  stack?.stop();
  await new Promise((r) => (smtp ? smtp.close(r) : r()));
});

test('a visitor who consents in the web chat becomes a client', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${stack.url}/demo`);
  await page.evaluate(() => window.__frontdeskWidget.ready);
  await page.click('[data-part=launcher]');
  await page.fill('[data-field=name]', P.name);
  await page.fill('[data-field=email]', P.email);
  await page.fill('[data-field=phone]', P.phoneTyped);
  await page.fill('[data-field=question]', P.question);
  await page.check('[data-part=consent]');
  await page.waitForTimeout(1600); // a person takes longer than the relay's minimum fill time
  await page.click('[data-part=start]');
  await page.locator('[data-part=message][data-from=visitor] [data-part=time]').first().waitFor({ timeout: 30000 });
  await page.fill('[data-part=composer]', P.followUp);
  await page.press('[data-part=composer]', 'Enter');

  const conv = await until('both visitor messages at the desk', () => {
    const list = ok('conversation_list', { unanswered_only: false, limit: null }, 'conversations');
    if (!list.length) return null;
    const c = ok('conversation_get', { id: list[0].id }, 'conversation');
    return c.messages.some((m) => m.text === P.followUp) ? c : null;
  }, 30000);
  assert.equal(conv.visitor_name, P.name);
  assert.equal(conv.messages[0].text, P.question);
  s.conversation = conv.id;

  ok('chat_reply', { conversation_id: conv.id, id: null, text: P.reply, quote_id: null }, 'chat_message');
  await page.locator('[data-part=message][data-from=desk]').first().waitFor({ timeout: 20000 });
  assert.equal(await page.locator('[data-part=message][data-from=desk] .text').first().textContent(), P.reply);
  assert.deepEqual(errors, []);
  await page.close();

  const linked = ok('conversation_create_client', { id: conv.id }, 'conversation');
  assert.ok(linked.client_id, 'the conversation is linked to the new client');
  s.client = linked.client_id;
  const client = ok('client_get', { id: s.client }, 'client');
  assert.equal(client.full_name, P.name);
  assert.equal(client.email, P.email);
  assert.deepEqual(client.phones, [P.phoneTyped]);
  // The chat's consent checkbox is recorded as the client's consent to keep the chat.
  const consents = ok('consent_list', { client_id: s.client }, 'consents');
  assert.ok(consents.some((c) => c.purpose === 'chat_storage' && c.given), JSON.stringify(consents.map((c) => c.purpose)));
});

test('a reminder goes out by email while the client consents, and none after they withdraw', async () => {
  assert.ok(s.client, 'needs the client from the chat');
  const staff = ok('staff_create', {
    login: 'dr-e2e', password: 'clinician-password-1', display_name: 'Dr E2E', role: 'clinician',
    email: null, phone: null, experience: 3, support_tier: 1, chat_capacity: 3, avatar: null,
    working_hours: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((day) => ({ day, start: '00:00:00', end: '23:59:59' })),
  }, 'staff_saved');
  s.provider = staff.staff.id;
  s.service = ok('service_save', {
    id: null, expected_version: null,
    fields: { name: 'Skin check', duration_minutes: 30, buffer_minutes: 0, price_minor: null, colour: '#2a9d8f', provider_ids: [s.provider], active: true },
  }, 'service').id;
  ok('consent_set', { client_id: s.client, purpose: 'reminder_email', given: true, method: 'web_chat', text_shown: P.consentText });
  ok('reminder_settings_update', {
    enabled: true, hours_before: 24, sms: false, email: true,
    smtp: { host: '127.0.0.1', port: smtp.server.address().port, security: 'none', from: 'Sunrise Clinic <desk@sunrise.example>', username: null },
    smtp_password: null, late_cancel_hours: 24, no_show_after_minutes: 15, templates: [],
  }, 'reminder_settings');

  const start1 = wallClock(Date.now() + 2 * 3600e3).slice(0, 16) + ':00';
  s.appointment1 = book(start1);
  // The host's reminder clock ticks every 30 s.
  await until('the reminder mail', () => mail.length > 0, 70000);
  assert.deepEqual(mail[0].to, [P.email]);
  // The visit as an English reminder writes it: "Thursday, December 3 at 9:37 PM".
  const visit = new Date(`${start1}Z`);
  const inWords = (opts) => new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', ...opts }).format(visit).replace(/\s/g, ' ');
  const when = `${inWords({ weekday: 'long', month: 'long', day: 'numeric' })} at ${inWords({ hour: 'numeric', minute: '2-digit' })}`;
  assert.ok(mail[0].raw.includes(`Subject: Your appointment on ${when}`), `${when} in ${mail[0].raw}`);
  assert.deepEqual(reminderAudit(s.appointment1).map((r) => r.detail), ['outcome=email']);

  ok('consent_set', { client_id: s.client, purpose: 'reminder_email', given: false, method: 'phone', text_shown: null });
  s.appointment2 = book(wallClock(Date.now() + 3 * 3600e3).slice(0, 16) + ':00');
  const handled = await until('the reminder round for the second visit', () => {
    const r = reminderAudit(s.appointment2);
    return r.length ? r : null;
  }, 70000);
  assert.deepEqual(handled.map((r) => r.detail), ['outcome=no_consent']);
  // Time for a wrongly queued mail to reach the server.
  await new Promise((r) => setTimeout(r, 5000));
  assert.equal(mail.length, 1, `mail after the withdrawal went to ${JSON.stringify(mail.slice(1).map((m) => m.to))}`);
});

test('the export holds every planted item', () => {
  assert.ok(s.appointment1, 'needs the visits');
  const res = call('client_export', { id: s.client, totp: '' });
  assert.equal(res.kind, 'client_export');
  const json = JSON.stringify(res.data);
  for (const [what, text] of Object.entries(P)) {
    if (what === 'phoneE164') continue; // the card shows the number as the visitor wrote it
    assert.ok(json.includes(text), `${what} missing from the export`);
  }
  assert.ok(res.data.conversations.some((c) => c.id === s.conversation));
  assert.deepEqual(res.data.appointments.map((a) => a.id).sort(), [s.appointment1, s.appointment2].sort());
});

test('after the erasure no planted string is on disk, at the relay or in a later backup', async () => {
  assert.ok(s.appointment2, 'needs the planted client');
  const totals = reportTotals();
  // Work that names nobody: the two bookings and the chat's arrival. (The desk's reply came from
  // the operator's door, which no staff member's reply figures count.)
  assert.equal(totals.totals.appts_booked, 2);
  assert.equal(totals.heatmap.flat().reduce((a, b) => a + b, 0), 1);
  // The controls: the scan does see the planted data, and the relay does hold the conversation.
  const before = scan();
  for (const text of PLANTED) {
    assert.ok(before.some((f) => f.text === text), `the scan does not find "${text}" before the erasure`);
  }
  const relayFiles = () => filesUnder(stack.relayData).filter((f) => readFileSync(f).includes(s.conversation));
  assert.notDeepEqual(relayFiles(), [], 'the relay holds the conversation before the erasure');

  const erased = ok('client_erase', { id: s.client, totp: '', request_id: null }, 'erasure');
  assert.equal(erased.kind, 'erased');
  assert.equal(erased.counts.conversations, 1);
  assert.equal(erased.counts.messages, 3);

  assert.deepEqual(reportTotals(), totals, 'the reports count the same work after the erasure');

  // The host's outbox tells the relay to forget; it does so in its own time.
  await until('the relay to forget the conversation', () => relayFiles().length === 0, 60000);

  const backup = join(stack.dir, 'after-erasure.fdbackup');
  ok('backup', { path: backup }, 'backup_written');
  assert.ok(existsSync(backup));

  assert.deepEqual(scan([backup]), [], 'the decrypted database, log or backup still hold planted text');
  const onDisk = [stack.db, `${stack.db}-wal`, backup].filter(existsSync);
  assert.ok(onDisk.includes(stack.db));
  assert.deepEqual(grepHits([...onDisk, ...filesUnder(stack.relayData)]), []);
});
