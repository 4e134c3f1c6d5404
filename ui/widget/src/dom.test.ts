// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { h } from './dom';

describe('elements from data', () => {
  it('renders markup in user text as text', () => {
    const el = h('li', {}, '<img src=x onerror=alert(1)>', h('b', {}, '<script>x</script>'));
    expect(el.querySelector('img')).toBeNull();
    expect(el.querySelector('script')).toBeNull();
    expect(el.textContent).toBe('<img src=x onerror=alert(1)><script>x</script>');
  });
});
