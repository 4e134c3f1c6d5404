// The widget in a real Chromium on a page served by a real relay, with a real desk (a clinic
// and its headless host) connected: questionnaire, proof-of-work, send, the desk's quoted
// reply with its sound, the deletion, a reload that resumes, and the relay holding no plaintext.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { adminJson, admin, chatStack, until } from './chat-support.mjs';
import { minimalPdf, pngWith } from './files-support.mjs';

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
  // Nobody is logged in at the desk: the widget says so, from the config the relay keeps.
  assert.match(await page.textContent('[data-part=away]'), /not at the desk right now/);

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
  assert.equal(await page.locator('[data-part=away]').count(), 0, 'a person answered: no away notice');
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

test('a question the FAQ knows is answered at once and marked automatic; "talk to a person" reaches the desk; a correction replaces the answer', async () => {
  const ANSWER = 'We are at 12 Riverside Road, next to the market.';
  const entry = adminJson(stack.db, 'chat', 'faq-add', '--lang', 'en', '--question', 'Where is the clinic?',
    '--alternate', 'What is your address?', '--answer', ANSWER);
  adminJson(stack.db, 'chat', 'faq-add', '--lang', 'en', '--question', 'Do you have parking?', '--answer', 'Yes, behind the building.');
  const { page, errors } = await openPage();
  await page.click('[data-part=launcher]');
  await page.fill('[data-field=name]', 'Faq Visitor');
  await page.fill('[data-field=question]', 'Hello, what is your address?');
  await page.check('[data-part=consent]');
  await page.waitForTimeout(1600);
  await page.click('[data-part=start]');
  const auto = page.locator('[data-part=message][data-auto=faq]');
  await auto.waitFor({ timeout: 30000 });
  assert.equal(await auto.locator('.text').textContent(), ANSWER);
  assert.match(await auto.locator('.meta').textContent(), /Automatic reply/);

  // At the desk: answered, nobody asked to answer, the entry named.
  const conv = await until('the conversation at the desk', () =>
    adminJson(stack.db, 'chat', 'list').find((c) => c.visitor_name === 'Faq Visitor'));
  assert.equal(conv.unanswered, false);
  let shown = adminJson(stack.db, 'chat', 'show', conv.id);
  const sent = shown.messages.find((m) => m.auto === 'faq');
  assert.equal(sent.faq_id, entry.id);
  assert.equal(shown.task, null);

  // "Talk to a person": the desk gets a waiting chat, and no more automatic answers.
  await page.click('[data-part=handoff]');
  await page.locator('[data-part=handoff]').waitFor({ state: 'detached', timeout: 10000 });
  shown = await until('the request for a person at the desk', () => {
    const c = adminJson(stack.db, 'chat', 'show', conv.id);
    return c.messages.some((m) => m.handoff) && c.unanswered && c.task?.kind === 'chat' ? c : null;
  });
  await page.fill('[data-part=composer]', 'Do you have parking?');
  await page.press('[data-part=composer]', 'Enter');
  await until('the parking question at the desk', () =>
    adminJson(stack.db, 'chat', 'show', conv.id).messages.some((m) => m.text === 'Do you have parking?'));
  assert.equal(adminJson(stack.db, 'chat', 'show', conv.id).messages.filter((m) => m.auto).length, 1);

  // Staff correct the automatic answer: the visitor sees it taken back and the person's answer.
  const fixed = adminJson(stack.db, 'chat', 'correct', sent.id, 'We moved: 3 Lake Street, since Monday.');
  await page.locator(`[data-part=message][data-id="${sent.id}"][data-deleted=true]`).waitFor({ timeout: 20000 });
  await page.locator(`[data-part=message][data-id="${fixed.id}"]`).waitFor({ timeout: 20000 });
  assert.equal(await page.locator(`[data-id="${fixed.id}"] .text`).textContent(), 'We moved: 3 Lake Street, since Monday.');
  assert.equal(await page.locator('[data-part=message][data-auto]').count(), 0, 'no automatic answer stands');
  assert.deepEqual(errors, []);
  await page.close();
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

// The widget's words, from its source (ui/widget/src/i18n.ts): each catalogue is a plain object
// literal there.
const I18N = readFileSync(new URL('../../ui/widget/src/i18n.ts', import.meta.url), 'utf8');
function widgetWords(lang) {
  const m = new RegExp(`\\nconst ${lang}(?:: Messages)? = (\\{[\\s\\S]*?\\n\\});`).exec(I18N);
  assert.ok(m, `ui/widget/src/i18n.ts has a ${lang} catalogue`);
  return Function(`return ${m[1]};`)();
}
const SHOTS = process.env.FRONTDESK_SCREENSHOTS;
// The faces a visitor's own device has for these scripts (this test machine has only DejaVu,
// which has no Khmer): the page adds the Noto faces from fonts/ before the chat opens, and the
// widget's font list ("Noto Sans Khmer", "Noto Sans Arabic") picks them up.
const FONTS = new URL('../../fonts/', import.meta.url);
const FACES = [['Noto Sans Khmer', 'NotoSansKhmer-Regular'], ['Noto Sans Arabic', 'NotoSansArabic-Regular']];

// The clinic's page in a language: its <html lang> is set as the parser makes the element, so
// the widget's (async) script finds the page in that language, as on a real Khmer site.
async function pageIn(lang) {
  const page = await browser.newPage({ viewport: { width: 820, height: 720 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**/test-fonts/*.ttf', (route) =>
    route.fulfill({ contentType: 'font/ttf', body: readFileSync(new URL(new URL(route.request().url()).pathname.split('/').pop(), FONTS)) }));
  await page.addInitScript((lang) => {
    const set = () => {
      if (!document.documentElement) return false;
      document.documentElement.lang = lang;
      if (lang.startsWith('ar')) document.documentElement.dir = 'rtl';
      return true;
    };
    if (!set()) new MutationObserver((_, o) => set() && o.disconnect()).observe(document, { childList: true });
  }, lang);
  await page.goto(`${stack.url}/demo`);
  await page.evaluate(() => window.__frontdeskWidget.ready);
  assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
  await page.evaluate(async (faces) => {
    for (const [family, file] of faces) {
      const face = new FontFace(family, `url(/test-fonts/${file}.ttf)`);
      document.fonts.add(face);
      await face.load();
    }
  }, FACES);
  return { page, errors };
}

// The font faces Chromium drew an element's text with, by name.
async function facesOf(page, selector) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  await cdp.send('DOM.getDocument', { depth: -1, pierce: true });
  const { result } = await cdp.send('Runtime.evaluate', {
    expression: `document.querySelector('[data-frontdesk-widget]').shadowRoot.querySelector(${JSON.stringify(selector)})`,
  });
  const { nodeId } = await cdp.send('DOM.requestNode', { objectId: result.objectId });
  const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
  await cdp.detach();
  return fonts.map((f) => f.familyName);
}

test('a page in ar-JO gets the Arabic widget with Jordan\'s Arabic-Indic digits; a page in plain ar keeps Latin digits', async () => {
  for (const [tag, local] of [['ar-JO', true], ['ar', false]]) {
    const { page, errors } = await pageIn(tag);
    await page.locator('[data-part=launcher]').click();
    await page.locator('[data-part=form]').waitFor();
    const consent = await page.textContent('label[for=fdw-consent]');
    const status = await page.textContent('[data-part=status]');
    assert.match(consent, /[\u0660-\u0669]|[0-9]/, `${tag}: the policy's version is shown: ${consent}`);
    for (const text of [consent, status]) {
      if (local) assert.doesNotMatch(text, /[0-9]/, `${tag}: no Latin digit in ${text}`);
      else assert.doesNotMatch(text, /[\u0660-\u0669]/, `${tag}: no Arabic-Indic digit in ${text}`);
    }
    // The opening time (the desk is away in this stack) is written in those digits too.
    if (local) assert.match(status, /[\u0660-\u0669]{2}:[\u0660-\u0669]{2}|[\u0660-\u0669]{2}\u066b?[\u0660-\u0669]{2}/, status);
    assert.equal(await page.evaluate(() => document.querySelector('[data-frontdesk-widget]').shadowRoot.firstElementChild.getAttribute('dir')), 'rtl');
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test('the widget speaks Khmer, Vietnamese, Arabic and English from the page\'s <html lang>, right to left only in Arabic', async () => {
  const en = widgetWords('en');
  for (const lang of ['km', 'vi', 'ar', 'en']) {
    const words = widgetWords(lang);
    if (lang !== 'en') assert.notEqual(words.start, en.start, `${lang} has its own words`);
    const { page, errors } = await pageIn(lang);
    const launcher = page.locator('[data-part=launcher]');
    assert.equal(await launcher.getAttribute('aria-label'), words.open, `${lang}: the launcher`);
    await launcher.click();
    await page.locator('[data-part=form]').waitFor();
    const seen = await page.evaluate(() => {
      const root = document.querySelector('[data-frontdesk-widget]').shadowRoot;
      const wrap = root.firstElementChild;
      const dirOf = (el) => getComputedStyle(el).direction;
      return {
        dir: wrap.getAttribute('dir'),
        lang: wrap.getAttribute('lang'),
        title: root.querySelector('[data-part=panel] h2').textContent,
        panelLabel: root.querySelector('[data-part=panel]').getAttribute('aria-label'),
        start: root.querySelector('[data-part=start]').textContent,
        labels: [...root.querySelectorAll('[data-part=form] label')].map((l) => l.textContent),
        inputs: [...root.querySelectorAll('[data-part=form] input:not([type=checkbox]):not([data-part=honeypot]), [data-part=form] textarea, [data-part=composer]')]
          .map((i) => [i.dataset.field ?? i.dataset.part, i.type, dirOf(i)]),
        panel: root.querySelector('[data-part=panel]').getBoundingClientRect().toJSON(),
        width: innerWidth,
      };
    });
    const dir = lang === 'ar' ? 'rtl' : 'ltr';
    assert.equal(seen.dir, dir, `${lang}: the widget is ${dir}`);
    assert.equal(seen.lang, lang);
    assert.equal(seen.title, words.title.replace('{clinic}', 'Sunrise Clinic'), `${lang}: the title`);
    assert.equal(seen.panelLabel, seen.title);
    assert.equal(seen.start, words.start, `${lang}: the start button`);
    for (const key of ['name', 'question']) {
      assert.ok(seen.labels.some((l) => l.replace(/ \*$/, '') === words[key]), `${lang}: the ${key} field is labelled ${words[key]}: ${seen.labels}`);
    }
    assert.ok(seen.labels.includes(words.marketing), `${lang}: the marketing box`);
    assert.ok(seen.inputs.length >= 3, JSON.stringify(seen.inputs));
    // A phone field stays left to right in every language (Chromium's own rule: a number keeps its order).
    for (const [field, type, d] of seen.inputs) assert.equal(d, type === 'tel' ? 'ltr' : dir, `${lang}: the ${field} field is ${dir}`);
    assert.ok(seen.inputs.filter(([, type]) => type !== 'tel').length >= 3, JSON.stringify(seen.inputs));
    // The panel opens from the launcher's corner: the right in LTR, the left in RTL.
    if (dir === 'rtl') assert.ok(seen.panel.left < seen.width / 2, `the panel is on the left: ${JSON.stringify(seen.panel)}`);
    else assert.ok(seen.panel.right > seen.width / 2, `the panel is on the right: ${JSON.stringify(seen.panel)}`);
    await page.evaluate(() => document.fonts.ready);
    if (lang === 'km') {
      for (const part of ['[data-part=panel] h2', '[data-part=start]', '[data-part=status]']) {
        const faces = await facesOf(page, part);
        assert.ok(faces.includes('Noto Sans Khmer'), `${part} is drawn in a Khmer face: ${faces}`);
      }
      // The next opening's day is in Khmer too (Chromium has no Khmer dates of its own).
      const status = await page.textContent('[data-part=status]');
      assert.doesNotMatch(status, /(Sun|Mon|Tues|Wednes|Thurs|Fri|Satur)day/, 'no English day in the status');
    }
    // Something typed in the other script keeps its own direction inside the field.
    await page.fill('[data-field=name]', lang === 'ar' ? 'Sok Dara' : 'ليلى حداد');
    await page.fill('[data-field=phone]', '+855 12 345 678');
    if (SHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      // The widget's corner of the page: the panel and its launcher.
      const [panel, button] = await Promise.all([page.locator('[data-part=panel]').boundingBox(), launcher.boundingBox()]);
      const x = Math.max(0, Math.min(panel.x, button.x) - 20);
      const right = Math.min(seen.width, Math.max(panel.x + panel.width, button.x + button.width) + 20);
      const y = Math.max(0, panel.y - 20);
      await page.screenshot({ path: join(SHOTS, `widget-${lang}.png`), clip: { x, y, width: right - x, height: button.y + button.height + 12 - y } });
    }
    assert.deepEqual(errors, []);
    await page.close();
  }
});

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []);
}

test('pictures and PDFs: the visitor sends a picture, sealed; the desk sends a PDF back; other files never leave the browser', async () => {
  const PLANTED_IMG = 'PLANTED-IMG-5e1a';
  const words = widgetWords('en');
  const { page, errors } = await openPage();
  const puts = [];
  page.on('request', (r) => r.method() === 'PUT' && puts.push(r.url()));
  await page.click('[data-part=launcher]');
  await page.fill('[data-field=name]', 'File Visitor');
  await page.fill('[data-field=question]', 'May I send you my x-ray?');
  await page.check('[data-part=consent]');
  // Files go only into a conversation the relay has: no attach button before `start`.
  assert.equal(await page.isVisible('[data-part=attach]'), false);
  await page.waitForTimeout(1600);
  await page.click('[data-part=start]');
  await page.locator('[data-part=message][data-from=visitor] [data-part=time]').waitFor({ timeout: 30000 });
  await page.locator('[data-part=attach]').waitFor();
  const conv = await until('the conversation at the desk', () =>
    adminJson(stack.db, 'chat', 'list').find((c) => c.visitor_name === 'File Visitor'));

  // A picture with a few words: shown inline at once, then acknowledged.
  const png = pngWith(PLANTED_IMG);
  await page.fill('[data-part=composer]', 'Here is my x-ray');
  await page.setInputFiles('[data-part=file-input]', { name: 'x-ray.png', mimeType: 'image/png', buffer: png });
  const sent = page.locator('[data-part=message][data-from=visitor]', { has: page.locator('img[data-part=file]') });
  await sent.locator('[data-part=time]').waitFor({ timeout: 20000 });
  assert.equal(await sent.locator('.text').textContent(), 'Here is my x-ray');
  assert.equal(await page.inputValue('[data-part=composer]'), '', 'the text went with the picture');
  const img = sent.locator('img[data-part=file]');
  assert.match(await img.getAttribute('src'), /^blob:/);
  assert.equal(await img.getAttribute('alt'), 'x-ray.png');
  await until('the picture drawn', async () => (await img.evaluate((el) => el.complete && el.naturalWidth)) === 1);
  assert.equal(puts.length, 1);
  assert.match(puts[0], new RegExp(`/v1/sites/${stack.siteId}/files/${conv.id}/[0-9A-Z]{26}$`));

  // The desk has it, stored and checked.
  const withFile = await until('the picture at the desk', () =>
    adminJson(stack.db, 'chat', 'show', conv.id).messages.find((m) => m.files?.length));
  assert.equal(withFile.text, 'Here is my x-ray');
  assert.equal(withFile.files[0].status, 'stored');
  assert.equal(withFile.files[0].mime, 'image/png');
  assert.equal(withFile.files[0].name, 'x-ray.png');

  // The desk sends a PDF back: a link that downloads it, typed as a PDF, named after it.
  const pdfPath = join(stack.dir, 'price-list.pdf');
  writeFileSync(pdfPath, minimalPdf());
  admin(stack.db, 'chat', 'send-file', conv.id, pdfPath, '--text', 'Your price list');
  const link = page.locator('[data-part=message][data-from=desk] a[data-part=file]');
  await link.waitFor({ timeout: 20000 });
  assert.equal(await link.textContent(), 'price-list.pdf');
  assert.equal(await link.getAttribute('download'), 'price-list.pdf');
  assert.equal(await link.getAttribute('target'), null);
  assert.match(await link.getAttribute('href'), /^blob:/);
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.equal(download.suggestedFilename(), 'price-list.pdf');
  assert.equal(readFileSync(await download.path(), 'latin1'), readFileSync(pdfPath, 'latin1'));
  assert.equal(page.url(), `${stack.url}/demo`, 'the PDF is saved, not opened in the page');
  assert.match(await page.textContent('[data-part=message][data-from=desk] .text'), /Your price list/);

  // A page renamed .png is refused by its bytes, translated, and nothing is uploaded.
  await page.fill('[data-part=composer]', 'and this one');
  await page.setInputFiles('[data-part=file-input]', {
    name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from('<html><script>alert(1)</script></html>'),
  });
  await until('the refusal', async () => (await page.textContent('[data-part=error]')) === words.fileType);
  assert.equal(await page.inputValue('[data-part=composer]'), 'and this one', 'the text stays');
  // So is a picture over the clinic's 10 MB.
  const big = Buffer.alloc(11 * 1024 * 1024);
  png.copy(big);
  await page.setInputFiles('[data-part=file-input]', { name: 'big.png', mimeType: 'image/png', buffer: big });
  await until('the size refusal', async () =>
    (await page.textContent('[data-part=error]')) === words.fileTooLarge.replace('{mb}', '10'));
  await page.waitForTimeout(500);
  assert.equal(puts.length, 1, 'refused files are never uploaded');
  assert.equal(await page.locator('[data-part=file]').count(), 2);

  // After a reload both files come back from the relay, decrypted and checked in the browser.
  await page.reload();
  await page.evaluate(() => window.__frontdeskWidget.ready);
  await page.click('[data-part=launcher]');
  await until('the picture again', async () =>
    (await page.locator('img[data-part=file]').evaluate((el) => el.complete && el.naturalWidth).catch(() => 0)) === 1);
  await page.locator('a[data-part=file]').waitFor({ timeout: 20000 });
  assert.deepEqual(errors, []);
  await page.close();

  // The relay holds the picture sealed: its planted text is nowhere on the relay's disk.
  for (const f of filesUnder(stack.relayData)) {
    assert.equal(readFileSync(f).includes(PLANTED_IMG), false, `${PLANTED_IMG} found in ${f}`);
  }
});
