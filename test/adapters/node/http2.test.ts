// node:http2 on weft: http2.connect over weftConnector's sockets, h2c servers hosted with
// NodeServerFactory on weft TCP and in memory (IOPump), h2 over weft TLS (listenSSL with ALPN
// h2) hosted from 'secureConnection', graceful close (session.close, factory.close) and a stream
// error that leaves its session usable.
import { once } from 'node:events';
import type {
  ClientHttp2Session,
  Http2SecureServer,
  Http2Server,
  Http2ServerRequest,
  Http2ServerResponse,
  SecureClientSessionOptions,
} from 'node:http2';
import { connect, constants, createSecureServer, createServer } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';

import { describe, expect, it } from 'vitest';

import {
  NodeServerFactory,
  StreamAddress,
  WeftSocket,
  weftConnector,
} from '../../../adapters/node/index.js';
import type { IPv4Address, IPv6Address } from '../../../src/core/address.js';
import { NodeReactor } from '../../../src/node/reactor.js';
import { connectedServerAndClient } from '../../../src/testing/iosim.js';
import { loopbackAsync } from '../../../src/testing/loopback.js';
import { cleanupsAfterEach } from '../../support/cleanups.js';
import { testCertificates } from '../../support/tls-certs.js';
import { drive } from './http-helpers.js';

const cleanups = cleanupsAfterEach();

