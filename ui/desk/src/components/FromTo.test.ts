import { describe, expect, it } from 'vitest';
import { render } from '@testing-library/svelte';
import FromTo from './FromTo.svelte';

describe('a history line from one value to another', () => {
  it('isolates each side and puts the arrow in the span the page turns in Arabic (.flip)', () => {
    const { container } = render(FromTo, { from: 'ليلى حداد', to: 'Dara Sok' });
    const line = container.querySelector('.fromto')!;
    expect(line.textContent).toBe('ليلى حداد → Dara Sok');
    expect([...line.querySelectorAll('bdi')].map((b) => b.textContent)).toEqual(['ليلى حداد', 'Dara Sok']);
    expect(line.querySelector('.flip')?.textContent).toBe('→');
  });
});
