import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import AuditLog from './AuditLog.svelte';
import { AUDIT_PAGE } from '../lib/privacy';
import { app } from '../lib/app.svelte';
import { i18n } from '../lib/i18n.svelte';
import { nav } from '../lib/nav.svelte';
import { resetNotices } from '../lib/notices.svelte';
import type { AuditRecord } from '../bindings/AuditRecord';
import type { Call } from '../bindings/Call';
import type { Reply } from '../bindings/Reply';
import type { VerifyReport } from '../bindings/VerifyReport';
import { clinic, doorReply, doorRequests, fakeDesk, readyStatus, session, staffRecord } from '../test-helpers';

vi.mock('../lib/sound', () => ({ taskTone: vi.fn(), chime: vi.fn() }));

const manager = {
  ...session,
  staff_id: '01HSTAFF000000000000000002',
  role: 'manager',
  permissions: [...session.permissions, 'staff_read', 'audit_read', 'audit_verify'],
} as typeof session;
const MONY = '01HSTAFF000000000000000002';
const CLIENT = '01HCLIENT00000000000000001';

function record(seq: number, over: Partial<AuditRecord> = {}): AuditRecord {
  return {
    seq,
    at: '2026-03-02T03:00:00.000000Z',
    actor_kind: 'staff',
    actor_id: MONY,
    workstation: 'desk-1',
    action: 'client.get',
    target_kind: 'client',
    target_id: CLIENT,
    outcome: 'ok',
    detail: null,
    ...over,
  };
}

/** The log has records 1..total; a page is the newest `limit` before `before_seq`. */
function desk(total: number, more: (c: Call) => Reply | undefined = () => undefined) {
  let verify: VerifyReport = { records: total, first_broken: null };
  const calls = fakeDesk((c) => {
    const r = more(c);
    if (r) return r;
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    switch (c.args.op) {
      case 'audit_list': {
        const { before_seq, limit } = c.args.args;
        const top = Math.min(total, (before_seq ?? total + 1) - 1);
        const page: AuditRecord[] = [];
        for (let s = top; s >= 1 && page.length < (limit ?? 25); s--) page.push(record(s, s === 7 ? { actor_kind: 'operator', actor_id: null, outcome: 'access.forbidden' } : {}));
        return doorReply({ kind: 'audit_records', data: page });
      }
      case 'audit_verify':
        return doorReply({ kind: 'audit_report', data: verify });
      case 'staff_list':
        return doorReply({ kind: 'staff_list', data: [staffRecord({ id: MONY, display_name: 'Mony Keo' })] });
      default:
        throw new Error(`unexpected ${c.args.op}`);
    }
  });
  return { calls, breakAt: (seq: number) => (verify = { records: total, first_broken: { seq, reason: 'hash mismatch' } }) };
}

beforeEach(() => {
  app.status = readyStatus(manager);
  i18n.timeZone = clinic.time_zone;
  nav.pending = {};
  nav.view = 'audit';
  resetNotices();
});
afterEach(() => {
  app.status = null;
  i18n.timeZone = undefined;
});

