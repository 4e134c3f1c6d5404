import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { emit } from '@tauri-apps/api/event';
import Conversation from './Conversation.svelte';
import Chats from './Chats.svelte';
import { app } from '../lib/app.svelte';
import { takeDraft } from '../lib/drafts';
import { pending } from '../lib/rpc';
import type { Conversation as Conv } from '../bindings/Conversation';
import type { ConversationSummary } from '../bindings/ConversationSummary';
import type { Task } from '../bindings/Task';
import type { Call } from '../bindings/Call';
import type { Reply } from '../bindings/Reply';
import { appointmentRecord, deskError, doorReply, doorRequests, fakeDesk, lanLink, readyStatus, serviceRecord, session, staffRecord, taskRecord } from '../test-helpers';

const me = { ...session, permissions: [...session.permissions, 'chat_read', 'chat_reply', 'task_work', 'task_manage'] } as typeof session;
const colleague = staffRecord();

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
        auto: null,
        faq_id: null,
        score: null,
        corrected_by: null,
        handoff: false,
        files: [],
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
        auto: null,
        faq_id: null,
        score: null,
        corrected_by: null,
        handoff: false,
        files: [],
      },
    ],
    task: null,
    ...over,
  };
}

/** The conversation's chat task, with its log. */
function chatTask(over: Partial<Task> = {}): Task {
  return taskRecord({
    id: '01HTASKCHAT000000000000001',
    kind: 'chat',
    title: 'Website chat',
    conversation_id: '01HCONV0000000000000000001',
    visitor_name: 'Sok',
    assignee_id: session.staff_id,
    assignee_name: 'Dara Sok',
    reason: 'least_loaded',
    created_by: null,
    created_by_name: null,
    history: [
      { at: '2026-03-02T02:00:00Z', actor_id: null, actor_name: null, action: 'created', from_id: null, from_name: null, to_id: null, to_name: null, status: null, reason: null, note: null },
      { at: '2026-03-02T02:00:00Z', actor_id: null, actor_name: null, action: 'queued', from_id: null, from_name: null, to_id: null, to_name: null, status: null, reason: 'queued', note: null },
      { at: '2026-03-02T02:03:00Z', actor_id: null, actor_name: null, action: 'assigned', from_id: null, from_name: null, to_id: session.staff_id, to_name: 'Dara Sok', status: null, reason: 'least_loaded', note: null },
    ],
    ...over,
  });
}

