// TLS endpoints (SSL4ServerEndpoint, SSL4ClientEndpoint) and TLS over other endpoints
// (wrapClientTLS, wrapServerTLS) over real loopback and UNIX sockets, with certificates made at
// test time (test/support/tls-certs.ts). Every wait is on a promise fired by a callback.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it, onTestFinished } from 'vitest';

import {
  CannotListenError,
  CertificateVerificationError,
  ConnectingCancelledError,
  ConnectionDone,
  Failure,
  NoProtocol,
  TimeoutError,
  TLSHandshakeTimeoutError,
  TLSOptionsError,
} from '../../src/core/index.js';
import type { ClientTLSOptions, IStreamClientEndpoint } from '../../src/core/index.js';
import {
  HostnameEndpoint,
  SSL4ClientEndpoint,
  SSL4ServerEndpoint,
  TCP4ClientEndpoint,
  TCP4ServerEndpoint,
  UNIXClientEndpoint,
  UNIXServerEndpoint,
  wrapClientTLS,
  wrapServerTLS,
} from '../../src/node/index.js';
import type { NodeReactor } from '../../src/node/reactor.js';
import { MemoryResolver } from '../../src/testing/index.js';
import { LogCapture } from '../../src/testing/log-capture.js';
import type { TestCertificates } from '../support/tls-certs.js';
import { testCertificates } from '../support/tls-certs.js';
import { freshReactor, later, portNumber, RecordingFactory } from './socket-helpers.js';
import { TLSRecorder } from './tls-helpers.js';

let certs: TestCertificates;
const ready = testCertificates().then((c) => {
  certs = c;
});

/** Records, in connectionMade, whether the handshake was already done (a peer certificate). */
class HandshakeProbe extends TLSRecorder {
  certificateAtMade: unknown = undefined;
  override connectionMade(): void {
    super.connectionMade();
    this.certificateAtMade = this.transport.getPeerCertificate();
  }
}

