// TLS through the Node adapters, with certificates made at test time by openssl (test CA) and
// verification on everywhere: a native tls.Server adopted by adoptServer, transportFromStream
// over a TLSSocket, WeftSocket over a weft TLS connection (encrypted, alpnProtocol), Express
// hosted on a weft listenSSL port, and Node's own https.Server hosted on weft (TCP and in memory).
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { RequestOptions } from 'node:https';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect as netConnect } from 'node:net';
import { duplexPair } from 'node:stream';
import {
  connect as tlsConnect,
  createSecureContext,
  createServer as createTLSServer,
  TLSSocket,
} from 'node:tls';

import express from 'express';
import { describe, expect, it } from 'vitest';

import {
  adoptServer,
  NodeServerFactory,
  transportFromStream,
  WeftSocket,
} from '../../../adapters/node/index.js';
import type { IPv4Address, IPv6Address } from '../../../src/core/address.js';
import { ConnectionAborted, ConnectionDone } from '../../../src/core/errors.js';
import type { Failure } from '../../../src/core/failure.js';
import type { IStreamTransport } from '../../../src/core/interfaces/index.js';
import { Factory, Protocol } from '../../../src/core/protocol.js';
import { NodeReactor } from '../../../src/node/reactor.js';
import { connectedServerAndClient } from '../../../src/testing/iosim.js';
import { cleanupsAfterEach } from '../../support/cleanups.js';
import { testCertificates } from '../../support/tls-certs.js';
import { drive, type Reply } from './http-helpers.js';

const cleanups = cleanupsAfterEach();

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport.write(data);
  }
}

/** Writes 1 MiB at connectionMade, then closes; `onLost` gets the connectionLost reason. */
class WriteThenClose extends Protocol {
  readonly #onLost: (reason: Failure) => void;

  constructor(onLost: (reason: Failure) => void) {
    super();
    this.#onLost = onLost;
  }

  override connectionMade(): void {
    const chunk = new Uint8Array(4096).fill(7);
    for (let sent = 0; sent < 1024 * 1024; sent += chunk.length) this.transport.write(chunk);
    this.transport.loseConnection();
  }
  override connectionLost(reason: Failure): void {
    this.#onLost(reason);
  }
}