describe('the audit log', () => {
  it('lists the newest first and loads older records a page at a time', async () => {
    const { calls } = desk(AUDIT_PAGE + 30);
    render(AuditLog);
    await waitFor(() => expect(document.querySelectorAll('tbody tr')).toHaveLength(AUDIT_PAGE));
    const seqs = () => [...document.querySelectorAll('tbody tr')].map((r) => Number(r.getAttribute('data-seq')));
    expect(seqs()[0]).toBe(AUDIT_PAGE + 30);
    expect(screen.getAllByText('Mony Keo').length).toBeGreaterThan(0);
    // (By id: asking for roles among a hundred rows is slow in jsdom.)
    const older = document.getElementById('audit-older')!;
    expect(older.textContent).toBe('Load older records');
    await fireEvent.click(older);
    await waitFor(() => expect(seqs()).toHaveLength(AUDIT_PAGE + 30));
    expect(seqs().at(-1)).toBe(1);
    expect(doorRequests(calls, 'audit_list').map((r) => r.args.before_seq)).toEqual([null, 31]);
    // A short page is the last one.
    expect(document.getElementById('audit-older')).toBeNull();
    // The operator and refusals are told apart.
    const seven = document.querySelector('tr[data-seq="7"]')!;
    expect(seven.textContent).toContain('Clinic operator');
    expect(seven.classList.contains('failed')).toBe(true);
  });

  it('sends the filter as the door takes it, days on the clinic clock', async () => {
    const { calls } = desk(3);
    render(AuditLog);
    await waitFor(() => expect(doorRequests(calls, 'audit_list')).toHaveLength(1));
    await waitFor(() => expect(document.querySelectorAll('#audit-staff option')).toHaveLength(2));
    await fireEvent.change(document.getElementById('audit-staff')!, { target: { value: MONY } });
    await fireEvent.input(screen.getByLabelText('Action'), { target: { value: 'client.' } });
    await fireEvent.input(screen.getByLabelText('From'), { target: { value: '2026-03-01' } });
    await fireEvent.input(screen.getByLabelText('To (included)'), { target: { value: '2026-03-02' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Show' }));
    await waitFor(() => expect(doorRequests(calls, 'audit_list')).toHaveLength(2));
    expect(doorRequests(calls, 'audit_list')[1].args).toEqual({
      filter: { staff_id: MONY, target_id: null, action: 'client.', from: '2026-02-28T17:00:00.000000Z', to: '2026-03-02T17:00:00.000000Z' },
      before_seq: null,
      limit: AUDIT_PAGE,
    });
  });

  it('refuses a range that ends before it starts', async () => {
    const { calls } = desk(3);
    render(AuditLog);
    await waitFor(() => expect(doorRequests(calls, 'audit_list')).toHaveLength(1));
    await fireEvent.input(screen.getByLabelText('From'), { target: { value: '2026-03-05' } });
    await fireEvent.input(screen.getByLabelText('To (included)'), { target: { value: '2026-03-01' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Show' }));
    expect(screen.getByText('The last day is before the first.')).toBeTruthy();
    expect(doorRequests(calls, 'audit_list')).toHaveLength(1);
  });

  it('opens narrowed to the record a card asked for', async () => {
    nav.pending = { audit: { target_id: CLIENT } };
    const { calls } = desk(3);
    render(AuditLog);
    await waitFor(() => expect(doorRequests(calls, 'audit_list')).toHaveLength(1));
    expect(doorRequests(calls, 'audit_list')[0].args.filter.target_id).toBe(CLIENT);
    expect(screen.getByLabelText<HTMLInputElement>('Record id').value).toBe(CLIENT);
  });

  it('verifies the chain: intact with its count, or where it breaks', async () => {
    const d = desk(42);
    render(AuditLog);
    await fireEvent.click(screen.getByRole('button', { name: 'Verify the chain' }));
    const ok = await screen.findByTestId('audit-verify-result');
    expect(ok.getAttribute('data-ok')).toBe('true');
    expect(ok.textContent).toBe('The chain is intact: 42 records checked.');
    d.breakAt(17);
    await fireEvent.click(screen.getByRole('button', { name: 'Verify the chain' }));
    await waitFor(() => expect(screen.getByTestId('audit-verify-result').getAttribute('data-ok')).toBe('false'));
    expect(screen.getByTestId('audit-verify-result').textContent).toContain('record #17');
    expect(screen.getByTestId('audit-verify-result').textContent).toContain('hash mismatch');
  });

  it('exports what the filter shows as CSV through the shell', async () => {
    const { calls } = desk(3, (c) =>
      (c as unknown as { call: string }).call === 'export_audit' ? { kind: 'saved', data: { path: '/home/mony/Downloads/audit.csv', bytes: 300 } } : undefined,
    );
    render(AuditLog);
    await waitFor(() => expect(doorRequests(calls, 'audit_list')).toHaveLength(1));
    await fireEvent.input(screen.getByLabelText('Action'), { target: { value: 'auth.' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Show' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect((await screen.findByTestId('audit-saved')).textContent).toContain('/home/mony/Downloads/audit.csv');
    const sent = calls.filter((c) => (c as unknown as { call: string }).call === 'export_audit');
    expect(sent).toEqual([{ call: 'export_audit', args: { filter: { staff_id: null, target_id: null, action: 'auth.', from: null, to: null } } }]);
  });
});