/** A desk with this conversation and task; `act` answers the task requests. */
function taskDesk(task: Task, act: (c: Call) => Reply = () => doorReply({ kind: 'task', data: task })): Call[] {
  return fakeDesk((c) => {
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    switch (c.args.op) {
      case 'conversation_get':
        return doorReply({ kind: 'conversation', data: conv({ task }) });
      case 'staff_list':
        return doorReply({ kind: 'staff_list', data: [staffRecord({ id: session.staff_id, login: 'dara', display_name: 'Dara Sok' }), colleague] });
      default:
        return act(c);
    }
  });
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

describe('automatic answers', () => {
  const auto = {
    ...conv().messages[1],
    id: '01HMSG00000000000000000003',
    staff_id: null,
    sender: 'Sunrise Clinic',
    text: 'We open at 8.',
    quote: null,
    auto: 'faq' as const,
    faq_id: '01HFAQ00000000000000000001',
    score: 81,
  };
  const handoff = { ...conv().messages[0], id: '01HMSG00000000000000000004', text: 'A person, please', handoff: true };

  it('are marked with why and how sure, a request for a person is marked, and a correction replaces one', async () => {
    const calls = fakeDesk((c) => {
      if (c.call === 'door' && c.args.op === 'chat_correct') return doorReply({ kind: 'chat_message', data: { ...auto, id: '01HMSG00000000000000000005', auto: null } });
      return doorReply({ kind: 'conversation', data: conv({ messages: [conv().messages[0], auto, handoff] }) });
    });
    const { container } = render(Conversation, { id: conv().id, version: 0 });
    const li = await vi.waitFor(() => {
      const el = container.querySelector('[data-auto="faq"]');
      expect(el).not.toBeNull();
      return el as HTMLElement;
    });
    expect(li.querySelector('[data-testid=auto-label]')!.textContent).toContain('Automatic answer from the FAQ (81% sure)');
    expect(container.querySelector('[data-testid=handoff]')!.textContent).toContain('Asked to talk to a person');
    // Nobody's own reply: it can be corrected, not deleted.
    expect(container.querySelector(`[data-delete="${auto.id}"]`)).toBeNull();
    await fireEvent.click(container.querySelector(`[data-correct="${auto.id}"]`)!);
    expect(screen.getByTestId('correcting').textContent).toContain('We open at 8.');
    await fireEvent.input(container.querySelector('#chat-reply')!, { target: { value: 'We open at 7:30 now.' } });
    await fireEvent.click(container.querySelector('#chat-send')!);
    await vi.waitFor(() => expect(doorRequests(calls, 'chat_correct')).toHaveLength(1));
    expect(doorRequests(calls, 'chat_correct')[0].args).toMatchObject({ message_id: auto.id, text: 'We open at 7:30 now.' });
    expect(doorRequests(calls, 'chat_reply')).toHaveLength(0);
  });
});

describe('files in a conversation', () => {
  const PNG = 'iVBORw0KGgo=';
  const withFiles = {
    ...conv().messages[0],
    id: '01HMSG00000000000000000006',
    files: [
      { id: '01HFILE0000000000000000001', name: 'rash.jpg', mime: 'image/jpeg', size: 1200, width: 800, height: 600, status: 'stored' as const, refusal: null, thumb_base64: PNG },
      { id: '01HFILE0000000000000000002', name: 'prices.pdf', mime: 'application/pdf', size: 900, width: null, height: null, status: 'stored' as const, refusal: null, thumb_base64: null },
      { id: '01HFILE0000000000000000003', name: '<b>x</b>.png', mime: 'image/png', size: 10, width: null, height: null, status: 'refused' as const, refusal: 'attachment.wrong_type', thumb_base64: null },
    ],
  };

  it('shows thumbnails, opens a picture from the checked bytes, saves a PDF, and says why a file was refused', async () => {
    const calls = fakeDesk((c) => {
      if (c.call === 'save_chat_file') return { kind: 'saved', data: { path: '/home/dara/Downloads/prices.pdf', bytes: 900 } } as unknown as Reply;
      if (c.call === 'door' && c.args.op === 'chat_file_get') return doorReply({ kind: 'chat_file', data: { id: withFiles.files[0].id, name: 'rash.jpg', mime: 'image/jpeg', base64: '/9j/4A==' } });
      return doorReply({ kind: 'conversation', data: conv({ messages: [withFiles] }) });
    });
    const { container } = render(Conversation, { id: conv().id, version: 0 });
    const thumb = await vi.waitFor(() => {
      const el = container.querySelector('[data-open-file="01HFILE0000000000000000001"] img') as HTMLImageElement | null;
      expect(el).not.toBeNull();
      return el!;
    });
    expect(thumb.getAttribute('src')).toBe(`data:image/png;base64,${PNG}`);
    expect(container.querySelector('[data-open-file="01HFILE0000000000000000002"]')).toBeNull();
    const refused = container.querySelector('[data-file-id="01HFILE0000000000000000003"]')!;
    expect(refused.querySelector('b')).toBeNull();
    expect(refused.textContent).toContain('<b>x</b>.png');
    expect(screen.getByTestId('file-refused').textContent).toMatch(/Not accepted/);
    await fireEvent.click(container.querySelector('[data-open-file="01HFILE0000000000000000001"]')!);
    const viewer = await screen.findByTestId('file-viewer');
    expect(viewer.querySelector('img')!.getAttribute('src')).toBe('data:image/jpeg;base64,/9j/4A==');
    await fireEvent.click(container.querySelector('[data-save-file="01HFILE0000000000000000002"]')!);
    expect((await screen.findByTestId('file-saved')).textContent).toContain('/home/dara/Downloads/prices.pdf');
    expect(calls.filter((c) => c.call === 'save_chat_file')).toEqual([{ call: 'save_chat_file', args: { id: '01HFILE0000000000000000002' } }]);
  });

  it('sends a picked file with the text in the box, and keeps the text when the desk refuses it', async () => {
    let refuse = true;
    const calls = fakeDesk((c) => {
      if (c.call === 'door' && c.args.op === 'chat_send_file') {
        if (refuse) throw deskError('attachment.wrong_type', { field: 'file' });
        return doorReply({ kind: 'chat_message', data: withFiles });
      }
      return doorReply({ kind: 'conversation', data: conv() });
    });
    const { container } = render(Conversation, { id: conv().id, version: 0 });
    await screen.findByText('203.0.113.7');
    const box = container.querySelector('#chat-reply') as HTMLTextAreaElement;
    await fireEvent.input(box, { target: { value: 'Our price list' } });
    const input = container.querySelector('#chat-file') as HTMLInputElement;
    const file = new File([new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d])], 'prices.pdf', { type: 'application/pdf' });
    Object.defineProperty(input, 'files', { value: [file], configurable: true });
    await fireEvent.change(input);
    await screen.findByTestId('error-banner');
    expect(box.value).toBe('Our price list');
    refuse = false;
    Object.defineProperty(input, 'files', { value: [file], configurable: true });
    await fireEvent.change(input);
    await waitFor(() => expect(box.value).toBe(''));
    const sent = doorRequests(calls, 'chat_send_file');
    expect(sent).toHaveLength(2);
    expect(sent[1].args).toMatchObject({ conversation_id: conv().id, name: 'prices.pdf', base64: 'JVBERi0=', text: 'Our price list' });
  });
});

