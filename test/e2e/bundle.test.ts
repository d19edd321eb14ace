/**
 * The built content script, the part of the companion every webmail page loads: it ships without
 * zod (the background checks every message) and stays under its 40 KB gzip budget
 * (bench/README.md, section "Companion").
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, inject, it } from 'vitest';

const BUDGET_KB = 40;

describe('the built content script', () => {
  const dir = join(inject('extensionBuild'), 'content-scripts');
  const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
  const code = files.map((f) => readFileSync(join(dir, f)));

  it('is there', () => {
    expect(files).toContain('mail.js');
  });

  it('ships without zod: a schema imported by a sidebar module would bring all of it', () => {
    for (const [i, bytes] of code.entries()) {
      const text = bytes.toString('utf8');
      expect({ file: files[i], zod: /\b_zod\b|ZodError/.test(text) }).toEqual({ file: files[i], zod: false });
    }
  });

  it(`is under ${BUDGET_KB} KB gzip`, () => {
    const gzip = code.reduce((sum, bytes) => sum + gzipSync(bytes, { level: 9 }).length, 0);
    expect(gzip / 1024).toBeLessThan(BUDGET_KB);
  });
});
