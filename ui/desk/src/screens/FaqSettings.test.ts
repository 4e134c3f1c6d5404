import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import FaqSettings from './FaqSettings.svelte';
import { app } from '../lib/app.svelte';
import type { Call } from '../bindings/Call';
import type { Reply } from '../bindings/Reply';
import type { FaqEntry } from '../bindings/FaqEntry';
import { deskError, doorReply, doorRequests, fakeDesk, readyStatus, session } from '../test-helpers';

const admin = { ...session, role: 'admin', permissions: [...session.permissions, 'chat_configure'] } as typeof session;
const hours: FaqEntry = {
  id: '01HFAQ00000000000000000001',
  lang: 'km',
  question: 'តើគ្លីនិកបើកម៉ោងប៉ុន្មាន?',
  alternates: ['បើកថ្ងៃណាខ្លះ'],
  answer: '<b>Monday</b> to Friday, 8 to 5.',
  active: true,
  uses: 3,
  corrections: 1,
  updated_at: '2026-12-03T08:00:00.000000Z',
};

function desk(more: (c: Call) => Reply = () => doorReply({ kind: 'done' })): Call[] {
  return fakeDesk((c) => {
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    if (c.args.op === 'faq_list') return doorReply({ kind: 'faq_entries', data: [hours] });
    return more(c);
  });
}

beforeEach(() => {
  app.status = readyStatus(admin);
});
afterEach(() => {
  app.status = null;
});

describe('FAQ settings', () => {
  it('lists the entries by language with how often each answered and was corrected; answers are text', async () => {
    desk();
    render(FaqSettings);
    const row = await vi.waitFor(() => {
      const r = document.querySelector(`[data-faq-id="${hours.id}"]`);
      expect(r).not.toBeNull();
      return r as HTMLElement;
    });
    expect(row.textContent).toContain(hours.question);
    expect(row.querySelector('b')).toBeNull();
    expect(row.textContent).toContain('<b>Monday</b>');
    expect(row.textContent).toContain('Answered 3 visitors, corrected 1');
    expect(screen.getByRole('heading', { name: 'ខ្មែរ' })).toBeTruthy();
  });

  it('saves a new entry with its other phrasings one per line, under a fresh id', async () => {
    const calls = desk((c) => doorReply({ kind: 'faq_entry', data: { ...hours, id: (c as { args: { args: { id: string } } }).args.args.id } }));
    render(FaqSettings);
    await fireEvent.change(document.getElementById('faq-lang')!, { target: { value: 'vi' } });
    await fireEvent.input(document.getElementById('faq-question')!, { target: { value: 'Phòng khám ở đâu?' } });
    await fireEvent.input(document.getElementById('faq-alternates')!, { target: { value: 'địa chỉ\n\n  đường đi  ' } });
    await fireEvent.input(document.getElementById('faq-answer')!, { target: { value: '12 Lê Lợi' } });
    await fireEvent.click(document.getElementById('faq-save')!);
    await vi.waitFor(() => expect(doorRequests(calls, 'faq_save')).toHaveLength(1));
    const args = doorRequests(calls, 'faq_save')[0].args as Record<string, unknown>;
    expect(args).toMatchObject({ lang: 'vi', question: 'Phòng khám ở đâu?', alternates: ['địa chỉ', 'đường đi'], answer: '12 Lê Lợi', active: true });
    expect(String(args.id)).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it("shows the desk's refusal beside the field and keeps what was typed", async () => {
    desk(() => {
      throw deskError('validation.required', { field: 'answer' });
    });
    render(FaqSettings);
    await fireEvent.input(document.getElementById('faq-question')!, { target: { value: 'Where?' } });
    await fireEvent.click(document.getElementById('faq-save')!);
    await vi.waitFor(() => expect(document.getElementById('faq-answer-error')?.textContent).toMatch(/required|fill/i));
    expect((document.getElementById('faq-question') as HTMLInputElement).value).toBe('Where?');
  });

  it('tries a question and says whether it would be answered, and how sure', async () => {
    desk((c) => {
      if (c.call === 'door' && c.args.op === 'faq_try') return doorReply({ kind: 'faq_match', data: { id: hours.id, score: 72 } });
      throw new Error('unexpected');
    });
    render(FaqSettings);
    await vi.waitFor(() => expect(document.querySelector(`[data-faq-id="${hours.id}"]`)).not.toBeNull());
    await fireEvent.input(document.getElementById('faq-try-text')!, { target: { value: 'បើកម៉ោងប៉ុន្មាន' } });
    await fireEvent.click(document.getElementById('faq-try')!);
    const said = await screen.findByTestId('faq-tried');
    expect(said.textContent).toContain('Answered automatically (72% sure)');
    expect(said.textContent).toContain(hours.question);
  });
});