/** Echoes, recording. */
class TLSEcho extends TLSRecorder {
  override dataReceived(data: Uint8Array): void {
    super.dataReceived(data);
    this.transport.write(data);
  }
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-tls-endpoints-'));
  onTestFinished(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** A TLS echo server on 127.0.0.1 (listenSSL with the test CA's server certificate). */
async function tlsServer(
  reactor: NodeReactor,
): Promise<{ port: number; factory: RecordingFactory<TLSEcho> }> {
  const factory = new RecordingFactory(TLSEcho);
  const port = await new SSL4ServerEndpoint(reactor, 0, certs.server, {
    interface: '127.0.0.1',
  }).listen(factory);
  return { port: portNumber(port), factory };
}

/** A plain TCP server on 127.0.0.1 that accepts and never says anything. */
async function silentServer(): Promise<{ port: number; accepted: Promise<Socket> }> {
  const accepted = later<Socket>();
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    accepted.resolve(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as { port: number }).port, accepted: accepted.promise };
}

function clientOptions(extra: Partial<ClientTLSOptions> = {}): ClientTLSOptions {
  return { trustRoot: certs.ca, ...extra };
}

async function failureOf(d: PromiseLike<unknown>): Promise<Error & { code?: string }> {
  try {
    await d;
  } catch (e) {
    return (e instanceof Failure ? e.value : e) as Error & { code?: string };
  }
  throw new Error('expected a failure');
}

describe('SSL4ServerEndpoint', () => {
  it('listens with listenSSL: a TLS client connects, verifies and gets its bytes echoed', async () => {
    await ready;
    const reactor = freshReactor();
    const { port, factory } = await tlsServer(reactor);
    const client = await new SSL4ClientEndpoint(
      reactor,
      '127.0.0.1',
      port,
      clientOptions(),
    ).connect(new RecordingFactory(TLSRecorder));
    client.transport.write('ping');
    expect((await client.bytes(4)).toString()).toBe('ping');
    const server = await factory.connection(0);
    expect(server.events.slice(0, 2)).toEqual(['made', 'handshake']);
  });

  it('fails listen with TLSOptionsError when the key file cannot be read', async () => {
    await ready;
    const reactor = freshReactor();
    const endpoint = new SSL4ServerEndpoint(reactor, 0, {
      certificate: certs.server.certificatePath,
      privateKey: join(tempDir(), 'missing.key'),
    });
    const err = await failureOf(endpoint.listen(new RecordingFactory(TLSRecorder)));
    expect(err).toBeInstanceOf(TLSOptionsError);
    expect(err.code).toBe('ENOENT');
  });

  it('fails listen with CannotListenError when the port is taken', async () => {
    await ready;
    const reactor = freshReactor();
    const { port } = await tlsServer(reactor);
    const err = await failureOf(
      new SSL4ServerEndpoint(reactor, port, certs.server, { interface: '127.0.0.1' }).listen(
        new RecordingFactory(TLSRecorder),
      ),
    );
    expect(err).toBeInstanceOf(CannotListenError);
  });
});

describe('SSL4ClientEndpoint', () => {
  it('fires once connected, before the handshake, as Twisted; a bad certificate reaches connectionLost', async () => {
    await ready;
    const reactor = freshReactor();
    const { port } = await tlsServer(reactor);
    const endpoint = new SSL4ClientEndpoint(reactor, '127.0.0.1', port, { hostname: 'localhost' });
    const client = await endpoint.connect(new RecordingFactory(HandshakeProbe));
    expect(client.certificateAtMade).toBeNull();
    const reason = await client.lost;
    expect(reason.value).toBeInstanceOf(CertificateVerificationError);
    expect(client.events).not.toContain('handshake');
  });

  it('stops the attempt when cancelled while connecting: ConnectingCancelledError, no protocol', async () => {
    await ready;
    const reactor = freshReactor();
    const { port } = await tlsServer(reactor);
    const factory = new RecordingFactory(TLSRecorder);
    const d = new SSL4ClientEndpoint(reactor, '127.0.0.1', port, clientOptions()).connect(factory);
    d.cancel();
    expect(await failureOf(d)).toBeInstanceOf(ConnectingCancelledError);
    expect(factory.built).toEqual([]);
  });

  it('fails with the error of a bad argument instead of throwing', async () => {
    await ready;
    const reactor = freshReactor();
    const endpoint = new SSL4ClientEndpoint(reactor, '127.0.0.1', 1, clientOptions(), {
      timeout: -1,
    });
    expect(await failureOf(endpoint.connect(new RecordingFactory(TLSRecorder)))).toBeInstanceOf(
      RangeError,
    );
  });
});

describe('wrapClientTLS', () => {
  it('completes the handshake over a TCP endpoint before connectionMade, then fires', async () => {
    await ready;
    const reactor = freshReactor();
    const { port } = await tlsServer(reactor);
    const endpoint = wrapClientTLS(
      clientOptions({ hostname: 'localhost' }),
      new TCP4ClientEndpoint(reactor, '127.0.0.1', port),
    );
    const client = await endpoint.connect(new RecordingFactory(HandshakeProbe));
    expect(client.certificateAtMade).not.toBeNull();
    expect(client.events).toEqual(['made', 'handshake']);
    client.transport.write('over tcp');
    expect((await client.bytes(8)).toString()).toBe('over tcp');
    client.transport.loseConnection();
    expect((await client.lost).value).toBeInstanceOf(ConnectionDone);
  });

  it('verifies the wrapped endpoint host by default: the certificate must match it', async () => {
    await ready;
    const reactor = freshReactor();
    const { port } = await tlsServer(reactor);
    reactor.installNameResolver(new MemoryResolver({ 'wrong.test': ['127.0.0.1'] }));
    const factory = new RecordingFactory(HandshakeProbe);
    const endpoint = wrapClientTLS(
      clientOptions(),
      new HostnameEndpoint(reactor, 'wrong.test', port),
    );
    const err = await failureOf(endpoint.connect(factory));
    expect(err).toBeInstanceOf(CertificateVerificationError);
    expect(err.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(factory.built[0]?.events ?? []).toEqual([]); // built, never connected
  });

  it('runs over a HostnameEndpoint, verifying the name it connected to', async () => {
    await ready;
    const reactor = freshReactor();
    const { port } = await tlsServer(reactor);
    reactor.installNameResolver(new MemoryResolver({ localhost: ['::1', '127.0.0.1'] }));
    const endpoint = wrapClientTLS(
      clientOptions(),
      new HostnameEndpoint(reactor, 'localhost', port),
    );
    const client = await endpoint.connect(new RecordingFactory(HandshakeProbe));
    expect(client.certificateAtMade).not.toBeNull();
    client.transport.write('by name');
    expect((await client.bytes(7)).toString()).toBe('by name');
  });

  it('fails with CertificateVerificationError for an unknown CA; the protocol is never connected', async () => {
    await ready;
    const reactor = freshReactor();
    const { port } = await tlsServer(reactor);
    const factory = new RecordingFactory(HandshakeProbe);
    const endpoint = wrapClientTLS(
      { hostname: 'localhost', trustRoot: certs.selfSigned.certificate },
      new TCP4ClientEndpoint(reactor, '127.0.0.1', port),
    );
    expect(await failureOf(endpoint.connect(factory))).toBeInstanceOf(CertificateVerificationError);
    expect(factory.built.every((p) => p.events.length === 0)).toBe(true);
  });

  it('fails with NoProtocol when the factory builds no protocol', async () => {
    await ready;
    const reactor = freshReactor();
    const factory = new RecordingFactory(TLSRecorder);
    factory.buildProtocol = () => null;
    const { port } = await tlsServer(reactor);
    const endpoint = wrapClientTLS(
      clientOptions(),
      new TCP4ClientEndpoint(reactor, '127.0.0.1', port),
    );
    expect(await failureOf(endpoint.connect(factory))).toBeInstanceOf(NoProtocol);
  });

  it('aborts the connection when cancelled mid-handshake: ConnectingCancelledError, never connected', async () => {
    await ready;
    const reactor = freshReactor();
    const silent = await silentServer();
    const factory = new RecordingFactory(TLSRecorder);
    const d = wrapClientTLS(
      clientOptions({ hostname: 'localhost' }),
      new TCP4ClientEndpoint(reactor, '127.0.0.1', silent.port),
    ).connect(factory);
    const socket = await silent.accepted;
    const closed = new Promise((resolve) => socket.once('close', resolve));
    d.cancel();
    expect(await failureOf(d)).toBeInstanceOf(ConnectingCancelledError);
    await closed; // the peer sees the connection go
    expect(factory.built.every((p) => p.events.length === 0)).toBe(true);
  });

  it('stops the attempt when cancelled while connecting', async () => {
    await ready;
    const reactor = freshReactor();
    const { port, factory: serverFactory } = await tlsServer(reactor);
    const factory = new RecordingFactory(TLSRecorder);
    const d = wrapClientTLS(
      clientOptions(),
      new TCP4ClientEndpoint(reactor, '127.0.0.1', port),
    ).connect(factory);
    d.cancel();
    expect(await failureOf(d)).toBeInstanceOf(ConnectingCancelledError);
    expect(factory.built).toEqual([]);
    expect(serverFactory.built.length).toBeLessThanOrEqual(1);
  });

  it('fails with TLSHandshakeTimeoutError when the peer never speaks TLS (real clock)', async () => {
    await ready;
    const reactor = freshReactor();
    const silent = await silentServer();
    const endpoint = wrapClientTLS(
      clientOptions({ hostname: 'localhost', handshakeTimeout: 0.2 }),
      new TCP4ClientEndpoint(reactor, '127.0.0.1', silent.port),
    );
    const err = await failureOf(endpoint.connect(new RecordingFactory(TLSRecorder)));
    expect(err).toBeInstanceOf(TLSHandshakeTimeoutError);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.code).toBe('ERR_TLS_HANDSHAKE_TIMEOUT');
    expect((err as { timeout?: number }).timeout).toBe(0.2);
  });

  it('runs over UNIX sockets (wrapServerTLS on the listening side), verifying hostname', async () => {
    await ready;
    const reactor = freshReactor();
    const path = join(tempDir(), 's');
    const serverFactory = new RecordingFactory(TLSEcho);
    await wrapServerTLS(certs.server, new UNIXServerEndpoint(reactor, path)).listen(serverFactory);
    const client = await wrapClientTLS(
      clientOptions({ hostname: 'localhost' }),
      new UNIXClientEndpoint(reactor, path),
    ).connect(new RecordingFactory(HandshakeProbe));
    expect(client.certificateAtMade).not.toBeNull();
    client.transport.write('over unix');
    expect((await client.bytes(9)).toString()).toBe('over unix');
    const server = await serverFactory.connection(0);
    expect(server.events.slice(0, 2)).toEqual(['made', 'handshake']);
  });

  it('refuses to verify over UNIX without a hostname (TypeError), unless verify is false', async () => {
    await ready;
    const reactor = freshReactor();
    const path = join(tempDir(), 's');
    await wrapServerTLS(certs.server, new UNIXServerEndpoint(reactor, path)).listen(
      new RecordingFactory(TLSEcho),
    );
    const unix: IStreamClientEndpoint = new UNIXClientEndpoint(reactor, path);
    using logs = new LogCapture();
    expect(
      await failureOf(
        wrapClientTLS(clientOptions(), unix).connect(new RecordingFactory(TLSRecorder)),
      ),
    ).toBeInstanceOf(TypeError);
    const client = await wrapClientTLS({ verify: false }, unix).connect(
      new RecordingFactory(HandshakeProbe),
    );
    expect(client.certificateAtMade).not.toBeNull();
    expect(logs.failures.map((f) => f.value)).toEqual([expect.any(TypeError)]);
  });

  it("fails with what the protocol's connectionMade threw, and closes the connection", async () => {
    await ready;
    const reactor = freshReactor();
    const { port, factory: serverFactory } = await tlsServer(reactor);
    class Thrower extends TLSRecorder {
      override connectionMade(): void {
        super.connectionMade();
        throw new RangeError('no thanks');
      }
    }
    using logs = new LogCapture();
    const endpoint = wrapClientTLS(
      clientOptions({ hostname: 'localhost' }),
      new TCP4ClientEndpoint(reactor, '127.0.0.1', port),
    );
    const factory = new RecordingFactory(Thrower);
    expect(await failureOf(endpoint.connect(factory))).toBeInstanceOf(RangeError);
    expect((await factory.built[0]?.lost)?.value).toBeInstanceOf(RangeError);
    await (
      await serverFactory.connection(0)
    ).lost;
    expect(logs.failures.length).toBe(1);
  });
});

describe('wrapClientTLS with a half-closeable protocol', () => {
  it("passes the peer's half-close through as readConnectionLost, and this end can still reply", async () => {
    await ready;
    const reactor = freshReactor();
    const serverFactory = new RecordingFactory(TLSEcho);
    const port = await new SSL4ServerEndpoint(reactor, 0, certs.server, {
      interface: '127.0.0.1',
    }).listen(serverFactory);
    const readClosed = later();
    class HalfCloser extends TLSRecorder {
      readConnectionLost(): void {
        this.events.push('readLost');
        this.transport.write('after');
        readClosed.resolve(undefined);
      }
      writeConnectionLost(): void {
        this.events.push('writeLost');
      }
    }
    const client = await wrapClientTLS(
      clientOptions({ hostname: 'localhost' }),
      new TCP4ClientEndpoint(reactor, '127.0.0.1', portNumber(port)),
    ).connect(new RecordingFactory(HalfCloser));
    const server = await serverFactory.connection(0);
    await server.handshake;
    server.transport.loseWriteConnection();
    await readClosed.promise;
    expect(client.events).toContain('readLost');
    expect((await server.bytes(5)).toString()).toBe('after');
  });
});

describe('wrapServerTLS', () => {
  it('speaks TLS as the server over a TCP endpoint', async () => {
    await ready;
    const reactor = freshReactor();
    const serverFactory = new RecordingFactory(TLSEcho);
    const port = await wrapServerTLS(
      certs.server,
      new TCP4ServerEndpoint(reactor, 0, { interface: '127.0.0.1' }),
    ).listen(serverFactory);
    const client = await new SSL4ClientEndpoint(
      reactor,
      '127.0.0.1',
      portNumber(port),
      clientOptions(),
    ).connect(new RecordingFactory(TLSRecorder));
    await client.handshake;
    client.transport.write('hi');
    expect((await client.bytes(2)).toString()).toBe('hi');
  });
});
