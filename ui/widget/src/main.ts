// The Frontdesk chat widget: one script tag on the clinic's site. See ui/widget/README.md and
// docs/protocol.md. Everything renders inside a shadow root, user text only as text.
import { ulid, b64u } from './codec';
import { fileNode, load as loadFile, Opened, opened } from './attachments';
import { conversationKey, newKeyPair, open as openEnvelope, openFile, publicRaw, seal, sealFile, Side } from './crypto';
import { clear, h } from './dom';
import { ACCEPT, checkFile, DEFAULT_MAX_FILE, displayName, FileRef, fileRefs, megabytes } from './files';
import { formatOpening, isOpen, nextOpening, Span } from './hours';
import { intlLocale, isRtl, localDigits, pickLang, translator } from './i18n';
import { Msg, Thread, utf8Length } from './messages';
import { solve } from './pow';
import { forget, load, loadKeys, save, Saved, saveKeys } from './store';
import { css } from './style';

interface Question { id: string; kind: 'text' | 'tel' | 'email' | 'textarea'; label: string | null; required: boolean }
interface Config {
  site: string;
  online: boolean;
  clinic: string;
  logo: string | null;
  desk_key: string;
  time_zone: string;
  openings: Span[];
  staff: { name: string; avatar: string | null; online: boolean }[];
  questions: Question[];
  policy: { url: string; version: string };
  offline_message: string | null;
  max_text: number;
  max_file?: number;
}

const script = (document.currentScript ||
  document.querySelector('script[data-site][src*="widget.js"]')) as HTMLScriptElement | null;
let readyResolve: () => void = () => {};
(window as unknown as { __frontdeskWidget: unknown }).__frontdeskWidget = {
  ready: new Promise<void>((r) => (readyResolve = r)),
};

if (script?.dataset.site) boot(script.dataset.site, new URL(script.src, location.href));