describe('a reply while the host desk is out of reach', () => {
  const box = () => document.getElementById('chat-reply') as HTMLTextAreaElement;
  const sendButton = () => document.getElementById('chat-send') as HTMLButtonElement;

  /** A connected desk: chat_reply fails while `reachable()` is false. */
  function lanDesk(reachable: () => boolean): Call[] {
    return fakeDesk(
      (c) => {
        if (c.call === 'door' && c.args.op === 'chat_reply') {
          if (!reachable()) throw deskError('lan.unreachable');
          return doorReply({ kind: 'chat_message', data: conv().messages[1] });
        }
        return doorReply({ kind: 'conversation', data: conv() });
      },
      { events: true },
    );
  }

  beforeEach(() => {
    app.status = readyStatus(me, lanLink({ phase: 'unreachable' }));
  });

  it('keeps the text, says it waits, allows no second send, and sends it when the host is back', async () => {
    let reachable = false;
    const calls = lanDesk(() => reachable);
    render(Conversation, { id: conv().id, version: 0 });
    await screen.findByText('203.0.113.7');
    await fireEvent.input(box(), { target: { value: 'See you Friday' } });
    await fireEvent.click(sendButton());
    await vi.waitFor(() => expect(screen.getByTestId('reply-waiting').textContent).toBe('Waiting for the host…'));
    expect(screen.queryByTestId('error-banner')).toBeNull();
    expect(box().value).toBe('See you Friday');
    expect(box().readOnly).toBe(true);
    expect(sendButton().disabled).toBe(true);
    await fireEvent.keyDown(box(), { key: 'Enter', ctrlKey: true });
    expect(doorRequests(calls, 'chat_reply')).toHaveLength(1);

    reachable = true;
    await emit('frontdesk://link', lanLink());
    await waitFor(() => expect(box().value).toBe(''));
    const sent = doorRequests(calls, 'chat_reply');
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual(sent[0]);
    expect(screen.getByTestId('reply-waiting').textContent).toBe('');
    // The draft no longer holds what was sent.
    expect(takeDraft<{ text: string }>(me.staff_id, `chat:${conv().id}`)?.text ?? '').toBe('');
  });

  it('keeps the waiting reply as a draft when the screen goes, and waits with it when it comes back', async () => {
    let reachable = false;
    const calls = lanDesk(() => reachable);
    render(Conversation, { id: conv().id, version: 0 });
    await screen.findByText('203.0.113.7');
    await fireEvent.input(box(), { target: { value: 'Bring your X-ray' } });
    await fireEvent.click(sendButton());
    await vi.waitFor(() => expect(pending.changes).toBe(1));
    const id = doorRequests(calls, 'chat_reply')[0].args.id;
    // The login screen (or another screen) replaces it.
    cleanup();
    expect(takeDraft(me.staff_id, `chat:${conv().id}`)).toEqual({ text: 'Bring your X-ray', replyId: id });

    render(Conversation, { id: conv().id, version: 0 });
    await screen.findByText('203.0.113.7');
    expect(box().value).toBe('Bring your X-ray');
    await vi.waitFor(() => expect(screen.getByTestId('reply-waiting').textContent).toBe('Waiting for the host…'));
    expect(sendButton().disabled).toBe(true);

    reachable = true;
    await emit('frontdesk://link', lanLink());
    await waitFor(() => expect(box().value).toBe(''));
    // Sent once more, the same reply: not once per screen that waited for it.
    expect(doorRequests(calls, 'chat_reply').map((r) => r.args.id)).toEqual([id, id]);
  });
});

