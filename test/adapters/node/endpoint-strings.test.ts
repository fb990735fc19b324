// NodeServerFactory behind endpoint strings (serverFromString): an Express app listening on
// 'tcp:', 'unix:' and 'ssl:' descriptions, as a deployment would configure it.
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import express from 'express';
import { describe, expect, it } from 'vitest';

import { NodeServerFactory } from '../../../adapters/node/index.js';
import { createServer } from 'node:http';
import { IPv4Address } from '../../../src/core/address.js';
import { serverFromString } from '../../../src/node/endpoint-strings.js';
import { NodeReactor } from '../../../src/node/reactor.js';
import { cleanupsAfterEach } from '../../support/cleanups.js';
import { testCertificates } from '../../support/tls-certs.js';
import { get, type Reply } from './http-helpers.js';

const cleanups = cleanupsAfterEach();

/** Express answering with what it sees of the connection. */
function app(): express.Express {
  const a = express();
  a.get('/whoami', (req, res) => {
    const handle = (req.socket as unknown as { _handle?: { _consumed?: boolean } })._handle;
    res.json({
      protocol: req.protocol,
      ip: req.ip ?? null,
      nativeRead: handle?._consumed === true,
    });
  });
  return a;
}

/** Listens with a NodeServerFactory hosting `app()` on `description`; returns the port. */
async function listen(description: string) {
  const reactor = new NodeReactor();
  const factory = new NodeServerFactory(createServer(app()), { reactor });
  const port = await serverFromString(reactor, description).listen(factory);
  cleanups.push(async () => {
    await port.stopListening();
    await factory.close({ timeout: 0 });
  });
  return port.getHost();
}

describe('NodeServerFactory on endpoint strings', () => {
  it("serves Express on 'tcp:0:interface=127.0.0.1'", async () => {
    const host = await listen('tcp:0:interface=127.0.0.1');
    if (!(host instanceof IPv4Address)) throw new Error('not an IPv4 port');
    const reply = await get({ host: '127.0.0.1', port: host.port, path: '/whoami', agent: false });
    expect(JSON.parse(reply.body)).toEqual({ protocol: 'http', ip: '127.0.0.1', nativeRead: true });
  });

  it("serves Express on 'unix:<path>', parsing from the UNIX socket's handle", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-endpoint-'));
    cleanups.push(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const socketPath = join(dir, 'http.sock');
    await listen(`unix:${socketPath}`);
    const reply = await get({ socketPath, path: '/whoami', agent: false });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ protocol: 'http', nativeRead: true });
  });

  it("serves Express on 'ssl:' with key and certificate files, to a verifying https client", async () => {
    const certs = await testCertificates();
    const { privateKeyPath, certificatePath } = certs.server;
    const host = await listen(
      `ssl:0:interface=127.0.0.1:privateKey=${privateKeyPath}:certKey=${certificatePath}`,
    );
    if (!(host instanceof IPv4Address)) throw new Error('not an IPv4 port');
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: host.port,
          path: '/whoami',
          ca: certs.ca,
          servername: 'localhost',
        },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    // weft does the TLS, so Node's parser reads through the WeftSocket (the decrypted bytes).
    expect(JSON.parse(reply.body)).toEqual({
      protocol: 'https',
      ip: '127.0.0.1',
      nativeRead: false,
    });
  });
});
