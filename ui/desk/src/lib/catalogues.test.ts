// Every locale's catalogue has every key of the English one, each message parses as ICU
// MessageFormat in its locale, and names exactly the arguments the English message names, so
// no screen ever shows a raw key, an English string by accident, or a message that throws when
// the UI hands it its values. CI fails on a missing key here.
import { describe, expect, it } from 'vitest';
import { IntlMessageFormat } from 'intl-messageformat';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import en from '../locales/en.json';
import { catalogues, LOCALES } from './i18n.svelte';

function argumentsOf(message: string): string[] {
  const names = new Set<string>();
  const walk = (nodes: MessageFormatElement[]) => {
    for (const n of nodes) {
      if (n.type === TYPE.argument || n.type === TYPE.number || n.type === TYPE.date || n.type === TYPE.time || n.type === TYPE.plural || n.type === TYPE.select) names.add(n.value);
      if (n.type === TYPE.tag) {
        names.add(`<${n.value}>`);
        walk(n.children);
      }
      if (n.type === TYPE.plural || n.type === TYPE.select) for (const o of Object.values(n.options)) walk(o.value);
    }
  };
  walk(parse(message));
  return [...names].sort();
}

const keys = Object.keys(en) as (keyof typeof en)[];

describe.each(LOCALES.map((l) => l.code))('the %s catalogue', (code) => {
  const cat = catalogues[code];

  it('has every key of the English catalogue, and no other', () => {
    expect(keys.filter((k) => !(k in cat))).toEqual([]);
    expect(Object.keys(cat).filter((k) => !(k in en))).toEqual([]);
  });

  it('parses in its locale and names the same arguments as English', () => {
    const wrong: string[] = [];
    for (const k of keys) {
      const message = cat[k];
      if (typeof message !== 'string' || !message.trim()) {
        wrong.push(`${k}: empty`);
        continue;
      }
      try {
        new IntlMessageFormat(message, code);
      } catch (e) {
        wrong.push(`${k}: ${(e as Error).message}`);
        continue;
      }
      const mine = argumentsOf(message).join();
      const english = argumentsOf(en[k]).join();
      if (mine !== english) wrong.push(`${k}: {${mine}} where English has {${english}}`);
    }
    expect(wrong).toEqual([]);
  });

  it('formats every plural for the counts that pick each form', () => {
    const failing: string[] = [];
    for (const k of keys) {
      const names = argumentsOf(en[k]).filter((n) => !n.startsWith('<'));
      for (const n of [0, 1, 2, 3, 11, 100, 1.5]) {
        const values = Object.fromEntries(names.map((a) => [a, n]));
        try {
          new IntlMessageFormat(cat[k] as string, code).format(values);
        } catch (e) {
          failing.push(`${k} (${n}): ${(e as Error).message}`);
          break;
        }
      }
    }
    expect(failing).toEqual([]);
  });
});