describe('the conversation list', () => {
  it('marks unanswered conversations', async () => {
    const list: ConversationSummary[] = [
      { id: 'A1', client_id: null, client_name: null, visitor_name: 'Sok', last_message_at: '2026-03-02T02:00:00Z', last_text: 'hi', last_side: 'visitor', unanswered: true, visitor_online: true, visitor_seen_at: null, assignee_id: null, assignee_name: null, queued: true },
      { id: 'B2', client_id: null, client_name: 'Lina', visitor_name: null, last_message_at: '2026-03-02T01:00:00Z', last_text: 'ok', last_side: 'desk', unanswered: false, visitor_online: false, visitor_seen_at: null, assignee_id: colleague.id, assignee_name: 'Mony Keo', queued: false },
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
    // Who has each chat: a waiting one says so.
    expect(container.querySelector('[data-conversation-id=A1] [data-testid=chat-row-assignee]')!.textContent!.trim()).toBe('Queued');
    expect(container.querySelector('[data-conversation-id=B2] [data-testid=chat-row-assignee]')!.textContent!.trim()).toBe('With Mony Keo');
  });

  it('on a connected desk, says the host desk keeps the chat link', async () => {
    fakeDesk((c) =>
      c.call === 'chat_status'
        ? { kind: 'chat_status', data: { state: 'host', relay_url: null, last_error: null, built_in_url: null, demo_page: null } }
        : doorReply({ kind: 'conversations', data: [] }),
    );
    render(Chats);
    await waitFor(() => expect(screen.getByTestId('chat-link').dataset.state).toBe('host'));
    expect(screen.getByTestId('chat-link').textContent!.trim()).toBe('The host desk keeps the website chat link.');
  });
});

describe('the conversation header', () => {
  const header = () => screen.getByTestId('chat-assignment');

  it('names the assignee, why they have it, and the hand-overs', async () => {
    taskDesk(chatTask());
    render(Conversation, { id: conv().id, version: 0 });
    await screen.findByTestId('chat-assignment');
    expect(screen.getByTestId('chat-assignee').textContent).toBe('Assigned to Dara Sok');
    expect(screen.getByTestId('chat-why').textContent).toBe('Fewest open chats among those on shift');
    const handovers = [...screen.getByTestId('handovers').querySelectorAll('li')];
    expect(handovers.map((li) => li.dataset.action)).toEqual(['queued', 'assigned']);
    expect(handovers[1].textContent).toContain('Nobody → Dara Sok');
    expect(header().querySelector('#chat-take')).toBeNull();
  });

  it('hands the chat to the colleague picked, with the note', async () => {
    const handed = chatTask({ assignee_id: colleague.id, assignee_name: 'Mony Keo', reason: 'manual' });
    const calls = taskDesk(chatTask(), () => doorReply({ kind: 'task', data: handed }));
    render(Conversation, { id: conv().id, version: 0 });
    await fireEvent.click(await screen.findByRole('button', { name: 'Reassign' }));
    const to = (await screen.findByLabelText('Hand on to')) as HTMLSelectElement;
    await screen.findByRole('option', { name: 'Mony Keo' });
    // The current assignee is not offered; a chat may go back to routing.
    expect(screen.queryByRole('option', { name: 'Dara Sok' })).toBeNull();
    await fireEvent.change(to, { target: { value: colleague.id } });
    await fireEvent.input(screen.getByLabelText('Note for them (optional)'), { target: { value: 'Speaks Khmer' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Hand on' }));
    await vi.waitFor(() => expect(doorRequests(calls, 'task_assign')).toHaveLength(1));
    expect(doorRequests(calls, 'task_assign')[0].args).toEqual({ id: chatTask().id, staff_id: colleague.id, note: 'Speaks Khmer' });
    await vi.waitFor(() => expect(screen.queryByTestId('assign-form')).toBeNull());
  });

  it('escalates only with a note, and sends it', async () => {
    const calls = taskDesk(chatTask(), (c) => {
      if (c.call === 'door' && c.args.op === 'task_escalate') return doorReply({ kind: 'task', data: chatTask({ reason: 'escalated' }) });
      throw new Error('unexpected');
    });
    render(Conversation, { id: conv().id, version: 0 });
    await fireEvent.click(await screen.findByRole('button', { name: 'Escalate' }));
    const note = screen.getByLabelText('Why it needs a higher support line');
    await fireEvent.click(screen.getByTestId('escalate-form').querySelector('button[type=submit]')!);
    expect(document.querySelector('[data-field-error="chat-escalate-note"]')!.textContent).toBe('This is required.');
    expect(doorRequests(calls, 'task_escalate')).toEqual([]);
    await fireEvent.input(note, { target: { value: 'Asks about surgery' } });
    await fireEvent.click(screen.getByTestId('escalate-form').querySelector('button[type=submit]')!);
    await vi.waitFor(() => expect(doorRequests(calls, 'task_escalate')).toHaveLength(1));
    expect(doorRequests(calls, 'task_escalate')[0].args).toEqual({ id: chatTask().id, note: 'Asks about surgery' });
  });

  it('shows a refused escalation as the desk said it', async () => {
    taskDesk(chatTask(), () => {
      throw deskError('validation.no_higher_tier', { field: 'id' });
    });
    render(Conversation, { id: conv().id, version: 0 });
    await fireEvent.click(await screen.findByRole('button', { name: 'Escalate' }));
    await fireEvent.input(screen.getByLabelText('Why it needs a higher support line'), { target: { value: 'x' } });
    await fireEvent.click(screen.getByTestId('escalate-form').querySelector('button[type=submit]')!);
    expect((await screen.findByTestId('error-banner')).textContent).toBe('Nobody works at a higher support line.');
  });

  it('offers a waiting chat to take, and takes it for me', async () => {
    const queued = chatTask({ assignee_id: null, assignee_name: null, reason: 'queued' });
    const calls = taskDesk(queued, () => doorReply({ kind: 'task', data: chatTask({ reason: 'manual' }) }));
    render(Conversation, { id: conv().id, version: 0 });
    await screen.findByTestId('chat-assignment');
    expect(header().dataset.queued).toBe('true');
    expect(screen.getByTestId('chat-assignee').textContent).toBe('Waiting in the queue');
    expect(screen.getByTestId('chat-why').textContent).toBe('Waiting: nobody on shift has room');
    expect(screen.getByRole('button', { name: 'Assign' })).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Take it' }));
    await vi.waitFor(() => expect(doorRequests(calls, 'task_assign')).toHaveLength(1));
    expect(doorRequests(calls, 'task_assign')[0].args).toEqual({ id: queued.id, staff_id: session.staff_id, note: null });
  });

  it('marks the chat done', async () => {
    const calls = taskDesk(chatTask(), () => doorReply({ kind: 'task', data: chatTask({ status: 'done' }) }));
    render(Conversation, { id: conv().id, version: 0 });
    await fireEvent.click(await screen.findByRole('button', { name: 'Done' }));
    await vi.waitFor(() => expect(doorRequests(calls, 'task_set_status')).toHaveLength(1));
    expect(doorRequests(calls, 'task_set_status')[0].args).toEqual({ id: chatTask().id, status: 'done', note: null });
  });

  it('shows no assignment for a conversation without a task', async () => {
    fakeDesk(() => doorReply({ kind: 'conversation', data: conv() }));
    render(Conversation, { id: conv().id, version: 0 });
    await screen.findByText('203.0.113.7');
    expect(screen.queryByTestId('chat-assignment')).toBeNull();
  });
});

describe('booking from a chat', () => {
  const booker = { ...me, permissions: [...me.permissions, 'appointment_read', 'appointment_book'] } as typeof me;

  function bookingDesk(c0: Conv): Call[] {
    return fakeDesk((c) => {
      if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
      switch (c.args.op) {
        case 'conversation_get':
          return doorReply({ kind: 'conversation', data: c0 });
        case 'service_list':
          return doorReply({ kind: 'services', data: [serviceRecord()] });
        case 'staff_list':
          return doorReply({ kind: 'staff_list', data: [colleague] });
        case 'room_list':
          return doorReply({ kind: 'rooms', data: [] });
        case 'appointment_check':
          return doorReply({ kind: 'conflicts', data: [] });
        case 'appointment_book':
          return doorReply({ kind: 'appointment_saved', data: { appointments: [appointmentRecord({ id: c.args.args.id! })], overridden: [], offers: [] } });
        case 'chat_reply':
          return doorReply({ kind: 'chat_message', data: c0.messages[1] });
        default:
          throw new Error(`unexpected ${c.args.op}`);
      }
    });
  }

  it("opens the booking form with the conversation's client, and sends the confirmation in the chat", async () => {
    app.status = readyStatus(booker);
    const linked = conv({ client_id: '01HCLIENT00000000000000001', client_name: 'Sophea Chan' });
    const calls = bookingDesk(linked);
    render(Conversation, { id: linked.id, version: 0 });
    await fireEvent.click(await screen.findByRole('button', { name: 'Book an appointment' }));
    expect((await screen.findByTestId('booking-client')).textContent).toContain('Sophea Chan');
    expect(document.getElementById('booking-client-search')).toBeNull();
    const service = document.getElementById('booking-service') as HTMLSelectElement;
    await waitFor(() => expect(service.options).toHaveLength(2));
    await fireEvent.change(service, { target: { value: serviceRecord().id } });
    await waitFor(() => expect((document.getElementById('booking-provider') as HTMLSelectElement).value).toBe(colleague.id));
    await fireEvent.input(document.getElementById('booking-date')!, { target: { value: '2031-03-04' } });
    await fireEvent.input(document.getElementById('booking-time')!, { target: { value: '09:30' } });
    await fireEvent.click(document.getElementById('booking-submit')!);
    expect((await screen.findByTestId('chat-book-notice')).textContent).toBe('Booked. The confirmation was sent in the chat.');
    expect(doorRequests(calls, 'appointment_book')[0].args).toMatchObject({ client_id: '01HCLIENT00000000000000001', conversation_id: linked.id, start: '2031-03-04T09:30:00' });
    expect(doorRequests(calls, 'chat_reply')[0].args.text).toContain('Check-up with Mony Keo');
  });

  it('asks to find or add the client when the chat has none', async () => {
    app.status = readyStatus(booker);
    bookingDesk(conv());
    render(Conversation, { id: conv().id, version: 0 });
    await fireEvent.click(await screen.findByRole('button', { name: 'Book an appointment' }));
    expect(await screen.findByLabelText('Client')).toBe(document.getElementById('booking-client-search'));
    expect(screen.getByRole('button', { name: 'New client' })).toBeTruthy();
  });

  it('has no Book button without the permission', async () => {
    fakeDesk(() => doorReply({ kind: 'conversation', data: conv() }));
    render(Conversation, { id: conv().id, version: 0 });
    await screen.findByText('203.0.113.7');
    expect(screen.queryByRole('button', { name: 'Book an appointment' })).toBeNull();
  });
});