/** One HTTPS request, resolving with the whole response. */
function fetchOver(options: RequestOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // Without an agent, so each request has its own connection, or the one createConnection gives.
    const own = options.createConnection === undefined ? { agent: false } : {};
    const req = httpsRequest({ ...own, ...options }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A fresh reactor, shut down after the test. */
function newReactor(): NodeReactor {
  const reactor = new NodeReactor();
  cleanups.push(async () => {
    const done = reactor.run({ installSignalHandlers: false });
    reactor.stop();
    await done;
  });
  return reactor;
}

function portOf(host: unknown): number {
  return (host as IPv4Address | IPv6Address).port;
}

/** An app that reports what Express sees of the connection. */
function expressApp(): express.Express {
  const app = express();
  app.get('/whoami', (req, res) => {
    res.json({ protocol: req.protocol, secure: req.secure, ip: req.ip ?? null });
  });
  app.get('/addresses', (req, res) => {
    const { remoteFamily, localAddress, localPort } = req.socket;
    res.json({ remoteFamily, localAddress, localPort });
  });
  return app;
}

describe('adoptServer with a native tls.Server', () => {
  it("runs a weft protocol over each 'secureConnection', verified by the client, and aborts with a reset", async () => {
    const certs = await testCertificates();
    const server = createTLSServer({
      key: certs.server.privateKey,
      cert: certs.server.certificate,
    });
    const peers: string[] = [];
    const factory = new (class extends Factory<Echo> {
      override buildProtocol(addr: IPv4Address): Echo {
        peers.push(addr.host);
        const p = new Echo();
        built.push(p);
        return p;
      }
    })();
    factory.noisy = false;
    const built: Echo[] = [];
    using _adopted = adoptServer(server, factory);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as AddressInfo;
    const client = tlsConnect({ host: '127.0.0.1', port, ca: certs.ca, servername: 'localhost' });
    await once(client, 'secureConnect');
    expect(client.authorized).toBe(true);
    client.write('hello over TLS');
    const [echoed] = (await once(client, 'data')) as [Buffer];
    expect(echoed.toString()).toBe('hello over TLS');
    expect(peers).toEqual(['127.0.0.1']);
    // A TLS socket cannot reset itself; the adapter resets the TCP socket under it.
    const errors: string[] = [];
    client.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.name));
    const closed = new Promise((resolve) => client.once('close', resolve));
    const transport = built[0]?.transport as unknown as { abortConnection(): void };
    transport.abortConnection();
    await closed;
    expect(errors).toEqual(['ECONNRESET']);
  });
  it("resets the connection when the protocol aborts from connectionMade, inside 'secureConnection'", async () => {
    // Node emits 'secureConnection' from within OpenSSL's read; an abort there used to free the TLS
    // state before OpenSSL returned, and crash the process.
    const certs = await testCertificates();
    const server = createTLSServer({
      key: certs.server.privateKey,
      cert: certs.server.certificate,
    });
    const lost: Failure[] = [];
    class AbortAtOnce extends Protocol<IStreamTransport> {
      override connectionMade(): void {
        this.transport.abortConnection();
      }
      override connectionLost(reason: Failure): void {
        lost.push(reason);
      }
    }
    const factory = Factory.forProtocol(AbortAtOnce);
    factory.noisy = false;
    using _adopted = adoptServer(server, factory);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as AddressInfo;
    const client = tlsConnect({ host: '127.0.0.1', port, ca: certs.ca, servername: 'localhost' });
    const errors: string[] = [];
    client.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.name));
    await new Promise((resolve) => client.once('close', resolve));
    expect(errors).toEqual(['ECONNRESET']);
    expect(lost.map((r) => r.value)).toEqual([expect.any(ConnectionAborted)]);
  });
});

