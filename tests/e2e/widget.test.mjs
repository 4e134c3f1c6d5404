// The widget in a real Chromium on a page served by a real relay, with a real desk (a clinic
// and its headless host) connected: questionnaire, proof-of-work, send, the desk's quoted
// reply with its sound, the deletion, a reload that resumes, and the relay holding no plaintext.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { adminJson, admin, chatStack, until } from './chat-support.mjs';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];
const PLANTED_TEXT = 'PLANTED-MSG-7c1f: can I come on Friday? <img src=x onerror=alert(1)>';
const PLANTED_NAME = 'PLANTED-NAME-Sok-Dara-99ab';

let stack;
let browser;

before(async () => {
  stack = await chatStack({ relayFlags: ['--pow-max-number', '5000'] });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS });
});

after(async () => {
  await browser?.close();
  stack?.stop();
});

async function openPage() {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));
  page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && errors.push(`${r.status()} ${r.url()}`));
  // Counts the notification sounds the widget plays.
  await page.addInitScript(() => {
    window.__beeps = 0;
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (...a) {
      window.__beeps++;
      return start.apply(this, a);
    };
  });
  await page.goto(`${stack.url}/demo`);
  await page.evaluate(() => window.__frontdeskWidget.ready);
  return { page, errors };
}

test('a visitor chats with the desk end to end', async () => {
  const { page, errors } = await openPage();
  await page.click('[data-part=launcher]');
  await page.fill('[data-field=name]', PLANTED_NAME);
  await page.fill('[data-field=phone]', '+855 12 345 678');
  await page.fill('[data-field=question]', PLANTED_TEXT);
  // Without consent nothing is sent and the text stays.
  await page.click('[data-part=start]');
  assert.match(await page.textContent('[data-part=error]'), /privacy policy/);
  assert.equal(await page.inputValue('[data-field=question]'), PLANTED_TEXT);
  await page.check('[data-part=consent]');
  assert.equal(await page.isChecked('[data-part=marketing]'), false, 'marketing opt-in starts unticked');
  await page.waitForTimeout(1600); // a person takes longer than the relay's minimum fill time
  await page.click('[data-part=start]');
  const mine = page.locator('[data-part=message][data-from=visitor]');
  await mine.locator('[data-part=time]').waitFor({ timeout: 30000 });
  assert.equal(await mine.locator('.text').textContent(), PLANTED_TEXT);
  assert.equal(await mine.locator('img').count(), 0, 'markup in a message is text');

  // The desk has it, decrypted, with the questionnaire, the page and the address.
  const list = await until('the conversation at the desk', () => {
    const l = adminJson(stack.db, 'chat', 'list');
    return l.length ? l : null;
  });
  assert.equal(list[0].unanswered, true);
  const conv = adminJson(stack.db, 'chat', 'show', list[0].id);
  assert.equal(conv.messages[0].text, PLANTED_TEXT);
  assert.equal(conv.visitor_name, PLANTED_NAME);
  assert.equal(conv.answers.marketing_opt_in, 'no');
  assert.equal(conv.page_url, `${stack.url}/demo`);
  assert.equal(conv.ip, '127.0.0.1');

  // The desk replies quoting the visitor while the panel is closed: a sound, an unread badge.
  await page.click('[data-part=launcher]');
  assert.equal(await page.isVisible('[data-part=panel]'), false);
  const beepsBefore = await page.evaluate(() => window.__beeps);
  const reply = adminJson(stack.db, 'chat', 'reply', conv.id, 'Yes, Friday 10:00 works. <b>See you</b>', '--quote', conv.messages[0].id);
  await page.locator('[data-part=badge]').waitFor({ timeout: 20000 });
  assert.equal(await page.textContent('[data-part=badge]'), '1');
  await page.click('[data-part=launcher]');
  assert.equal(await page.isVisible('[data-part=badge]'), false, 'opening the chat clears the badge');
  const theirs = page.locator(`[data-part=message][data-id="${reply.id}"]`);
  await theirs.waitFor({ timeout: 20000 });
  assert.equal(await theirs.locator('.text').textContent(), 'Yes, Friday 10:00 works. <b>See you</b>');
  assert.equal(await theirs.locator('b').count(), 0);
  assert.match(await theirs.locator('[data-part=quote]').textContent(), /PLANTED-MSG-7c1f/);
  assert.equal(await theirs.getAttribute('data-from'), 'desk');
  await until('the sound', async () => (await page.evaluate(() => window.__beeps)) > beepsBefore);

  // The desk deletes its reply; the visitor sees it as deleted.
  admin(stack.db, 'chat', 'delete', reply.id);
  await page.locator(`[data-id="${reply.id}"][data-deleted=true]`).waitFor({ timeout: 20000 });
  assert.doesNotMatch(await theirs.textContent(), /Friday 10:00/);

  // A follow-up from the composer reaches the desk once.
  await page.fill('[data-part=composer]', 'Thank you!');
  await page.press('[data-part=composer]', 'Enter');
  await until('the follow-up at the desk', () =>
    adminJson(stack.db, 'chat', 'show', conv.id).messages.some((m) => m.text === 'Thank you!'));

  // A reload resumes: the history comes back from the relay, decrypted in the browser.
  await page.reload();
  await page.evaluate(() => window.__frontdeskWidget.ready);
  await page.click('[data-part=launcher]');
  await page.locator('[data-part=message][data-from=visitor]').first().waitFor();
  await page.locator(`[data-id="${reply.id}"][data-deleted=true]`).waitFor();
  const texts = await page.locator('[data-part=message] .text').allTextContents();
  assert.equal(texts.filter((t) => t === 'Thank you!').length, 1, 'no duplicates after a resume');
  assert.deepEqual(errors, []);
  await page.close();

  // The relay's files hold ciphertext only.
  const desk = adminJson(stack.db, 'chat', 'show', conv.id);
  assert.equal(desk.messages.filter((m) => m.text === 'Thank you!').length, 1);
  for (const f of readdirSync(stack.relayData).filter((f) => f.startsWith('relay.db'))) {
    const bytes = readFileSync(join(stack.relayData, f));
    for (const planted of ['PLANTED-MSG-7c1f', PLANTED_NAME, 'Thank you!', 'Friday 10:00']) {
      assert.equal(bytes.includes(planted), false, `${planted} found in ${f}`);
    }
  }
});

test('Arabic pages get a right-to-left widget in Arabic', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.url}/demo`);
  await page.evaluate(() => window.__frontdeskWidget.ready);
  await page.evaluate(() => {
    document.documentElement.lang = 'ar';
    const s = document.createElement('script');
    s.src = document.querySelector('script[data-site]').src;
    s.dataset.site = document.querySelector('script[data-site]').dataset.site;
    document.querySelector('[data-frontdesk-widget]').remove();
    document.body.append(s);
  });
  await page.evaluate(() => window.__frontdeskWidget.ready);
  await page.click('[data-part=launcher]');
  const dir = await page.evaluate(() => document.querySelector('[data-frontdesk-widget]').shadowRoot.firstElementChild.getAttribute('dir'));
  assert.equal(dir, 'rtl');
  assert.match(await page.textContent('[data-part=start]'), /ابدأ/);
  const box = await page.locator('[data-part=launcher]').boundingBox();
  assert.ok(box.x < 200, 'the launcher sits on the left in RTL');
  await page.close();
});
