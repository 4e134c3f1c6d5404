// The widget's size budget: loader plus chat, at most 15 KB gzipped.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET = 15 * 1024;
const raw = readFileSync(new URL('../dist/widget.js', import.meta.url));
const gz = gzipSync(raw, { level: 9 }).length;
console.log(`widget.js: ${raw.length} bytes, ${gz} bytes gzipped (budget ${BUDGET})`);
if (gz > BUDGET) {
  console.error('widget.js is over its size budget');
  process.exit(1);
}
