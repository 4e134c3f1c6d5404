import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import RequestList from './RequestList.svelte';
import { i18n } from '../../lib/i18n.svelte';
import { clinic, privacyRequestRecord } from '../../test-helpers';

const late = privacyRequestRecord({
  id: '01HPREQ0000000000000000001',
  kind: 'erase',
  requester: 'Sophea Chan',
  client_id: '01HCLIENT00000000000000001',
  client_name: 'Sophea Chan',
  received_on: '2026-01-10',
  due_on: '2026-02-10',
  overdue: true,
});
const extended = privacyRequestRecord({
  id: '01HPREQ0000000000000000002',
  requester: 'ليلى حداد',
  received_on: '2026-02-20',
  due_on: '2026-03-20',
  extended_to: '2026-05-20',
});
const done = privacyRequestRecord({ id: '01HPREQ0000000000000000003', kind: 'rectify', status: 'done', received_on: '2026-01-02', due_on: '2026-02-02' });

beforeEach(() => {
  i18n.timeZone = clinic.time_zone;
});
afterEach(() => {
  i18n.timeZone = undefined;
});

describe('the request list', () => {
  it('highlights overdue requests and says so in words, and shows the due and extended days', () => {
    render(RequestList, { requests: [late, extended, done], onselect: () => {} });
    const rows = [...document.querySelectorAll<HTMLTableRowElement>('tbody tr')];
    expect(rows.map((r) => r.getAttribute('data-request'))).toEqual([late.id, extended.id, done.id]);
    expect(rows.map((r) => r.classList.contains('overdue'))).toEqual([true, false, false]);
    expect(within(rows[0]).getByTestId('request-overdue').textContent).toBe('Overdue');
    expect(within(rows[1]).queryByTestId('request-overdue')).toBeNull();
    expect(rows[0].textContent).toContain('February 10, 2026');
    expect(within(rows[1]).getByTestId('request-extended').textContent).toBe('extended to May 20, 2026');
    expect(rows[2].classList.contains('closed')).toBe(true);
    expect(rows[2].textContent).toContain('Done');
    // Names are text, in their own direction.
    expect(rows[1].querySelector('bdi')?.getAttribute('dir')).toBe('auto');
  });

  it('opens the one clicked', async () => {
    const onselect = vi.fn();
    render(RequestList, { requests: [late, extended], onselect });
    await fireEvent.click(screen.getByRole('button', { name: 'Erasure' }));
    expect(onselect).toHaveBeenCalledWith(late);
  });

  it('says when there are none', () => {
    render(RequestList, { requests: [], onselect: () => {} });
    expect(screen.getByTestId('requests-empty').textContent).toBe('No requests.');
  });
});
