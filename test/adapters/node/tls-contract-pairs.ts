// Connected pairs of the transport contract's protocols over the Node adapters and TLS (test CA,
// verification on, ALPN 'weft-test'): transportFromStream over a native tls.Server socket and a
// tls.connect socket; a native tls.Server adopted by adoptServer, dialled by weft's connectSSL;
// and the chain weft TLS transport → WeftSocket → transportFromStream on both ends. A pair is
// handed out once both ends have completed the TLS handshake, and, where the client is a TLSSocket,
// once the server's TLS 1.3 session tickets have arrived: the server writes them just after its
// handshake, and Node reports a reset that arrives while its TLS socket writes them as a clean end
// of stream (the write fails with ECONNRESET, unseen, and the read after it sees EOF), so a test
// that aborts at once would race the end of the handshake.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ConnectionOptions, Server as TLSServer, TLSSocket } from 'node:tls';
import { connect as tlsConnect, createServer as createTLSServer } from 'node:tls';

import { adoptServer, transportFromStream, WeftSocket } from '../../../adapters/node/index.js';
import type { IPv4Address, IPv6Address } from '../../../src/core/address.js';
import type { IStreamTransport } from '../../../src/core/interfaces/index.js';
import { isStartTLSTransport } from '../../../src/core/interfaces/index.js';
import { ClientFactory, Factory } from '../../../src/core/protocol.js';
import { StreamTransport } from '../../../src/node/index.js';
import { NodeReactor } from '../../../src/node/reactor.js';
import type { TestCertificates } from '../../support/tls-certs.js';
import { testCertificates } from '../../support/tls-certs.js';
import type { MakePair, TransportPair } from '../../support/transport-pairs.js';
import { eventDrivenPair, waitForPoke } from '../../support/transport-pairs.js';
import type { Peer } from '../../support/transport-peers.js';
import { poke } from '../../support/transport-peers.js';
import { connected, HWM, shutDown, weftSocketChain } from './contract-pairs.js';

const ALPN = 'weft-test';

/**
 * Bytes a transport holds, written but not yet handed to the OS: its stream's buffer (a
 * `DuplexTransport`'s or weft's own TLS transport's), plus, under a WeftSocket, the buffer of the
 * weft transport that socket runs on.
 */
export function tlsBufferedBytes(transport: IStreamTransport): number {
  if (!(transport instanceof StreamTransport)) throw new TypeError('not a StreamTransport');
  const handle: unknown = (transport as StreamTransport<TLSSocket>).getHandle();
  let bytes = (handle as TLSSocket).writableLength;
  if (handle instanceof WeftSocket && handle.transport instanceof StreamTransport) {
    bytes += (handle.transport as StreamTransport).getHandle().writableLength;
  }
  return bytes;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}

/** Waits turn by turn (a handshake pokes nothing), bounded, until `done()`. */
async function turnsUntil(done: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`gave up waiting until ${what}`);
    await nextTurn();
  }
}

function handshakeDone(transport: unknown): boolean {
  return isStartTLSTransport(transport) && transport.negotiatedProtocol === ALPN;
}

/**
 * Resolves once `socket`, a TLS client socket, has received a session ticket, on the turn after:
 * Node emits `'session'` from within OpenSSL's read, and a write made there (before that call
 * returns) stays queued in the TLS socket until something else is read.
 */
function sessionTicket(socket: TLSSocket): Promise<void> {
  return new Promise((resolve) => {
    socket.once('session', () => {
      setImmediate(resolve);
    });
  });
}

