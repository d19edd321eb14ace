import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../server/config.ts';
import { rowsOf } from './helpers/raw-rows.ts';
import { authenticate, hashToken, upgradeTokenHashes } from '../server/domain/tokens.ts';
import { loadServerSecret, SECRET_FILE } from '../server/secret.ts';
import { createApp } from '../server/app.ts';
import { useTestApp } from './helpers/app.ts';

const t = useTestApp();
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'crm-secret-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('secrets (issue 13)', () => {
  it('a weak CRM_ADMIN_TOKEN is refused, saying why and without echoing it: too short, or too few distinct characters', () => {
    const refused = (token: string) => {
      try {
        loadConfig({ CRM_ADMIN_TOKEN: token });
        return '';
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as Error).message).not.toContain(token);
        return (err as Error).message;
      }
    };
    expect(refused('crm_short_token_12')).toMatch(/CRM_ADMIN_TOKEN: is weak.*24 to 200 characters/);
    expect(refused('a'.repeat(40))).toMatch(/CRM_ADMIN_TOKEN: is weak: must have at least 10 distinct characters \(has 1\)/);
    expect(refused('abababababababababababababababab')).toMatch(/distinct/);
    expect(refused('crm_operator-chosen-token-0123456789')).toBe('');
    expect(loadConfig({ CRM_ADMIN_TOKEN: 'crm_operator-chosen-token-0123456789' }).adminToken).toBe('crm_operator-chosen-token-0123456789');
    expect(() => loadConfig({ CRM_SECRET: 'x'.repeat(64) })).toThrow(/CRM_SECRET: is weak/);
  });

  it('the key file is made on first start with mode 0600 in the data directory and read again after; CRM_SECRET wins over it', () => {
    const dir = tempDir();
    const first = loadServerSecret({ dataDir: dir });
    expect(first.source).toBe(join(dir, SECRET_FILE));
    expect(statSync(join(dir, SECRET_FILE)).mode & 0o777).toBe(0o600);
    expect(first.key).toHaveLength(32);
    expect(loadServerSecret({ dataDir: dir }).key.equals(first.key)).toBe(true);
    const fromEnv = loadServerSecret({ dataDir: dir, secret: 'a-long-operator-secret-0123456789-ABCDEFGH' });
    expect(fromEnv.source).toBe('CRM_SECRET');
    expect(fromEnv.key.equals(first.key)).toBe(false);
    // on PostgreSQL the same file is used, and the operator is told every process needs it
    expect(loadServerSecret({ dataDir: dir, databaseUrl: 'postgres://x/y' }).warning).toMatch(/every server process/);
  });

  it('a key file others can read is reported; a broken one is refused with a clear message', () => {
    const dir = tempDir();
    loadServerSecret({ dataDir: dir });
    const path = join(dir, SECRET_FILE);
    chmodSync(path, 0o644);
    expect(loadServerSecret({ dataDir: dir }).warning).toMatch(/readable by other users \(mode 644\)/);
    writeFileSync(path, 'not hex\n');
    expect(() => loadServerSecret({ dataDir: dir })).toThrow(/holds no usable key/);
  });

  it('stored hashes are keyed (HMAC), not bare SHA-256: the stored value cannot be computed from the token alone', async () => {
    const made = await t.call('POST', '/api/tokens', { name: 'hashed' });
    const [row] = rowsOf<{ token_hash: string }>(await t.db.db.execute(sql`select token_hash from api_tokens where workspace_id = ${t.workspaceId} and id = ${made.body.id}`));
    const bare = createHash('sha256').update(made.body.token).digest('hex');
    expect(row!.token_hash).toBe(hashToken(made.body.token));
    expect(row!.token_hash).toMatch(/^h1:[0-9a-f]{64}$/);
    expect(row!.token_hash).not.toContain(bare);
  });

  it('an existing database keeps working: bare SHA-256 hashes are upgraded in place at start, without the tokens', async () => {
    const token = 'crm_from_an_older_version_0123456789';
    const bare = createHash('sha256').update(token).digest('hex');
    const [user] = rowsOf<{ id: number }>(await t.db.db.execute(sql`select id from users where workspace_id = ${t.workspaceId} order by id limit 1`));
    await t.db.db.execute(sql`insert into api_tokens (workspace_id, kind, user_id, name, token_hash) values (${t.workspaceId}, 'user', ${user!.id}, 'old', ${bare})`);
    expect(await authenticate(t.db.db, token)).toBeNull();
    expect(await upgradeTokenHashes(t.db.db)).toBe(1);
    expect(await upgradeTokenHashes(t.db.db)).toBe(0);
    expect((await authenticate(t.db.db, token))?.workspaceId).toBe(t.workspaceId);
    const [row] = rowsOf<{ token_hash: string }>(await t.db.db.execute(sql`select token_hash from api_tokens where name = 'old' and workspace_id = ${t.workspaceId}`));
    expect(row!.token_hash).not.toBe(bare);
  });
});

describe('wrong tokens are throttled per client address (issue 13)', () => {
  const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });

  it('after a burst of wrong tokens an address gets 429 with Retry-After in HubSpot\'s shape; a valid token from that address is not slowed; other addresses are not affected', async () => {
    const app = createApp({ db: t.db.db, tokenCacheMs: 0, wrongTokens: { points: 5, durationSec: 60, blockSec: 30 } });
    const call = (token: string, address: string) => app.request('/api/workspace', { headers: { authorization: `Bearer ${token}` } }, from(address));
    for (let i = 0; i < 5; i++) expect((await call(`crm_guess_${i}`, '10.0.0.7')).status).toBe(401);
    const limited = await call('crm_guess_6', '10.0.0.7');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(29);
    expect(await limited.json()).toMatchObject({ status: 'error', category: 'RATE_LIMITS', subCategory: 'RATE_LIMITED', errorType: 'RATE_LIMIT', correlationId: expect.any(String), message: expect.stringMatching(/retry after \d+ s/) });
    // the colleague behind the same address, with a valid token
    for (let i = 0; i < 20; i++) expect((await call(t.token, '10.0.0.7')).status).toBe(200);
    expect((await call('crm_guess_7', '10.0.0.7')).status).toBe(429);
    expect((await call('crm_guess_1', '10.0.0.8')).status).toBe(401);
  });

  it('a request with no token or a malformed header is a 401, not counted as a guess', async () => {
    const app = createApp({ db: t.db.db, tokenCacheMs: 0, wrongTokens: { points: 2 } });
    for (let i = 0; i < 5; i++) expect((await app.request('/api/workspace', {}, from('10.0.0.9'))).status).toBe(401);
    expect((await app.request('/api/workspace', { headers: { authorization: 'Bearer crm_first_guess' } }, from('10.0.0.9'))).status).toBe(401);
  });
});
