// weftUndiciConnect: undici 6's Agent (and Node 20's global fetch through it) on weft
// connections, against real node:http, https and http2 servers on 127.0.0.1 and a weft-hosted
// one; TLS with the test CA (a refused certificate fails the attempt), connection refused,
// keep-alive reuse, and a streamed request body held back by the server's backpressure.
import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureServer } from 'node:http2';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';

import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';

import type { UndiciConnectOptions } from '../../../adapters/node/index.js';
import { NodeServerFactory, WeftSocket, weftUndiciConnect } from '../../../adapters/node/index.js';
import type { IPv6Address } from '../../../src/core/address.js';
import { IPv4Address } from '../../../src/core/address.js';
import { ConnectionRefusedError, DNSLookupError } from '../../../src/core/errors.js';
import { CertificateVerificationError } from '../../../src/core/tls-errors.js';
import type { IProtocolFactory } from '../../../src/core/interfaces/protocol.js';
import type { ConnectTCPOptions } from '../../../src/core/interfaces/reactor.js';
import type { ClientTLSOptions } from '../../../src/core/interfaces/tls.js';
import type { IConnector } from '../../../src/core/interfaces/transport.js';
import { NodeReactor } from '../../../src/node/reactor.js';
import { MemoryReactorClock } from '../../../src/testing/memory-reactor.js';
import { StringTransport } from '../../../src/testing/string-transport.js';
import { cleanupsAfterEach } from '../../support/cleanups.js';
import { testCertificates } from '../../support/tls-certs.js';

const cleanups = cleanupsAfterEach();

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Listens with `server` on 127.0.0.1 (closed after the test); returns its port. */
async function listen(server: Server | ReturnType<typeof createSecureServer>): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    if (server instanceof Server) server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as AddressInfo).port;
}

/**
 * An Agent on weft connections, counting them; destroyed after the test. One connection per
 * origin (undici's Pool otherwise opens a second one when a request comes in the same turn as
 * the previous response's end, with net sockets too).
 */
function weftAgent(connect = weftUndiciConnect()): { agent: Agent; sockets: WeftSocket[] } {
  const sockets: WeftSocket[] = [];
  const agent = new Agent({
    connections: 1,
    connect: (options, callback) => {
      connect(options, (...args) => {
        if (args[0] === null) sockets.push(args[1] as unknown as WeftSocket);
        callback(...args);
      });
    },
  });
  cleanups.push(() => agent.destroy());
  return { agent, sockets };
}

async function text(
  url: string,
  dispatcher: Dispatcher,
  options: Partial<Dispatcher.RequestOptions> = {},
): Promise<{ status: number; body: string }> {
  const res = await request(url, { dispatcher, ...options });
  return { status: res.statusCode, body: await res.body.text() };
}

/**
 * Node 20's global fetch (its bundled undici) with an Agent of the undici package as dispatcher.
 * The cast is for the types only: @types/node describes the bundled copy (undici-types), whose
 * Dispatcher type differs in details from the package's.
 */
function globalFetch(url: string, dispatcher: Agent, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, dispatcher } as unknown as RequestInit);
}

const hello: Handler = (req, res) => {
  res.end(`hello ${req.url ?? ''} from ${String(req.socket.remotePort)}`);
};