describe('transportFromStream over a TLSSocket', () => {
  it('talks to a native TLS echo server through the verified client socket, and closes cleanly', async () => {
    const certs = await testCertificates();
    const server = createTLSServer(
      { key: certs.server.privateKey, cert: certs.server.certificate },
      (socket) => socket.pipe(socket),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as AddressInfo;
    const secure = tlsConnect({ host: '127.0.0.1', port, ca: certs.ca, servername: 'localhost' });
    await once(secure, 'secureConnect');
    const lost = new Promise<Failure>((resolve) => {
      const proto = new (class extends Protocol {
        received = '';
        override connectionMade(): void {
          this.transport.write('ping');
        }
        override dataReceived(data: Uint8Array): void {
          this.received += Buffer.from(data).toString();
          if (this.received === 'ping') this.transport.loseConnection();
        }
        override connectionLost(reason: Failure): void {
          resolve(reason);
        }
      })();
      const transport = transportFromStream(secure, proto);
      expect(portOf(transport.getPeer())).toBe(port);
    });
    expect((await lost).value).toBeInstanceOf(ConnectionDone);
  });

  it('resets the TCP connection of a tls.connect socket on abortConnection(): the server sees ECONNRESET', async () => {
    const certs = await testCertificates();
    const serverErrors: string[] = [];
    let serverClosed: Promise<unknown> | undefined;
    const server = createTLSServer(
      { key: certs.server.privateKey, cert: certs.server.certificate },
      (socket) => {
        socket.on('error', (e: NodeJS.ErrnoException) => serverErrors.push(e.code ?? e.name));
        serverClosed = new Promise((resolve) => socket.once('close', resolve));
        socket.write('hello'); // after the session tickets: the client aborts once all is read
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as AddressInfo;
    const secure = tlsConnect({ host: '127.0.0.1', port, ca: certs.ca, servername: 'localhost' });
    await once(secure, 'secureConnect');
    const lost = new Promise<Failure>((resolve) => {
      transportFromStream(
        secure,
        new (class extends Protocol<IStreamTransport> {
          override dataReceived(): void {
            this.transport.abortConnection();
          }
          override connectionLost(reason: Failure): void {
            resolve(reason);
          }
        })(),
      );
    });
    expect((await lost).value).toBeInstanceOf(ConnectionAborted);
    await serverClosed;
    expect(serverErrors).toEqual(['ECONNRESET']);
  });

  it('delivers 1 MiB written just after secureConnect, then closes cleanly on both ends', async () => {
    // The server's session tickets arrive after 'secureConnect': closing with them unread used to
    // reset the connection, and the server lost what it had not read yet.
    const certs = await testCertificates();
    let received = 0;
    let clientLost: Promise<Failure> | undefined;
    const serverLost = new Promise<Failure>((resolve) => {
      const server = createTLSServer(
        { key: certs.server.privateKey, cert: certs.server.certificate },
        (socket) => {
          transportFromStream(
            socket,
            new (class extends Protocol {
              override dataReceived(data: Uint8Array): void {
                received += data.length;
              }
              override connectionLost(reason: Failure): void {
                resolve(reason);
              }
            })(),
          );
        },
      );
      cleanups.push(() => new Promise((done) => server.close(done)));
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        const secure = tlsConnect({
          host: '127.0.0.1',
          port,
          ca: certs.ca,
          servername: 'localhost',
        });
        secure.once('secureConnect', () => {
          clientLost = new Promise((resolveClient) => {
            transportFromStream(secure, new WriteThenClose(resolveClient));
          });
        });
      });
    });
    expect((await serverLost).value).toBeInstanceOf(ConnectionDone);
    expect(received).toBe(1024 * 1024);
    expect((await clientLost)?.value).toBeInstanceOf(ConnectionDone);
  });

  it('aborts a TLSSocket over a JavaScript stream (no TCP handle under it) by destroying it', async () => {
    const certs = await testCertificates();
    const [near, far] = duplexPair();
    const server = new TLSSocket(far, {
      isServer: true,
      secureContext: createSecureContext({
        key: certs.server.privateKey,
        cert: certs.server.certificate,
      }),
    });
    server.on('error', () => undefined);
    cleanups.push(() => server.destroy());
    const secure = tlsConnect({ socket: near, ca: certs.ca, servername: 'localhost' });
    await once(secure, 'secureConnect');
    const lost = new Promise<Failure>((resolve) => {
      const transport = transportFromStream(
        secure,
        new (class extends Protocol {
          override connectionLost(reason: Failure): void {
            resolve(reason);
          }
        })(),
      );
      transport.abortConnection();
    });
    expect((await lost).value).toBeInstanceOf(ConnectionAborted);
    expect(secure.destroyed).toBe(true);
  });
});

describe('WeftSocket over a weft TLS connection', () => {
  it('reports encrypted and the ALPN protocol once the handshake is done; neither over plain TCP', async () => {
    const certs = await testCertificates();
    const reactor = newReactor();
    const sockets: WeftSocket[] = [];
    const factory = new (class extends Factory<WeftSocket['protocol']> {
      override buildProtocol(): WeftSocket['protocol'] {
        const socket = new WeftSocket({ reactor });
        socket.on('data', (d: Buffer) => socket.write(d));
        socket.on('error', () => undefined); // the reactor's shutdown loses what is still open
        sockets.push(socket);
        return socket.protocol;
      }
    })();
    factory.noisy = false;
    const tlsPort = await reactor.listenSSL(
      0,
      factory,
      { ...certs.server, acceptableProtocols: ['weft-test', 'http/1.1'] },
      { interface: '127.0.0.1' },
    );
    const tcpPort = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
    cleanups.push(() => tlsPort.stopListening());
    cleanups.push(() => tcpPort.stopListening());
    const client = tlsConnect({
      host: '127.0.0.1',
      port: portOf(tlsPort.getHost()),
      ca: certs.ca,
      servername: 'localhost',
      ALPNProtocols: ['weft-test'],
    });
    await once(client, 'secureConnect');
    client.write('x');
    await once(client, 'data'); // the server side has read, so its handshake is done
    const [overTLS] = sockets;
    expect(overTLS?.encrypted).toBe(true);
    expect(overTLS?.alpnProtocol).toBe('weft-test');
    client.end();

    const plain = netConnect({ host: '127.0.0.1', port: portOf(tcpPort.getHost()) });
    plain.write('y');
    await once(plain, 'data');
    const overTCP = sockets[1];
    expect(overTCP?.encrypted).toBeUndefined();
    expect(overTCP?.alpnProtocol).toBeUndefined();
    plain.end();
  });
});

describe('NodeServerFactory with TLS', () => {
  it('serves Express on a weft listenSSL port to a verifying https client (req.secure, req.protocol https)', async () => {
    const certs = await testCertificates();
    const reactor = newReactor();
    const factory = new NodeServerFactory(createHttpServer(expressApp()), { reactor });
    const port = await reactor.listenSSL(0, factory, certs.server, { interface: '127.0.0.1' });
    cleanups.push(async () => {
      await port.stopListening();
      await factory.close({ timeout: 0 });
    });
    const options = { host: '127.0.0.1', port: portOf(port.getHost()), path: '/whoami' };
    const reply = await fetchOver({ ...options, ca: certs.ca, servername: 'localhost' });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ protocol: 'https', secure: true, ip: '127.0.0.1' });
    // Verification is real: without the test CA the client refuses the server.
    await expect(fetchOver(options)).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });

  it("hosts Node's own https.Server on a weft TCP port: Node does the TLS over the WeftSocket", async () => {
    const certs = await testCertificates();
    const reactor = newReactor();
    const https = createHttpsServer(
      { key: certs.server.privateKey, cert: certs.server.certificate },
      expressApp(),
    );
    const factory = new NodeServerFactory(https, { reactor });
    const port = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
    cleanups.push(async () => {
      await port.stopListening();
      await factory.close({ timeout: 0 });
    });
    const reply = await fetchOver({
      host: '127.0.0.1',
      port: portOf(port.getHost()),
      path: '/whoami',
      ca: certs.ca,
      servername: 'localhost',
    });
    // Node's TLSSocket over a JavaScript stream has no handle that knows the addresses: the
    // factory gives it the WeftSocket's, so req.ip is the weft peer here too.
    expect(JSON.parse(reply.body)).toEqual({ protocol: 'https', secure: true, ip: '127.0.0.1' });
    const addresses = await fetchOver({
      host: '127.0.0.1',
      port: portOf(port.getHost()),
      path: '/addresses',
      ca: certs.ca,
      servername: 'localhost',
    });
    expect(JSON.parse(addresses.body)).toEqual({
      remoteFamily: 'IPv4',
      localAddress: '127.0.0.1',
      localPort: portOf(port.getHost()),
    });
  });

  it("hosts Node's https.Server in memory: TLS both ways over an IOPump pair, verified", async () => {
    const certs = await testCertificates();
    const https = createHttpsServer(
      { key: certs.server.privateKey, cert: certs.server.certificate },
      expressApp(),
    );
    const factory = new NodeServerFactory(https);
    const raw = new WeftSocket({ allowHalfOpen: false });
    const { pump } = connectedServerAndClient(factory, { buildProtocol: () => raw.protocol });
    cleanups.push(drive(pump));
    let secure: TLSSocket | undefined;
    const reply = await fetchOver({
      path: '/whoami',
      createConnection: () => {
        secure = tlsConnect({ socket: raw, ca: certs.ca, servername: 'localhost' });
        return secure;
      },
    });
    expect(secure?.authorized).toBe(true);
    expect(JSON.parse(reply.body)).toMatchObject({ protocol: 'https', secure: true });
  });
});
