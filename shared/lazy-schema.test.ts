import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { makeSchemasLazy } from '../scripts/lazy-schemas.ts';
import { lazySchema } from './lazy-schema.ts';

describe('schemas built at their first use (the companion build)', () => {
  it('stands in for the schema: built once, at the first use, and then parses, extends and composes as the schema does', () => {
    let builds = 0;
    const contact = lazySchema(() => {
      builds++;
      return z.object({ email: z.email(), name: z.string().min(1).optional() });
    }, 'contact');
    const page = lazySchema(() => z.object({ results: z.array(contact), total: z.number().int() }), 'page');
    const event = lazySchema(() => z.discriminatedUnion('kind', [contact.extend({ kind: z.literal('contact') }), z.object({ kind: z.literal('other') })]), 'event');
    expect(builds).toBe(0); // defining, and defining others with it, builds nothing

    expect(page.parse({ results: [{ email: 'ann@x.example' }], total: 1 })).toEqual({ results: [{ email: 'ann@x.example' }], total: 1 });
    expect(builds).toBe(1);
    expect(contact.safeParse({ email: 'nope' }).error?.issues[0]?.path).toEqual(['email']);
    expect(contact.optional().parse(undefined)).toBeUndefined();
    expect(event.parse({ kind: 'contact', email: 'b@x.example' })).toEqual({ kind: 'contact', email: 'b@x.example' });
    expect(contact).toBeInstanceOf(z.ZodObject);
    expect(Object.keys(contact.shape)).toEqual(['email', 'name']);
    // the same error as the schema itself gives
    const direct = z.object({ email: z.email(), name: z.string().min(1).optional() });
    expect(contact.safeParse({ email: 'a@x.example', name: '' }).error?.issues).toEqual(direct.safeParse({ email: 'a@x.example', name: '' }).error?.issues);
    expect(builds).toBe(1);
  });

  it('a definition that is no schema fails at its first use, naming it', () => {
    const notASchema = lazySchema(() => ({ parse: () => 1 }) as unknown as z.ZodString, 'notASchema');
    expect(() => notASchema.parse('x')).toThrow('lazySchema: notASchema is not a zod schema');
  });

  it("the build step rewrites the top-level schema chains (from z, from earlier ones, from another module's) and nothing else; lines stay put", () => {
    const source = [
      "import { z } from 'zod';",
      "import type { Other } from './elsewhere.ts';",
      'export const contact = z.object({ email: z.email() });',
      'const page = (contact.extend({ n: z.number() }) as typeof contact).optional();',
      "export const KINDS = z.enum(['a', 'b']).options;",
      'export const LIMIT = 10;',
      'export const helper = (s: z.ZodType) => s.optional();',
      "export const shape = { a: 1 } satisfies Record<string, number>;",
      'export { page as pageOf };',
    ].join('\n');
    const out = makeSchemasLazy(source, fileURLToPath(new URL('./example.ts', import.meta.url)))!;
    expect(out.split('\n')).toHaveLength(source.split('\n').length);
    const lines = out.split('\n');
    expect(lines[2]).toBe('export const contact = /* @__PURE__ */ __lazySchema(() => (z.object({ email: z.email() })), "contact");');
    expect(lines[3]).toBe('const page = /* @__PURE__ */ __lazySchema(() => ((contact.extend({ n: z.number() }) as typeof contact).optional()), "page");');
    expect(lines.slice(4)).toEqual(source.split('\n').slice(4)); // a property, values, a function, a literal
    expect(lines[0]).toMatch(/^import \{ lazySchema as __lazySchema \} from ".*\/shared\/lazy-schema\.ts"; import \{ z \} from 'zod';$/);

    // a module without zod or schemas is left alone
    expect(makeSchemasLazy('export const x = [1, 2].map((n) => n * 2);', 'plain.ts')).toBeNull();

    // across modules: shared/companion.ts extends recommendations.ts's schemas, which are rewritten there
    const companion = fileURLToPath(new URL('./companion.ts', import.meta.url));
    const rewritten = makeSchemasLazy(readFileSync(companion, 'utf8'), companion)!;
    expect(rewritten).toMatch(/export const companionThreadBody = \/\* @__PURE__ \*\/ __lazySchema\(\(\) => \(threadRecommendationsBody\.extend\(/);
  });
});
