// Processes for the chat tests: a real relay, a real clinic with its headless host (the desk),
// and the admin CLI acting as the desk's staff. Nothing is mocked.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = process.env.BIN_DIR;
if (!BIN) throw new Error('BIN_DIR must point at the cargo target dir with frontdesk-relay and frontdesk-admin');

export const env = {
  ...process.env,
  FRONTDESK_PASSPHRASE: 'chat e2e recovery passphrase',
  FRONTDESK_ADMIN_PASSWORD: 'e2e-admin-password-1',
  NO_AT_BRIDGE: '1',
};

export function tmp(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

// Starts a process and resolves once a stdout line matches `ready`, with the match.
export function start(bin, args, ready, extraEnv = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(join(BIN, bin), args, { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${bin} did not start: ${out} ${err}`)), 20000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m, output: () => out });
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${bin} exited with ${code}: ${out} ${err}`));
    });
  });
}

export function run(bin, args, extraEnv = {}) {
  return execFileSync(join(BIN, bin), args, { env: { ...env, ...extraEnv }, encoding: 'utf8' });
}

export const admin = (db, ...args) => run('frontdesk-admin', ['--db', db, ...args]);
export const adminJson = (db, ...args) => JSON.parse(admin(db, '--json', ...args));

// A relay, a site, and a clinic paired with it, with its host running.
export async function chatStack({ relayFlags = [] } = {}) {
  const dir = tmp('fd-chat-');
  const relayData = join(dir, 'relay');
  const site = run('frontdesk-relay', ['--data', relayData, 'site', 'add', 'Sunrise Clinic']);
  const siteId = site.match(/site id: (\S+)/)[1];
  const token = site.match(/desk token: (\S+)/)[1];
  const relay = await start(
    'frontdesk-relay',
    ['--data', relayData, 'serve', '--listen', '127.0.0.1:0', '--demo-site', siteId, ...relayFlags],
    /listening on (http:\/\/\S+)/,
  );
  const url = relay.match[1];
  const db = join(dir, 'clinic.db');
  admin(db, 'init', '--clinic', 'Sunrise Clinic', '--admin', 'boss');
  // These tests run at any hour; the after-hours reply has its own test with a set clock
  // (desk.test.mjs), so here it stays out of the conversations.
  admin(db, 'chat', 'after-hours', 'off');
  run('frontdesk-admin', ['--db', db, 'chat', 'link', url], { FRONTDESK_DESK_TOKEN: token });
  const desk = await start('frontdesk-admin', ['--db', db, 'serve'], /serving/);
  const stop = () => {
    for (const p of [desk.child, relay.child]) p.kill('SIGKILL');
  };
  return { dir, relayData, siteId, token, url, db, relay, desk, stop };
}

export async function until(what, f, ms = 20000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}