describe('weftUndiciConnect', () => {
  it('gives undici a WeftSocket: requests to a node:http server go over a weft connection', async () => {
    const port = await listen(createServer(hello));
    const { agent, sockets } = weftAgent();
    const reply = await text(`http://127.0.0.1:${port}/a`, agent);
    expect(reply.status).toBe(200);
    expect(sockets).toHaveLength(1);
    expect(sockets[0]).toBeInstanceOf(WeftSocket);
    // The server's peer is the weft connection's own end.
    expect(reply.body).toBe(`hello /a from ${String(sockets[0]?.localPort)}`);
  });

  it('talks to a server hosted on weft (NodeServerFactory), weft at both ends', async () => {
    const reactor = new NodeReactor();
    const factory = new NodeServerFactory(createServer(hello), { reactor });
    const listening = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
    cleanups.push(async () => {
      await listening.stopListening();
      await factory.close({ timeout: 0 });
    });
    const { port } = listening.getHost() as IPv4Address | IPv6Address;
    const { agent } = weftAgent(weftUndiciConnect({ reactor }));
    const reply = await text(`http://127.0.0.1:${port}/hosted`, agent);
    expect(reply.body).toMatch(/^hello \/hosted from \d+$/);
    expect(factory.connections).toBe(1);
  });

  it("serves Node 20's global fetch as its dispatcher", async () => {
    const port = await listen(
      createServer((req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: req.method, path: req.url }));
      }),
    );
    const { agent, sockets } = weftAgent();
    const res = await globalFetch(`http://127.0.0.1:${port}/json`, agent, {
      method: 'POST',
      body: 'x',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ method: 'POST', path: '/json' });
    expect(sockets).toHaveLength(1);
  });

  it('keeps one weft connection alive for several requests', async () => {
    const server = createServer(hello);
    let connections = 0;
    server.on('connection', () => connections++);
    const port = await listen(server);
    const { agent, sockets } = weftAgent();
    const bodies: string[] = [];
    for (const path of ['/1', '/2', '/3', '/4']) {
      bodies.push((await text(`http://127.0.0.1:${port}${path}`, agent)).body);
    }
    expect(sockets).toHaveLength(1);
    expect(connections).toBe(1);
    expect(new Set(bodies.map((b) => b.split(' from ')[1])).size).toBe(1);
  });

  it('fails the request with ConnectionRefusedError when nothing listens', async () => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const { agent } = weftAgent();
    await expect(text(`http://127.0.0.1:${port}/`, agent)).rejects.toBeInstanceOf(
      ConnectionRefusedError,
    );
  });

  it('rejects fetch with DNSLookupError as the cause for a name that does not resolve', async () => {
    const { agent } = weftAgent();
    const err: unknown = await globalFetch('http://nonexistent.invalid/', agent).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TypeError); // fetch's own 'fetch failed'
    expect((err as Error).cause).toBeInstanceOf(DNSLookupError);
  });

  it('streams a request body with backpressure: a paused server holds the body back', async () => {
    const CHUNK = 64 * 1024;
    const TOTAL = 64 * 1024 * 1024;
    let received = 0;
    let serverReq: IncomingMessage | undefined;
    const server = createServer((req, res) => {
      serverReq = req;
      req.pause();
      req.on('data', (d: Buffer) => (received += d.length));
      req.on('end', () => res.end(String(received)));
    });
    const port = await listen(server);
    let produced = 0;
    const body = new Readable({
      read() {
        if (produced >= TOTAL) this.push(null);
        else {
          produced += CHUNK;
          this.push(Buffer.alloc(CHUNK, 0x61));
        }
      },
    });
    const { agent, sockets } = weftAgent();
    const reply = text(`http://127.0.0.1:${port}/upload`, agent, { method: 'PUT', body });
    // Wait until the producer has stopped: the same count for 50 turns of the event loop
    // (bounded: at most 20 000 turns).
    let last = -1;
    let still = 0;
    for (let turn = 0; turn < 20_000 && still < 50; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
      still = produced === last && serverReq !== undefined ? still + 1 : 0;
      last = produced;
    }
    expect(still).toBe(50);
    // The kernel's loopback buffers and the streams' high-water marks hold a few MiB at most.
    expect(produced).toBeLessThan(16 * 1024 * 1024);
    expect(sockets[0]?.writableNeedDrain).toBe(true);
    serverReq?.resume();
    expect(await reply).toEqual({ status: 200, body: String(TOTAL) });
    expect(received).toBe(TOTAL);
  });

  describe('over TLS', () => {
    it('verifies the server against the given trust root and talks HTTPS', async () => {
      const certs = await testCertificates();
      const port = await listen(
        createHttpsServer({ key: certs.server.privateKey, cert: certs.server.certificate }, hello),
      );
      const { agent, sockets } = weftAgent(weftUndiciConnect({ tls: { trustRoot: certs.ca } }));
      const reply = await text(`https://127.0.0.1:${port}/secure`, agent);
      expect(reply.body).toMatch(/^hello \/secure from \d+$/);
      expect(sockets[0]?.encrypted).toBe(true);
      expect(sockets[0]?.alpnProtocol).toBe('http/1.1');
      // Through fetch too, by host name (SNI), and the connection is reused.
      const res = await globalFetch(`https://127.0.0.1:${port}/again`, agent);
      expect(await res.text()).toMatch(/^hello \/again from \d+$/);
      expect(sockets).toHaveLength(1);
    });

    it('talks to an https.Server hosted on a weft TLS port: weft does the TLS at both ends', async () => {
      const certs = await testCertificates();
      const reactor = new NodeReactor();
      // An https.Server hosted on listenSSL gets connections whose TLS weft already did
      // ('secureConnection'); its own certificate options are not used.
      const https = createHttpsServer((req, res) => {
        const socket = req.socket as Socket & { encrypted?: boolean };
        res.end(`${String(socket.encrypted)} ${String(socket.remoteAddress)}`);
      });
      const factory = new NodeServerFactory(https, { reactor });
      const listening = await reactor.listenSSL(0, factory, certs.server, {
        interface: '127.0.0.1',
      });
      cleanups.push(async () => {
        await listening.stopListening();
        await factory.close({ timeout: 0 });
      });
      const { port } = listening.getHost() as IPv4Address | IPv6Address;
      const connect = weftUndiciConnect({ reactor, tls: { trustRoot: certs.ca } });
      const { agent } = weftAgent(connect);
      const reply = await text(`https://localhost:${port}/`, agent);
      expect(reply.body).toBe('true 127.0.0.1');
    });

    it('fails the attempt with CertificateVerificationError for a certificate it cannot verify', async () => {
      const certs = await testCertificates();
      const port = await listen(
        createHttpsServer(
          { key: certs.selfSigned.privateKey, cert: certs.selfSigned.certificate },
          hello,
        ),
      );
      const { agent, sockets } = weftAgent(weftUndiciConnect({ tls: { trustRoot: certs.ca } }));
      const err: unknown = await text(`https://127.0.0.1:${port}/`, agent).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CertificateVerificationError);
      expect(err).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
      expect(sockets).toHaveLength(0);
    });

    it('speaks HTTP/2 when allowH2 is set and the server picks h2 by ALPN', async () => {
      const certs = await testCertificates();
      const server = createSecureServer(
        { key: certs.server.privateKey, cert: certs.server.certificate, allowHTTP1: true },
        (req: Http2ServerRequest, res: Http2ServerResponse) => {
          res.end(`HTTP/${req.httpVersion} ${req.url}`);
        },
      );
      const port = await listen(server);
      const connect = weftUndiciConnect({ tls: { trustRoot: certs.ca }, allowH2: true });
      const { agent, sockets } = weftAgent(connect);
      expect((await text(`https://127.0.0.1:${port}/h2`, agent)).body).toBe('HTTP/2.0 /h2');
      expect((await text(`https://127.0.0.1:${port}/again`, agent)).body).toBe('HTTP/2.0 /again');
      expect(sockets).toHaveLength(1);
      expect(sockets[0]?.alpnProtocol).toBe('h2');
      // Without allowH2 the same server answers HTTP/1.1.
      const { agent: h1 } = weftAgent(weftUndiciConnect({ tls: { trustRoot: certs.ca } }));
      expect((await text(`https://127.0.0.1:${port}/h1`, h1)).body).toBe('HTTP/1.1 /h1');
    });
  });

  describe('what it asks the reactor for (MemoryReactor)', () => {
    /** A MemoryReactorClock that records connectSSL calls too (as TCP connections in memory). */
    class SSLMemoryReactor extends MemoryReactorClock {
      readonly sslClients: [string, number, ClientTLSOptions][] = [];
      connectSSL(
        host: string,
        port: number,
        factory: IProtocolFactory,
        options: ClientTLSOptions,
        connectOptions?: ConnectTCPOptions,
      ): IConnector {
        this.sslClients.push([host, port, options]);
        return this.connectTCP(host, port, factory, connectOptions);
      }
    }

    function target(protocol: string, extra: Partial<UndiciConnectOptions> = {}) {
      return { hostname: 'example.test', protocol, port: '', servername: undefined, ...extra };
    }

    it("connects to the protocol's default port, with the timeout and local address asked for", () => {
      const reactor = new SSLMemoryReactor();
      const connect = weftUndiciConnect({ reactor, connectTimeout: 5 });
      const results: unknown[] = [];
      connect(target('http:', { localAddress: '127.0.0.2' }), (...args) => results.push(args));
      connect(target('https:'), (...args) => results.push(args));
      expect(
        reactor.tcpClients.map(([host, port, , timeout, bind]) => [host, port, timeout, bind]),
      ).toEqual([
        ['example.test', 80, 5, ['127.0.0.2', 0]],
        ['example.test', 443, 5, null],
      ]);
      // Called back only once connected: a plain connection at 'connect'.
      const factory = reactor.tcpClients[0]?.[2];
      const protocol = factory?.buildProtocol(new IPv4Address('TCP', '192.0.2.1', 80));
      protocol?.makeConnection(new StringTransport());
      expect(results).toHaveLength(1);
      expect((results[0] as unknown[])[1]).toBeInstanceOf(WeftSocket);
    });

    it('verifies and sends as SNI tls.hostname, else servername, else the host; offers h2 with allowH2', () => {
      const reactor = new SSLMemoryReactor();
      const noop = (): void => undefined;
      weftUndiciConnect({ reactor })(target('https:'), noop);
      weftUndiciConnect({ reactor, allowH2: true })(
        target('https:', { servername: 'api.test' }),
        noop,
      );
      weftUndiciConnect({ reactor, tls: { hostname: 'fixed.test', verify: false } })(
        target('https:', { servername: 'api.test' }),
        noop,
      );
      expect(reactor.sslClients.map(([, , tls]) => tls)).toEqual([
        { hostname: 'example.test', acceptableProtocols: ['http/1.1'] },
        { hostname: 'api.test', acceptableProtocols: ['h2', 'http/1.1'] },
        { hostname: 'fixed.test', acceptableProtocols: ['http/1.1'], verify: false },
      ]);
    });

    it('keeps one TLS options object per host name, for at most 100 names', () => {
      const reactor = new SSLMemoryReactor();
      const connect = weftUndiciConnect({ reactor });
      const noop = (): void => undefined;
      connect(target('https:'), noop);
      connect(target('https:'), noop);
      const [first, again] = reactor.sslClients.map(([, , tls]) => tls);
      expect(again).toBe(first);
      for (let i = 0; i < 100; i++) connect(target('https:', { hostname: `h${i}.test` }), noop);
      connect(target('https:'), noop);
      const last = reactor.sslClients.at(-1)?.[2];
      expect(last).toEqual(first);
      expect(last).not.toBe(first); // the oldest name was dropped, so it was made again
    });
  });

  it('refuses to upgrade an existing socket (httpSocket) with a TypeError', () => {
    const target: UndiciConnectOptions = {
      hostname: '127.0.0.1',
      protocol: 'https:',
      port: '443',
      httpSocket: new WeftSocket(),
    };
    let result: [Error | null, Socket | null] | undefined;
    weftUndiciConnect()(target, (...args) => (result = args));
    expect(result?.[0]).toBeInstanceOf(TypeError);
    expect(result?.[1]).toBeNull();
  });
});
