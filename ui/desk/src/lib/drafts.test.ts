import { describe, expect, it } from 'vitest';
import { dropDraft, keepDraft, takeDraft } from './drafts';

describe('drafts', () => {
  it('keeps a draft per staff member', () => {
    keepDraft('staff-a', 'client:new', { full_name: 'Written by A' });
    keepDraft('staff-b', 'client:new', { full_name: 'Written by B' });
    expect(takeDraft('staff-a', 'client:new')).toEqual({ full_name: 'Written by A' });
    expect(takeDraft('staff-b', 'client:new')).toEqual({ full_name: 'Written by B' });
    expect(takeDraft('staff-c', 'client:new')).toBeUndefined();
  });

  it('keeps drafts for different forms apart', () => {
    keepDraft('staff-d', 'client:1', 'one');
    keepDraft('staff-d', 'client:2', 'two');
    expect(takeDraft('staff-d', 'client:1')).toBe('one');
    expect(takeDraft('staff-d', 'client:2')).toBe('two');
  });

  it('does not mix up ids that run together', () => {
    keepDraft('ab', 'c', 'first');
    expect(takeDraft('a', 'bc')).toBeUndefined();
  });

  it('stores a copy: later changes to the object are not in the draft', () => {
    const form = { full_name: 'Before', phones: ['012'] };
    keepDraft('staff-e', 'client:new', form);
    form.full_name = 'After';
    form.phones.push('099');
    expect(takeDraft('staff-e', 'client:new')).toEqual({ full_name: 'Before', phones: ['012'] });
  });

  it('returns a copy: changing what was taken does not change the draft', () => {
    keepDraft('staff-f', 'client:new', { phones: ['012'] });
    const taken = takeDraft<{ phones: string[] }>('staff-f', 'client:new')!;
    taken.phones.push('099');
    expect(takeDraft('staff-f', 'client:new')).toEqual({ phones: ['012'] });
    // Taking does not remove it.
    expect(takeDraft('staff-f', 'client:new')).toBeDefined();
  });

  it('dropDraft removes only that draft', () => {
    keepDraft('staff-g', 'client:new', 'mine');
    keepDraft('staff-h', 'client:new', 'theirs');
    dropDraft('staff-g', 'client:new');
    expect(takeDraft('staff-g', 'client:new')).toBeUndefined();
    expect(takeDraft('staff-h', 'client:new')).toBe('theirs');
    dropDraft('staff-g', 'client:new'); // dropping again is harmless
  });
});