/** A native `tls.Server` on 127.0.0.1, port 0, with the test server certificate; listening. */
async function nativeTLSServer(certs: TestCertificates): Promise<TLSServer> {
  const listener = createTLSServer({
    key: certs.server.privateKey,
    cert: certs.server.certificate,
    ALPNProtocols: [ALPN],
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  return listener;
}

function closeServer(listener: TLSServer): Promise<void> {
  return new Promise((resolve) => {
    listener.close(() => {
      resolve();
    });
  });
}

/** `tls.connect` to `port` on 127.0.0.1, verifying the server against the test CA. */
function nativeTLSClient(certs: TestCertificates, port: number): TLSSocket {
  const options: ConnectionOptions & { highWaterMark: number } = {
    host: '127.0.0.1',
    port,
    ca: certs.ca,
    servername: 'localhost',
    ALPNProtocols: [ALPN],
    highWaterMark: HWM,
  };
  return tlsConnect(options);
}

/**
 * Pairs over native TLS sockets: a `tls.Server`'s `'secureConnection'` socket and a `tls.connect`
 * socket, each wrapped by `transportFromStream`.
 */
export const tlsSocketPairs: MakePair = async <S extends Peer, C extends Peer>(
  Server: new () => S,
  Client: new () => C,
): Promise<TransportPair<S, C>> => {
  const certs = await testCertificates();
  const reactor = new NodeReactor();
  const server = new Server();
  const client = new Client();
  const listener = await nativeTLSServer(certs);
  listener.once('secureConnection', (socket: TLSSocket) => {
    transportFromStream(socket, server, { reactor });
    poke();
  });
  const socket = nativeTLSClient(certs, (listener.address() as AddressInfo).port);
  const ticket = sessionTicket(socket);
  socket.once('secureConnect', () => {
    transportFromStream(socket, client, { reactor });
    poke();
  });
  await waitForPoke(
    () => connected(server, client),
    'both ends of a TLS socket pair are connected',
  );
  await ticket;
  return eventDrivenPair(server, client, {
    release: async () => {
      await closeServer(listener);
      await shutDown(reactor);
    },
  });
};

/**
 * Pairs whose server end is a native `tls.Server` adopted by `adoptServer`, and whose client end
 * is weft's own TLS transport (`connectSSL`).
 */
export const adoptedTLSServerPairs: MakePair = async <S extends Peer, C extends Peer>(
  Server: new () => S,
  Client: new () => C,
): Promise<TransportPair<S, C>> => {
  const certs = await testCertificates();
  const reactor = new NodeReactor();
  const server = new Server();
  const client = new Client();
  const listener = await nativeTLSServer(certs);
  const serverFactory = new (class extends Factory<S> {
    override buildProtocol(): S {
      poke();
      return server;
    }
  })();
  serverFactory.noisy = false;
  const adopted = adoptServer(listener, serverFactory, { reactor });
  const clientFactory = new (class extends ClientFactory<C> {
    override buildProtocol(): C {
      return client;
    }
  })();
  clientFactory.noisy = false;
  reactor.connectSSL('127.0.0.1', (listener.address() as AddressInfo).port, clientFactory, {
    trustRoot: certs.ca,
    hostname: 'localhost',
    acceptableProtocols: [ALPN],
  });
  await waitForPoke(() => connected(server, client), 'both ends of an adopted pair are connected');
  // The server is made at its 'secureConnection', before the client can have read the tickets.
  const transport = client.transport as unknown;
  if (!(transport instanceof StreamTransport)) throw new TypeError('not a StreamTransport');
  const handle: unknown = (transport as StreamTransport).getHandle();
  await sessionTicket(handle as TLSSocket);
  await turnsUntil(() => handshakeDone(client.transport), 'the client handshake is done');
  return eventDrivenPair(server, client, {
    release: async () => {
      adopted.stop();
      await closeServer(listener);
      await shutDown(reactor);
    },
  });
};

/**
 * Pairs over weft TLS (`listenSSL`/`connectSSL` on 127.0.0.1) where each end's protocol is a
 * WeftSocket, and each WeftSocket is the stream of a DuplexTransport driving the suite's protocol:
 * Peer ⇄ DuplexTransport ⇄ WeftSocket ⇄ weft TLS transport ⇄ socket ⇄ ... ⇄ Peer.
 */
export const weftSocketTLSPairs: MakePair = async <S extends Peer, C extends Peer>(
  Server: new () => S,
  Client: new () => C,
): Promise<TransportPair<S, C>> => {
  const certs = await testCertificates();
  const reactor = new NodeReactor();
  const server = new Server();
  const client = new Client();
  const { serverFactory, clientFactory, sockets } = weftSocketChain(reactor, server, client);
  const port = await reactor.listenSSL(
    0,
    serverFactory,
    { ...certs.server, acceptableProtocols: [ALPN] },
    { interface: '127.0.0.1' },
  );
  const { port: number } = port.getHost() as IPv4Address | IPv6Address;
  reactor.connectSSL('127.0.0.1', number, clientFactory, {
    trustRoot: certs.ca,
    hostname: 'localhost',
    acceptableProtocols: [ALPN],
  });
  await waitForPoke(
    () => connected(server, client),
    'both ends of a WeftSocket chain are connected',
  );
  // A WeftSocket connects at the TCP connection, before the handshake: a close before it is done
  // is a failed handshake for the peer (TLSHandshakeError, a ConnectionLost), not ConnectionDone.
  await turnsUntil(
    () => sockets.length === 2 && sockets.every((s) => handshakeDone(s.transport)),
    'both TLS handshakes are done',
  );
  return eventDrivenPair(server, client, {
    release: async () => {
      await port.stopListening();
      await shutDown(reactor);
    },
  });
};
