import { defineConfig } from 'vitest/config';

// One self-contained file: the clinic's page loads nothing else from us.
export default defineConfig({
  build: {
    target: 'es2020',
    lib: {
      entry: 'src/main.ts',
      formats: ['iife'],
      name: 'FrontdeskWidget',
      fileName: () => 'widget.js',
    },
    minify: true,
    emptyOutDir: true,
  },
  test: {
    environment: 'node',
  },
});