/** An app answering `<path> from <remoteAddress>`, and failing the stream on /fail. */
function app(req: Http2ServerRequest, res: Http2ServerResponse): void {
  if (req.url === '/fail') {
    req.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  res.setHeader('content-type', 'text/plain');
  res.end(`${req.url} from ${String(req.socket.remoteAddress)} over ${req.scheme}`);
}

/** One GET on `session`, resolving with the status and body. */
async function get(session: ClientHttp2Session, path: string): Promise<[number, string]> {
  const stream = session.request({ ':path': path });
  let status = 0;
  stream.on('response', (headers) => (status = Number(headers[':status'])));
  stream.setEncoding('utf8');
  let body = '';
  stream.on('data', (chunk: string) => (body += chunk));
  await once(stream, 'end');
  return [status, body];
}

/** Opens a session (closed after the test unless the test closed it). */
function session(url: string, options: SecureClientSessionOptions = {}): ClientHttp2Session {
  const s = connect(url, options);
  cleanups.push(() => {
    if (!s.closed) s.destroy();
  });
  return s;
}

/** Hosts `server` on a weft TCP (or, with `tls`, listenSSL) port on 127.0.0.1. */
async function host(
  server: Http2Server | Http2SecureServer,
  tls?: Parameters<NodeReactor['listenSSL']>[2],
): Promise<{ port: number; factory: NodeServerFactory }> {
  const reactor = new NodeReactor();
  const factory = new NodeServerFactory(server, { reactor });
  const listening = await (tls === undefined
    ? reactor.listenTCP(0, factory, { interface: '127.0.0.1' })
    : reactor.listenSSL(0, factory, tls, { interface: '127.0.0.1' }));
  cleanups.push(async () => {
    await listening.stopListening();
    await factory.close({ timeout: 0 });
  });
  return { port: (listening.getHost() as IPv4Address | IPv6Address).port, factory };
}

describe('http2 on weft', () => {
  it('http2.connect runs a client session over a weft connection (createConnection)', async () => {
    const server = createServer(app);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as AddressInfo;
    const sockets: WeftSocket[] = [];
    const weft = weftConnector();
    const client = session(`http://127.0.0.1:${port}`, {
      createConnection: () => {
        const socket = weft({ host: '127.0.0.1', port });
        sockets.push(socket);
        return socket;
      },
    });
    expect(await get(client, '/a')).toEqual([200, '/a from 127.0.0.1 over http']);
    expect(await get(client, '/b')).toEqual([200, '/b from 127.0.0.1 over http']);
    expect(sockets).toHaveLength(1);
    // Graceful close: the session ends and takes its weft connection with it.
    const closed = once(sockets[0] as WeftSocket, 'close');
    client.close();
    await once(client, 'close');
    await closed;
    expect(sockets[0]?.destroyed).toBe(true);
  });

  it('hosts an h2c server on a weft TCP port, req.socket.remoteAddress the weft peer', async () => {
    const { port, factory } = await host(createServer(app));
    const client = session(`http://127.0.0.1:${port}`);
    expect(await get(client, '/hosted')).toEqual([200, '/hosted from 127.0.0.1 over http']);
    expect(factory.connections).toBe(1);
  });

  it('hosts an h2c server in memory (IOPump), with no socket at all', async () => {
    const factory = new NodeServerFactory(createServer(app));
    const socket = new WeftSocket({ allowHalfOpen: false });
    const { pump } = connectedServerAndClient(factory, { buildProtocol: () => socket.protocol });
    cleanups.push(drive(pump));
    const client = session('http://memory.invalid', { createConnection: () => socket });
    const [status, body] = await get(client, '/memory');
    expect(status).toBe(200);
    expect(body).toMatch(/^\/memory from .* over http$/);
  });

  it('hosts an h2c server over loopbackAsync, where the connection has no IP address', async () => {
    const factory = new NodeServerFactory(createServer(app));
    const socket = new WeftSocket({ allowHalfOpen: false });
    const server = factory.buildProtocol(new StreamAddress('test'));
    if (server === null) throw new Error('refused');
    const done = loopbackAsync(server, socket.protocol);
    const client = session('http://memory.invalid', { createConnection: () => socket });
    expect(await get(client, '/loop')).toEqual([200, '/loop from undefined over http']);
    client.close();
    await done;
  });

  it('fails one stream (RST_STREAM) and keeps the session usable', async () => {
    const { port } = await host(createServer(app));
    const client = session(`http://127.0.0.1:${port}`);
    const failing = client.request({ ':path': '/fail' });
    const [err] = (await once(failing, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ERR_HTTP2_STREAM_ERROR');
    expect(failing.rstCode).toBe(constants.NGHTTP2_INTERNAL_ERROR);
    expect(await get(client, '/after')).toEqual([200, '/after from 127.0.0.1 over http']);
  });

  it("carries backpressure: a client that does not read holds a hosted server's large response back", async () => {
    const CHUNK = 64 * 1024;
    const TOTAL = 32 * 1024 * 1024;
    let produced = 0;
    const server = createServer((_req, res) => {
      const pump = (): void => {
        while (produced < TOTAL) {
          produced += CHUNK;
          if (!res.write(Buffer.alloc(CHUNK, 0x62))) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const { port } = await host(server);
    const client = session(`http://127.0.0.1:${port}`);
    const stream = client.request({ ':path': '/big' });
    stream.pause();
    await once(stream, 'response');
    // Wait until the server has stopped producing: the same count for 50 turns (bounded).
    let last = -1;
    let still = 0;
    for (let turn = 0; turn < 20_000 && still < 50; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
      still = produced === last ? still + 1 : 0;
      last = produced;
    }
    expect(still).toBe(50);
    // HTTP/2 flow control (64 KiB windows) stops the server's stream at once (64 KiB produced
    // here), far below the response's 32 MiB.
    expect(produced).toBeLessThan(1024 * 1024);
    let received = 0;
    stream.on('data', (chunk: Buffer) => (received += chunk.length));
    stream.resume();
    await once(stream, 'end');
    expect(received).toBe(TOTAL);
  });

  it('closes gracefully on factory.close(): GOAWAY, the open stream finishes, then the connection goes', async () => {
    let answer: (() => void) | undefined;
    const server = createServer((_req, res) => {
      answer = () => res.end('late');
    });
    const { port, factory } = await host(server);
    const client = session(`http://127.0.0.1:${port}`);
    const pending = get(client, '/slow');
    while (answer === undefined) await new Promise((resolve) => setImmediate(resolve));
    const goaway = once(client, 'goaway');
    let closed = false;
    const done = factory.close().then(() => (closed = true));
    await goaway;
    expect(closed).toBe(false);
    answer();
    expect(await pending).toEqual([200, 'late']);
    await done;
    expect(factory.connections).toBe(0);
  });

  it('hosts an h2 server (createSecureServer) on a weft TLS port with ALPN h2, verified by the client', async () => {
    const certs = await testCertificates();
    const server = createSecureServer({ allowHTTP1: true }, app);
    const { port } = await host(server, { ...certs.server, acceptableProtocols: ['h2'] });
    const client = session(`https://localhost:${port}`, {
      ca: certs.ca,
      host: '127.0.0.1',
      servername: 'localhost',
    });
    expect(await get(client, '/tls')).toEqual([200, '/tls from 127.0.0.1 over https']);
    expect(client.alpnProtocol).toBe('h2');
  });

  it('reports a hosted h2 session over weft TLS as encrypted, with ALPN h2 (session and req.socket)', async () => {
    const certs = await testCertificates();
    const facts: unknown[] = [];
    const server = createSecureServer({}, (req, res) => {
      const { session: s } = req.stream;
      const socket = req.socket as unknown as { encrypted?: boolean; alpnProtocol?: unknown };
      facts.push(s?.encrypted, s?.alpnProtocol, socket.encrypted, socket.alpnProtocol);
      res.end('ok');
    });
    const { port } = await host(server, { ...certs.server, acceptableProtocols: ['h2'] });
    const client = session(`https://localhost:${port}`, {
      ca: certs.ca,
      host: '127.0.0.1',
      servername: 'localhost',
    });
    expect(await get(client, '/')).toEqual([200, 'ok']);
    expect(facts).toEqual([true, 'h2', true, 'h2']);
  });

  it('falls back to HTTP/1.1 on the same weft TLS port for a client without h2 (allowHTTP1)', async () => {
    const certs = await testCertificates();
    const server = createSecureServer({ allowHTTP1: true }, app);
    const { port } = await host(server, {
      ...certs.server,
      acceptableProtocols: ['h2', 'http/1.1'],
    });
    const reply = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/h1',
          ca: certs.ca,
          servername: 'localhost',
          agent: false,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => {
            resolve(`${res.httpVersion} ${body}`);
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    // HTTP/1.1 requests have no :scheme (req.scheme is undefined).
    expect(reply).toBe('1.1 /h1 from 127.0.0.1 over undefined');
  });
});
