// @vitest-environment node
// The real server over HTTP: happy-dom's fetch would apply a web page's CORS rules to it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/helpers/extension-server.ts';
import { connectLink } from '../shared/extension-id.ts';
import { DEMO_MAIL_PATH } from '../shared/api-paths.ts';
import { checkConnection, hasDemoMailbox } from './connection-check.ts';
import { connectLinkOf } from './settings.ts';

let server: TestServer;
/** Not the CRM: a proxy's 502 page on every path but the demo mailbox, which is an HTML page. */
let other: Server;
let otherUrl: string;
/** A port nothing listens on (a server started and closed). */
let closedUrl: string;

const listen = (s: Server) => new Promise<string>((resolve) => s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)));
const allowed = { hasHostPermission: async () => true };

beforeAll(async () => {
  server = await startTestServer();
  other = createServer((req, res) => {
    if (req.url === DEMO_MAIL_PATH) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Demo mailbox</title>');
      return;
    }
    res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>502 Bad Gateway</h1>');
  });
  otherUrl = await listen(other);
  const closed = createServer();
  closedUrl = await listen(closed);
  await new Promise((resolve) => closed.close(resolve));
});

afterAll(async () => {
  await server?.close();
  await new Promise((resolve) => other?.close(resolve));
});

describe('checkConnection (the welcome page\'s "test the connection")', () => {
  it('connects with the right token and names the workspace', async () => {
    const result = await checkConnection({ server: `${server.connection.server}/some/path`, token: ` ${server.connection.token} ` }, allowed);
    expect(result).toMatchObject({ kind: 'connected', server: server.connection.server });
    expect(result.kind === 'connected' && result.workspace.length).toBeGreaterThan(0);
  });

  it('says "token refused" when the server answers 401', async () => {
    expect(await checkConnection({ server: server.connection.server, token: 'not-a-token' }, allowed)).toEqual({ kind: 'tokenRefused', server: server.connection.server });
  });

  it('says "unreachable" when nothing answers', async () => {
    const result = await checkConnection({ server: closedUrl, token: 'whatever' }, allowed);
    expect(result).toMatchObject({ kind: 'unreachable', server: closedUrl });
  });

  it('says "permission not granted" for a remote origin the browser has not allowed, before any request', async () => {
    const asked: string[] = [];
    const result = await checkConnection(
      { server: 'https://crm.example.com:8443', token: 't' },
      {
        hasHostPermission: async (pattern) => (asked.push(pattern), false),
        fetch: () => Promise.reject(new Error('no request may be sent without the permission')),
      },
    );
    expect(result).toEqual({ kind: 'noPermission', server: 'https://crm.example.com:8443', pattern: 'https://crm.example.com/*' });
    expect(asked).toEqual(['https://crm.example.com/*']);
  });

  it('does not ask for permission for a server on this machine', async () => {
    const result = await checkConnection(server.connection, { hasHostPermission: async () => false });
    expect(result.kind).toBe('connected');
  });

  it('says what answered when it is not the CRM server', async () => {
    const result = await checkConnection({ server: otherUrl, token: 't' }, allowed);
    expect(result).toMatchObject({ kind: 'failed', server: otherUrl });
    expect(result.kind === 'failed' && result.detail).toMatch(/502/);
  });

  it('refuses an address that is not http(s), and a missing token, without a request', async () => {
    const none = { hasHostPermission: async () => true, fetch: () => Promise.reject(new Error('no request expected')) };
    expect(await checkConnection({ server: 'ftp://files.example.com', token: 't' }, none)).toEqual({ kind: 'badAddress', input: 'ftp://files.example.com' });
    expect(await checkConnection({ server: server.connection.server, token: '  ' }, none)).toEqual({ kind: 'noToken' });
  });
});

describe('hasDemoMailbox', () => {
  it('is false for a server without --demo (404)', async () => {
    expect(await hasDemoMailbox(server.connection.server)).toBe(false);
  });
  it('is true when the demo mailbox answers 200 with a page', async () => {
    expect(await hasDemoMailbox(otherUrl)).toBe(true);
  });
  it('is false when nothing answers', async () => {
    expect(await hasDemoMailbox(closedUrl)).toBe(false);
  });
});

describe('connectLinkOf', () => {
  it("reads the server and token of the link `npm start` prints, or of its query alone", () => {
    const link = connectLink('http://127.0.0.1:3000', 'tok/+=en');
    expect(connectLinkOf(`  ${link}  `)).toEqual({ server: 'http://127.0.0.1:3000', token: 'tok/+=en' });
    expect(connectLinkOf(new URL(link).search)).toEqual({ server: 'http://127.0.0.1:3000', token: 'tok/+=en' });
  });
  it('is null without both', () => {
    expect(connectLinkOf('chrome-extension://abc/options.html?server=http://x')).toBeNull();
    expect(connectLinkOf('hello')).toBeNull();
  });
});
