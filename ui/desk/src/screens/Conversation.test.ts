import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import Conversation from './Conversation.svelte';
import Chats from './Chats.svelte';
import { app } from '../lib/app.svelte';
import type { Conversation as Conv } from '../bindings/Conversation';
import type { ConversationSummary } from '../bindings/ConversationSummary';
import { deskError, doorReply, doorRequests, fakeDesk, readyStatus, session } from '../test-helpers';

const me = { ...session, permissions: [...session.permissions, 'chat_read', 'chat_reply'] } as typeof session;

function conv(over: Partial<Conv> = {}): Conv {
  return {
    id: '01HCONV0000000000000000001',
    client_id: null,
    client_name: null,
    visitor_name: 'Sok',
    visitor_phone: '+855 12 345 678',
    visitor_email: null,
    answers: { name: 'Sok', question: 'Friday?' },
    page_url: 'https://clinic.example/contact',
    lang: 'km',
    ip: '203.0.113.7',
    marketing_opt_in: false,
    policy_version: '1',
    started_at: '2026-03-02T02:00:00.123000Z',
    last_message_at: '2026-03-02T02:00:00.123000Z',
    visitor_online: true,
    visitor_seen_at: null,
    unanswered: true,
    client_matches: [],
    messages: [
      {
        id: '01HMSG00000000000000000001',
        conversation_id: '01HCONV0000000000000000001',
        side: 'visitor',
        staff_id: null,
        sender: null,
        text: '<img src=x onerror=alert(1)> Friday?',
        quote: null,
        unreadable: false,
        at: '2026-03-02T02:00:00.123000Z',
        delivered_at: null,
        deleted_at: null,
      },
      {
        id: '01HMSG00000000000000000002',
        conversation_id: '01HCONV0000000000000000001',
        side: 'desk',
        staff_id: session.staff_id,
        sender: 'Dara Sok',
        text: 'Yes',
        quote: { id: '01HMSG00000000000000000001', text: 'Friday?' },
        unreadable: false,
        at: '2026-03-02T02:01:00Z',
        delivered_at: '2026-03-02T02:01:00.5Z',
        deleted_at: null,
      },
    ],
    ...over,
  };
}

beforeEach(() => {
  app.status = readyStatus(me);
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

describe('a conversation', () => {
  it('shows the visitor, the page, the address, and user text as text', async () => {
    fakeDesk(() => doorReply({ kind: 'conversation', data: conv() }));
    const { container } = render(Conversation, { id: conv().id, version: 0 });
    await screen.findByText('203.0.113.7');
    expect(screen.getByTestId('chat-page').textContent).toBe('https://clinic.example/contact');
    expect(container.querySelector('.messages img')).toBeNull();
    expect(container.querySelector('[data-side=visitor] .text')!.textContent).toContain('<img src=x');
    expect(container.querySelector('[data-side=desk] blockquote')!.textContent).toBe('Friday?');
    // Only one's own reply can be deleted.
    expect(container.querySelector('[data-delete="01HMSG00000000000000000002"]')).not.toBeNull();
    expect(container.querySelector('[data-delete="01HMSG00000000000000000001"]')).toBeNull();
  });

  it('sends a reply with its quote and one id, and keeps the text when the desk refuses', async () => {
    let refuse = true;
    const calls = fakeDesk((c) => {
      if (c.call === 'door' && c.args.op === 'chat_reply') {
        if (refuse) throw deskError('validation.too_long', { field: 'text' });
        return doorReply({ kind: 'chat_message', data: conv().messages[1] });
      }
      return doorReply({ kind: 'conversation', data: conv() });
    });
    const { container } = render(Conversation, { id: conv().id, version: 0 });
    await screen.findByText('203.0.113.7');
    await fireEvent.click(container.querySelector('[data-quote="01HMSG00000000000000000001"]')!);
    const box = container.querySelector('#chat-reply') as HTMLTextAreaElement;
    await fireEvent.input(box, { target: { value: 'See you Friday' } });
    await fireEvent.click(container.querySelector('#chat-send')!);
    await screen.findByTestId('error-banner');
    expect(box.value).toBe('See you Friday');
    refuse = false;
    await fireEvent.click(container.querySelector('#chat-send')!);
    await waitFor(() => expect(box.value).toBe(''));
    const sent = doorRequests(calls, 'chat_reply');
    expect(sent).toHaveLength(2);
    expect(sent[0].args.quote_id).toBe('01HMSG00000000000000000001');
    expect(sent[1].args.id).toBe(sent[0].args.id);
    expect(sent[1].args.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });
});

describe('the conversation list', () => {
  it('marks unanswered conversations', async () => {
    const list: ConversationSummary[] = [
      { id: 'A1', client_id: null, client_name: null, visitor_name: 'Sok', last_message_at: '2026-03-02T02:00:00Z', last_text: 'hi', last_side: 'visitor', unanswered: true, visitor_online: true, visitor_seen_at: null },
      { id: 'B2', client_id: null, client_name: 'Lina', visitor_name: null, last_message_at: '2026-03-02T01:00:00Z', last_text: 'ok', last_side: 'desk', unanswered: false, visitor_online: false, visitor_seen_at: null },
    ];
    fakeDesk((c) =>
      c.call === 'chat_status'
        ? { kind: 'chat_status', data: { state: 'connected', relay_url: 'https://r', last_error: null, built_in_url: null, demo_page: null } }
        : doorReply({ kind: 'conversations', data: list }),
    );
    const { container } = render(Chats);
    await screen.findByText('Sok');
    expect(container.querySelector('[data-conversation-id=A1]')!.classList.contains('unanswered')).toBe(true);
    expect(container.querySelector('[data-conversation-id=B2]')!.classList.contains('unanswered')).toBe(false);
    await waitFor(() => expect(screen.getByTestId('chat-link').dataset.state).toBe('connected'));
  });
});
