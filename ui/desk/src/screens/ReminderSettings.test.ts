import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import ReminderSettings from './ReminderSettings.svelte';
import { app } from '../lib/app.svelte';
import type { Call } from '../bindings/Call';
import type { Reply } from '../bindings/Reply';
import type { ReminderSettings as Reminders } from '../bindings/ReminderSettings';
import { deskError, doorReply, doorRequests, fakeDesk, readyStatus, session } from '../test-helpers';

const manager = { ...session, role: 'manager', permissions: [...session.permissions, 'schedule_configure'] } as typeof session;

const stored: Reminders = {
  enabled: true,
  hours_before: 24,
  sms: true,
  email: true,
  smtp: { host: 'mail.clinic.example', port: 587, security: 'start_tls', from: 'Riverside <desk@clinic.example>', username: 'desk' },
  smtp_password_set: true,
  late_cancel_hours: 24,
  no_show_after_minutes: 20,
  templates: [
    { language: 'en', channel: 'sms', subject: '', body: '{clinic}: your visit on {date} at {time}.' },
    { language: 'en', channel: 'email', subject: 'Your visit', body: 'See you on {date}.' },
  ],
};

function desk(update: (c: Call) => Reply = () => doorReply({ kind: 'reminder_settings', data: stored })): Call[] {
  return fakeDesk((c) => {
    if (c.call !== 'door') throw new Error(`unexpected ${c.call}`);
    if (c.args.op === 'reminder_settings_get') return doorReply({ kind: 'reminder_settings', data: stored });
    return update(c);
  });
}

const save = () => fireEvent.click(document.getElementById('reminders-save')!);

beforeEach(() => {
  app.status = readyStatus(manager);
});
afterEach(() => {
  app.status = null;
});

describe('reminder settings', () => {
  it('keeps the stored mail password when the field is left empty', async () => {
    const calls = desk();
    render(ReminderSettings);
    await waitFor(() => expect((document.getElementById('smtp-host') as HTMLInputElement).value).toBe('mail.clinic.example'));
    expect(screen.getByText('A password is stored. Leave this empty to keep it.')).toBeTruthy();
    expect((document.getElementById('smtp-password') as HTMLInputElement).value).toBe('');
    // The placeholders are shown as they are written.
    expect(screen.getByTestId('placeholder-help').textContent).toContain('{clinic} {service} {provider} {date} {time}');
    await fireEvent.input(document.getElementById('reminder-hours')!, { target: { value: '48' } });
    await save();
    await waitFor(() => expect(doorRequests(calls, 'reminder_settings_update')).toHaveLength(1));
    expect(doorRequests(calls, 'reminder_settings_update')[0].args).toEqual({
      enabled: true,
      hours_before: 48,
      sms: true,
      email: true,
      smtp: { host: 'mail.clinic.example', port: 587, security: 'start_tls', from: 'Riverside <desk@clinic.example>', username: 'desk' },
      smtp_password: null,
      late_cancel_hours: 24,
      no_show_after_minutes: 20,
      templates: stored.templates,
    });
    expect(await screen.findByText('Reminder settings saved.')).toBeTruthy();
  });

  it('sends a new password once typed, and an empty one to remove it', async () => {
    const calls = desk();
    render(ReminderSettings);
    await waitFor(() => expect((document.getElementById('smtp-host') as HTMLInputElement).value).toBe('mail.clinic.example'));
    await fireEvent.input(document.getElementById('smtp-password')!, { target: { value: 'n3w-secret' } });
    await save();
    await waitFor(() => expect(doorRequests(calls, 'reminder_settings_update')).toHaveLength(1));
    expect(doorRequests(calls, 'reminder_settings_update')[0].args.smtp_password).toBe('n3w-secret');
    // The form forgets it after saving: it is never shown again.
    await waitFor(() => expect((document.getElementById('smtp-password') as HTMLInputElement).value).toBe(''));
    await fireEvent.click(screen.getByLabelText('Remove the stored password'));
    await save();
    await waitFor(() => expect(doorRequests(calls, 'reminder_settings_update')).toHaveLength(2));
    expect(doorRequests(calls, 'reminder_settings_update')[1].args.smtp_password).toBe('');
  });

  it('shows a wrong placeholder beside the texts', async () => {
    desk(() => {
      throw deskError('reminder.placeholder', { field: 'templates[0].body' });
    });
    render(ReminderSettings);
    await waitFor(() => expect((document.getElementById('reminders-save') as HTMLButtonElement).disabled).toBe(false));
    await save();
    await waitFor(() =>
      expect(document.querySelector('[data-field-error="reminder-templates"]')?.textContent).toBe(
        'A text uses a placeholder that does not exist. Use only {clinic}, {service}, {provider}, {date} and {time}.',
      ),
    );
  });
});