async function boot(site: string, src: URL) {
  const pageLang = script!.dataset.lang || document.documentElement.lang;
  const lang = pickLang(pageLang);
  // Dates, times and numbers in the page's place (digits included), words in its language.
  const locale = intlLocale(pageLang, lang);
  const t = translator(lang, locale);
  const res = await fetch(new URL(`/v1/sites/${site}/config`, src), { cache: 'no-store' });
  if (!res.ok) return; // No desk yet: no button, rather than a button that can't work.
  const config: Config = await res.json();

  const host = h('div', { 'data-frontdesk-widget': '' });
  const root = host.attachShadow({ mode: 'open' });
  // A constructed sheet, not a <style> element: it works under a page CSP without
  // 'unsafe-inline'.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  root.adoptedStyleSheets = [sheet];
  const wrap = h('div', { dir: isRtl(lang) ? 'rtl' : 'ltr', lang });
  root.append(wrap);
  document.body.append(host);

  const thread = new Thread();
  let saved: Saved | null = load(site);
  let ws: WebSocket | null = null;
  let bound = false;
  let live = false;
  let retry = 500;
  let unread = 0;
  let audio: AudioContext | null = null;
  let key: CryptoKey | null = null;
  let online = config.online;
  const shownAt = Date.now();

  // Launcher.
  const dot = h('span', { class: 'dot' });
  const badge = h('span', { 'data-part': 'badge', hidden: true });
  const faces = config.logo ? [config.logo] : config.staff.map((s) => s.avatar).filter((a): a is string => !!a).slice(0, 3);
  const launcher = h('button', { 'data-part': 'launcher', 'aria-label': t('open'), type: 'button' });
  for (const f of faces.filter((f) => f.startsWith('data:image/'))) {
    const img = h('img', { alt: '' }) as HTMLImageElement;
    img.src = f;
    launcher.append(img);
  }
  // No photos: a speech bubble, drawn (an emoji needs an emoji font, and is a box without one).
  if (!launcher.childElementCount) launcher.append(icon(BUBBLE, 28));
  launcher.append(dot, badge);

  // Panel.
  const status = h('p', { 'data-part': 'status' });
  const close = h('button', { type: 'button', 'aria-label': t('close') }, '×');
  const error = h('p', { 'data-part': 'error', role: 'alert' });
  const list = h('ol', { 'data-part': 'messages', 'aria-live': 'polite' });
  const body = h('div', { class: 'body' });
  const composer = h('textarea', { 'data-part': 'composer', 'aria-label': t('write'), placeholder: t('write'), rows: 2 }) as HTMLTextAreaElement;
  const send = h('button', { 'data-part': 'send', type: 'button' }, t('send'));
  // Pictures and PDFs, once the conversation exists at the relay (files go after `start`).
  const attach = h('button', { 'data-part': 'attach', type: 'button', 'aria-label': t('attach'), title: t('attach') }, icon(CLIP, 22));
  const fileInput = h('input', { 'data-part': 'file-input', type: 'file', accept: ACCEPT, hidden: true }) as HTMLInputElement;
  const composerRow = h('div', { class: 'composer' }, composer, fileInput, attach, send);
  const panel = h(
    'section',
    { 'data-part': 'panel', role: 'dialog', 'aria-label': t('title', { clinic: config.clinic }), hidden: true },
    h('header', {}, h('div', { style: undefined }, h('h2', {}, t('title', { clinic: config.clinic })), status), close),
    body,
    composerRow,
  );
  wrap.append(launcher, panel);

  const setOnline = (on: boolean) => {
    online = on;
    const now = Date.now();
    dot.classList.toggle('on', on && isOpen(config.openings, now));
    clear(status);
    if (on && isOpen(config.openings, now)) {
      const names = config.staff.filter((s) => s.online).map((s) => s.name);
      status.append(t('online') + (names.length ? ` · ${names.join(', ')}` : ''));
    } else {
      const next = nextOpening(config.openings, now);
      status.append(next ? t('answerFrom', { time: formatOpening(next, locale, config.time_zone) }) : t('away'));
      if (config.offline_message) status.append(h('br'), config.offline_message);
    }
  };
  setOnline(online);

  const showError = (code: string | null, vars: Record<string, string | number> = {}) => {
    clear(error);
    if (code) error.append(t(code, vars));
  };

  const toggle = (openIt: boolean) => {
    panel.hidden = !openIt;
    if (openIt) {
      unread = 0;
      badge.hidden = true;
      audio ??= new AudioContext();
      (saved?.started ? composer : (body.querySelector('input,textarea') as HTMLElement | null))?.focus();
    } else launcher.focus();
  };
  launcher.addEventListener('click', () => toggle(panel.hidden));
  close.addEventListener('click', () => toggle(false));
  panel.addEventListener('keydown', (e) => e.key === 'Escape' && toggle(false));

  const beep = () => {
    if (!audio) return;
    const o = audio.createOscillator();
    const g = audio.createGain();
    o.frequency.value = 880;
    g.gain.value = 0.08;
    o.connect(g).connect(audio.destination);
    o.start();
    o.stop(audio.currentTime + 0.15);
  };

  const timeOf = (at: number) => {
    const d = new Date(at);
    const sameDay = d.toDateString() === new Date().toDateString();
    const opts: Intl.DateTimeFormatOptions = sameDay
      ? { hour: '2-digit', minute: '2-digit' }
      : { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };
    const el = h('time', { 'data-part': 'time', datetime: d.toISOString(), title: d.toLocaleString(locale) }, d.toLocaleString(locale, opts));
    return el;
  };

  // What the desk's absence means, in the place of an answer: while the desk is not connected,
  // this (from the site config the relay keeps) is all a visitor can get.
  const awayText = () => {
    const next = nextOpening(config.openings, Date.now());
    return [t('offline'), next ? t('answerFrom', { time: formatOpening(next, locale, config.time_zone) }) : '', config.offline_message ?? '']
      .filter(Boolean)
      .join('\n');
  };

  // Decrypted, checked files by id, for the page's life (a Blob URL, or null: could not open).
  const files = new Map<string, Opened | undefined>();
  const maxFile = config.max_file || DEFAULT_MAX_FILE;
  const fileUrl = (conversation: string, id: string) => new URL(`/v1/sites/${site}/files/${conversation}/${id}`, src);
  const fileEl = (f: FileRef, from: Side) => {
    if (!files.has(f.id) && saved) {
      files.set(f.id, undefined);
      const { conversation, secret } = saved;
      loadFile(
        async () => {
          const r = await fetch(fileUrl(conversation, f.id), { headers: { 'X-Frontdesk-Secret': secret }, cache: 'no-store' });
          if (!r.ok) throw new Error(String(r.status));
          return new Uint8Array(await r.arrayBuffer());
        },
        async (sealed) => openFile(await convKey(), conversation, f.id, from, sealed),
      ).then((o) => {
        files.set(f.id, o);
        render();
      });
    }
    const el = fileNode(f, files.get(f.id), t);
    el.addEventListener('load', () => (body.scrollTop = body.scrollHeight));
    return el;
  };

  const render = () => {
    clear(list);
    attach.hidden = !saved?.started;
    const asked = thread.list.some((m) => m.handoff);
    const shown = [...thread.list];
    if (saved?.started && !online && !thread.list.some((m) => m.from === 'desk')) {
      shown.push({ id: 'away', from: 'desk', text: awayText(), auto: 'offline' });
    }
    for (const m of shown) {
      const text = m.deleted ? t('deleted') : m.unreadable ? t('unreadable') : m.text;
      const li = h('li', {
        // The away notice is the widget's own words, not a message anyone sent.
        'data-part': m.id === 'away' ? 'away' : 'message',
        'data-id': m.id,
        'data-from': m.from,
        'data-deleted': m.deleted ? 'true' : undefined,
        'data-auto': m.auto && !m.deleted ? m.auto : undefined,
      });
      if (m.quote && !m.deleted) li.append(h('div', { 'data-part': 'quote', 'data-quote-id': m.quote.id }, m.quote.text));
      li.append(h('span', { class: 'text' }, text));
      if (!m.deleted) for (const f of m.files ?? []) li.append(fileEl(f, m.from));
      // An automatic answer never traps anyone: a person is one press away.
      if (m.auto === 'faq' && !m.deleted && !asked) {
        const b = h('button', { type: 'button', 'data-part': 'handoff' }, t('handoff'));
        b.addEventListener('click', () => sendMessage(t('handoffText'), true));
        li.append(b);
      }
      const meta = h('span', { class: 'meta' });
      if (m.auto && !m.deleted) meta.append(t('auto') + ' · ');
      else if (m.from === 'desk' && m.sender) meta.append(m.sender + ' · ');
      meta.append(m.pending ? t('sending') : m.at ? timeOf(m.at) : '');
      li.append(meta);
      list.append(li);
    }
    body.scrollTop = body.scrollHeight;
  };

  const keyPair = async () => {
    let pair = await loadKeys(site);
    if (!pair) {
      pair = await newKeyPair();
      await saveKeys(site, pair);
    }
    return pair;
  };

  const convKey = async () => (key ??= await conversationKey((await keyPair()).privateKey, config.desk_key, saved!.conversation));

  const persist = () => saved && save(site, saved);

  const transmit = (frame: Record<string, unknown>) => {
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  };

  // Sends every unacknowledged frame again with its own id: the relay stores each id once.
  const flush = () => {
    for (const p of saved?.pending ?? []) {
      if (p.frame.t === 'start' ? !bound : bound) transmit(p.frame);
    }
  };

  const receive = async (f: Record<string, any>) => {
    if (f.t === 'ack') {
      const p = saved?.pending.find((x) => x.id === f.id);
      if (p?.frame.t === 'start') {
        saved!.started = true;
        bound = true;
        live = true;
        showForm(false);
      }
      if (saved) saved.pending = saved.pending.filter((x) => x.id !== f.id);
      persist();
      thread.acked(f.id, f.seq, f.at);
      if (p?.frame.t === 'start') flush();
    } else if (f.t === 'msg') {
      let m: Msg = { id: f.id, from: f.from, text: '', seq: f.seq, at: f.at };
      try {
        const b = JSON.parse(await openEnvelope(await convKey(), saved!.conversation, f.id, f.from, f.body));
        m = { ...m, text: String(b.text ?? ''), quote: b.quote ?? null, sender: b.sender ?? null, auto: b.auto ?? null, handoff: !!b.handoff, files: fileRefs(b.files) };
      } catch {
        m.unreadable = true;
      }
      const fresh = thread.upsert(m);
      if (fresh && live && f.from === 'desk') {
        beep();
        if (panel.hidden || document.hidden) {
          unread++;
          badge.hidden = false;
          clear(badge);
          badge.append(new Intl.NumberFormat(locale).format(unread));
        }
      }
    } else if (f.t === 'deleted') {
      thread.deleted(f.id, f.seq, f.at);
    } else if (f.t === 'ready') {
      bound = true;
      live = true;
      setOnline(f.online);
      flush();
    } else if (f.t === 'presence') {
      setOnline(f.online);
    } else if (f.t === 'error') {
      const p = saved?.pending.find((x) => x.id === f.id);
      showError(f.code in { 'relay.rate_limited': 1, 'relay.pow_invalid': 1, 'relay.pow_replayed': 1, 'relay.bot_suspected': 1, 'relay.consent_missing': 1, 'relay.too_large': 1 } ? f.code : 'other');
      if (p) {
        saved!.pending = saved!.pending.filter((x) => x.id !== f.id);
        if (p.frame.t === 'start') {
          // The form keeps everything typed; the next press solves a fresh challenge.
          saved = null;
          localStorage.removeItem(`frontdesk-widget:${site}`);
          thread.list = [];
          startButton.disabled = false;
        } else {
          const m = thread.get(p.id);
          if (m) Object.assign(m, { pending: false, failed: true });
          if (!composer.value) composer.value = p.text;
        }
        persist();
      }
    }
    render();
  };

  const connect = () => {
    const url = new URL(`/v1/sites/${site}/visitor`, src);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    ws = new WebSocket(url);
    ws.onopen = () => {
      retry = 500;
      showError(null);
      if (saved?.started) transmit({ t: 'resume', conversation: saved.conversation, secret: saved.secret, after: 0 });
      else flush();
    };
    ws.onmessage = (e) => receive(JSON.parse(e.data));
    ws.onclose = () => {
      bound = false;
      live = false;
      if (saved) showError('reconnecting');
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
  };

  // The pre-chat form.
  const form = h('form', { 'data-part': 'form', novalidate: true }) as HTMLFormElement;
  const inputs: Record<string, HTMLInputElement | HTMLTextAreaElement> = {};
  for (const q of config.questions) {
    const label = q.label || t(q.id);
    const id = `fdw-${q.id}`;
    const input = (q.kind === 'textarea'
      ? h('textarea', { id, 'data-field': q.id, required: q.required })
      : h('input', { id, 'data-field': q.id, type: q.kind, required: q.required, autocomplete: q.id === 'name' ? 'name' : q.kind })) as HTMLInputElement;
    inputs[q.id] = input;
    form.append(h('label', { for: id }, label + (q.required ? ' *' : '')), input);
  }
  const consent = h('input', { type: 'checkbox', 'data-part': 'consent', id: 'fdw-consent', required: true }) as HTMLInputElement;
  const marketing = h('input', { type: 'checkbox', 'data-part': 'marketing', id: 'fdw-marketing' }) as HTMLInputElement;
  const honeypot = h('input', { name: 'website', 'data-part': 'honeypot', tabindex: -1, autocomplete: 'off', 'aria-hidden': 'true' }) as HTMLInputElement;
  const policyLink = h('a', { href: config.policy.url || undefined, target: '_blank', rel: 'noopener' }, t('policy'));
  const startButton = h('button', { type: 'submit', class: 'primary', 'data-part': 'start' }, t('start')) as HTMLButtonElement;
  const forgetButton = h('button', { type: 'button' }, t('forget'));
  if (config.policy.url) form.append(h('p', {}, policyLink));
  form.append(
    h('div', { class: 'check' }, consent, h('label', { for: 'fdw-consent' }, t('consent', { version: localDigits(config.policy.version, locale) }))),
    h('div', { class: 'check' }, marketing, h('label', { for: 'fdw-marketing' }, t('marketing'))),
    h('div', { class: 'hp', 'aria-hidden': 'true' }, honeypot),
    startButton,
  );
  const storage = h('details', { 'data-part': 'storage-info' }, h('summary', {}, t('storage')), h('p', {}, t('storageText')), forgetButton);
  forgetButton.addEventListener('click', async () => {
    await forget(site);
    saved = null;
    key = null;
    thread.list = [];
    ws?.close();
    render();
    showForm(true);
  });

  const showForm = (show: boolean) => {
    form.hidden = !show;
    composerRow.hidden = show;
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(null);
    for (const q of config.questions) {
      if (q.required && !inputs[q.id].value.trim()) {
        inputs[q.id].focus();
        return error.append(t('required', { label: q.label || t(q.id) }));
      }
    }
    if (!consent.checked) return showError('relay.consent_missing');
    const text = (inputs.question?.value ?? '').trim() || composer.value.trim();
    if (utf8Length(text) > config.max_text) return showError('tooLong', { n: utf8Length(text), max: config.max_text });
    startButton.disabled = true;
    clear(startButton);
    startButton.append(t('solving'));
    try {
      const challenge = await (await fetch(new URL(`/v1/sites/${site}/challenge`, src), { cache: 'no-store' })).json();
      const pow = await solve(challenge);
      const pair = await keyPair();
      saved = { conversation: ulid(), secret: b64u(crypto.getRandomValues(new Uint8Array(32))), started: false, pending: [] };
      key = null;
      const answers: Record<string, string> = { marketing_opt_in: marketing.checked ? 'yes' : 'no', policy_version: config.policy.version };
      for (const q of config.questions) answers[q.id] = inputs[q.id].value.trim();
      const id = ulid();
      const plain = JSON.stringify({ text, quote: null, answers, page: location.href, lang, sender: null });
      const frame = {
        t: 'start',
        conversation: saved.conversation,
        secret: saved.secret,
        visitor_key: await publicRaw(pair),
        id,
        body: await seal(await convKey(), saved.conversation, id, 'visitor', plain),
        pow,
        consent: { privacy: true, version: config.policy.version },
        honeypot: honeypot.value,
        fill_ms: Date.now() - shownAt,
      };
      saved.pending.push({ id, frame, text });
      persist();
      thread.upsert({ id, from: 'visitor', text, pending: true });
      render();
      if (ws?.readyState === WebSocket.OPEN) transmit(frame);
    } catch {
      showError('other');
      startButton.disabled = false;
    } finally {
      clear(startButton);
      startButton.append(t('start'));
    }
  });

  const sendMessage = async (typed?: string, handoff = false) => {
    const text = (typed ?? composer.value).trim();
    if (!text || !saved?.started) return;
    const n = utf8Length(text);
    if (n > config.max_text) return showError('tooLong', { n, max: config.max_text });
    showError(null);
    const id = ulid();
    const frame = await sendFrame(id, text, handoff ? { handoff } : {});
    saved.pending.push({ id, frame, text });
    persist();
    if (typed === undefined) composer.value = '';
    thread.upsert({ id, from: 'visitor', text, pending: true, handoff });
    render();
    if (bound) transmit(frame);
  };
  const sendFrame = async (id: string, text: string, extra: Record<string, unknown>) => {
    const plain = JSON.stringify({ text, quote: null, answers: null, page: null, lang: null, sender: null, ...extra });
    return { t: 'send', id, body: await seal(await convKey(), saved!.conversation, id, 'visitor', plain) };
  };
  send.addEventListener('click', () => sendMessage());

  // A picture or PDF: checked here by its bytes, sealed, uploaded, and only then named in a
  // `send` with the composer's text. A file still uploading when the page goes is not kept.
  attach.addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', async () => {
    const file = fileInput.files?.[0];
    fileInput.value = '';
    if (!file || !saved?.started) return;
    const refuse = (code: string) => showError(code, { mb: megabytes(maxFile) });
    if (file.size > maxFile) return refuse('fileTooLarge');
    const bytes = new Uint8Array(await file.arrayBuffer());
    const checked = checkFile(bytes, maxFile);
    if ('error' in checked) return refuse(checked.error);
    const text = composer.value.trim();
    const n = utf8Length(text);
    if (n > config.max_text) return showError('tooLong', { n, max: config.max_text });
    showError(null);
    const now = saved;
    const ref: FileRef = { id: ulid(), name: displayName(file.name), mime: checked.mime, size: bytes.length };
    const id = ulid();
    composer.value = '';
    files.set(ref.id, opened(bytes));
    thread.upsert({ id, from: 'visitor', text, pending: true, files: [ref] });
    render();
    let status = 0;
    try {
      const sealed = await sealFile(await convKey(), now.conversation, ref.id, 'visitor', bytes);
      const headers = { 'X-Frontdesk-Secret': now.secret, 'Content-Type': 'application/octet-stream' };
      status = (await fetch(fileUrl(now.conversation, ref.id), { method: 'PUT', headers, body: sealed })).status;
    } catch {
      // No answer: said below like any other failure.
    }
    if (saved !== now) return; // forgotten meanwhile
    if (status !== 201) {
      thread.list = thread.list.filter((m) => m.id !== id);
      if (!composer.value) composer.value = text;
      refuse(status === 413 ? 'fileTooLarge' : status === 429 ? 'fileRate' : 'other');
      return render();
    }
    const frame = await sendFrame(id, text, { files: [ref] });
    now.pending.push({ id, frame, text, files: [ref] });
    persist();
    if (bound) transmit(frame);
  });
  composer.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      sendMessage();
    }
  });

  body.append(list, form, error, storage);
  // Messages written before a reload but never acknowledged are shown, and sent again.
  for (const p of saved?.pending ?? []) thread.upsert({ id: p.id, from: 'visitor', text: p.text, pending: true, files: p.files });
  showForm(!saved?.started && !saved?.pending.length);
  render();
  connect();
  readyResolve();
}

const BUBBLE = 'M21 11.5a8.5 8.5 0 0 1-12.3 7.6L3 21l1.9-5.7A8.5 8.5 0 1 1 21 11.5z';
const CLIP = 'M21.4 11.1l-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5';

// Drawn, not an emoji (an emoji needs an emoji font, and is a box without one).
function icon(d: string, size: number): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  const path = document.createElementNS(ns, 'path');
  for (const [k, v] of Object.entries({ viewBox: '0 0 24 24', width: String(size), height: String(size), fill: 'none', stroke: 'currentColor', 'stroke-width': '2', 'stroke-linejoin': 'round', 'stroke-linecap': 'round', 'aria-hidden': 'true' })) svg.setAttribute(k, v);
  path.setAttribute('d', d);
  svg.append(path);
  return svg;
}
