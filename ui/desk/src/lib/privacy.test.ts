import { describe, expect, it } from 'vitest';
import { auditFilterOf, auditFormProblem, dayStartUtc, emptyAuditForm, eraseConfirmed, eraseWord, exportAudit, exportClient, isTotp, localToUtc, utcToLocal } from './privacy';
import { DeskError } from './rpc';
import { fakeDesk } from '../test-helpers';
import type { Reply } from '../bindings/Reply';

const PP = 'Asia/Phnom_Penh'; // UTC+7 all year
const NY = 'America/New_York'; // changes in March and November

describe('the clinic clock and UTC', () => {
  it('turns a wall-clock time into a UTC stamp as the core writes them', () => {
    expect(localToUtc('2026-03-02T09:30', PP)).toBe('2026-03-02T02:30:00.000000Z');
    expect(localToUtc('2026-03-02T03:00', PP)).toBe('2026-03-01T20:00:00.000000Z');
    expect(localToUtc('not a time', PP)).toBeNull();
  });

  it('follows a zone across its change of offset', () => {
    expect(localToUtc('2026-03-07T12:00', NY)).toBe('2026-03-07T17:00:00.000000Z');
    expect(localToUtc('2026-03-09T12:00', NY)).toBe('2026-03-09T16:00:00.000000Z');
  });

  it('reads a UTC stamp back on the clinic clock', () => {
    expect(utcToLocal('2026-03-01T20:00:00.000000Z', PP)).toBe('2026-03-02T03:00');
    expect(utcToLocal('2026-03-09T16:00:00Z', NY)).toBe('2026-03-09T12:00');
    expect(utcToLocal(null, PP)).toBe('');
    expect(localToUtc(utcToLocal('2026-07-04T23:59:00Z', NY), NY)).toBe('2026-07-04T23:59:00.000000Z');
  });

  it('gives the first moment of a clinic day', () => {
    expect(dayStartUtc('2026-03-02', PP)).toBe('2026-03-01T17:00:00.000000Z');
    expect(dayStartUtc('', PP)).toBeNull();
  });
});

describe('the audit filter', () => {
  it('is empty for an empty form', () => {
    expect(auditFilterOf(emptyAuditForm(), PP)).toEqual({ staff_id: null, target_id: null, action: null, from: null, to: null });
  });

  it('keeps what was typed, trimmed, and turns the days into UTC stamps, the last day included', () => {
    const f = auditFilterOf(
      { staffId: '01HSTAFF000000000000000002', targetId: ' 01HCLIENT00000000000000001 ', action: ' client. ', from: '2026-03-01', to: '2026-03-03' },
      PP,
    );
    expect(f).toEqual({
      staff_id: '01HSTAFF000000000000000002',
      target_id: '01HCLIENT00000000000000001',
      // A prefix ends in "." and is passed as it is: the door matches every action under it.
      action: 'client.',
      from: '2026-02-28T17:00:00.000000Z',
      // The door's `to` is exclusive: the start of the day after the last one asked for.
      to: '2026-03-03T17:00:00.000000Z',
    });
  });

  it('passes an exact action, and either end of the range alone', () => {
    expect(auditFilterOf({ ...emptyAuditForm(), action: 'client.get', from: '2026-03-01' }, PP)).toMatchObject({ action: 'client.get', from: '2026-02-28T17:00:00.000000Z', to: null });
    expect(auditFilterOf({ ...emptyAuditForm(), to: '2026-12-31' }, PP)).toMatchObject({ from: null, to: '2026-12-31T17:00:00.000000Z' });
  });

  it('finds a range that ends before it starts', () => {
    expect(auditFormProblem({ ...emptyAuditForm(), from: '2026-03-05', to: '2026-03-01' })).toBe('to');
    expect(auditFormProblem({ ...emptyAuditForm(), from: '2026-03-05', to: '2026-03-05' })).toBeNull();
    expect(auditFormProblem({ ...emptyAuditForm(), to: '2026-03-01' })).toBeNull();
  });
});

describe('the confirmations', () => {
  it('takes six digits, with spaces allowed', () => {
    expect(isTotp('123456')).toBe(true);
    expect(isTotp('123 456')).toBe(true);
    expect(isTotp('12345')).toBe(false);
    expect(isTotp('12345a')).toBe(false);
    expect(isTotp('1234567')).toBe(false);
  });

  it('wants the name as it is, or ERASE for a nameless record', () => {
    expect(eraseWord({ full_name: ' Sophea Chan ' })).toBe('Sophea Chan');
    expect(eraseConfirmed({ full_name: 'Sophea Chan' }, ' Sophea Chan ')).toBe(true);
    expect(eraseConfirmed({ full_name: 'Sophea Chan' }, 'sophea chan')).toBe(false);
    // The same letters composed or decomposed are the same name.
    expect(eraseConfirmed({ full_name: 'Ngô Thị Hoa' }, 'Ngô Thị Hoa'.normalize('NFD'))).toBe(true);
    expect(eraseWord({ full_name: '  ' })).toBe('ERASE');
    expect(eraseConfirmed({ full_name: '' }, 'ERASE')).toBe(true);
  });
});

describe('the shell calls', () => {
  it('export a client with the code and the choice, and read the files and password back', async () => {
    const calls = fakeDesk(() => ({ kind: 'client_exported', data: { paths: ['/tmp/a.json'], password: 'ABCD-EFGH' } }) as unknown as Reply);
    await expect(exportClient({ id: '01HCLIENT00000000000000001', totp: '123 456', encrypt: false })).resolves.toEqual({ paths: ['/tmp/a.json'], password: 'ABCD-EFGH' });
    expect(calls).toEqual([{ call: 'export_client', args: { id: '01HCLIENT00000000000000001', totp: '123456', encrypt: false } }]);
  });

  it('also read a reply that is not wrapped in data', async () => {
    fakeDesk(() => ({ kind: 'client_exported', paths: ['/tmp/b.json'], password: null }) as unknown as Reply);
    await expect(exportClient({ id: 'x', totp: '123456', encrypt: true })).resolves.toEqual({ paths: ['/tmp/b.json'], password: null });
  });

  it('export the audit log with the filter, and refuse a reply of another kind', async () => {
    const filter = { staff_id: null, target_id: null, action: 'auth.', from: null, to: null };
    const calls = fakeDesk(() => ({ kind: 'saved', data: { path: '/tmp/audit.csv', bytes: 512 } }));
    await expect(exportAudit(filter)).resolves.toEqual({ path: '/tmp/audit.csv', bytes: 512 });
    expect(calls).toEqual([{ call: 'export_audit', args: { filter } }]);
    fakeDesk(() => ({ kind: 'done' }));
    await expect(exportAudit(filter)).rejects.toBeInstanceOf(DeskError);
  });
});
