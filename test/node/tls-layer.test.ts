// The TLS layer of a connection: the handshake timeout on the reactor's clock (a TLS port made
// with a Clock as its clock, real sockets, deterministic time, a peer that never speaks TLS), and
// closing over TLS: abortConnection() resets the TCP connection under it, even from
// handshakeCompleted; loseConnection() reads what the peer still sends until its end (bounded).
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { connect as tlsConnect } from 'node:tls';

import { describe, expect, it, onTestFinished } from 'vitest';

import {
  ConnectionAborted,
  ConnectionDone,
  ConnectionLost,
  TimeoutError,
  TLSHandshakeTimeoutError,
  TLSOptionsError,
} from '../../src/core/index.js';
import type { IListeningPort, ServerTLSOptions } from '../../src/core/index.js';
import type { Selectable } from '../../src/node/index.js';
import { TLS_CLOSE_WAIT } from '../../src/node/stream-close.js';
import { listenSSL } from '../../src/node/tls.js';
import { Clock } from '../../src/testing/index.js';
import type { TestCertificates } from '../support/tls-certs.js';
import { testCertificates } from '../support/tls-certs.js';
import {
  freshReactor,
  nextTurn,
  portNumber,
  RecordingClientFactory,
  RecordingFactory,
} from './socket-helpers.js';
import { TLSRecorder } from './tls-helpers.js';

let certs: TestCertificates;
const ready = testCertificates().then((c) => {
  certs = c;
});

/** A TLS port on 127.0.0.1 timed by `clock`, and a plain TCP client connected to it. */
async function silentClientOf(
  clock: Clock,
  options: ServerTLSOptions,
): Promise<{ server: TLSRecorder; client: Socket; port: IListeningPort }> {
  const context = { reactor: clock, selectables: new Set<Selectable>() };
  const factory = new RecordingFactory(TLSRecorder);
  const port = await listenSSL(context, 0, factory, options, { interface: '127.0.0.1' });
  const client = connect(portNumber(port), '127.0.0.1');
  client.on('error', () => undefined);
  onTestFinished(async () => {
    client.destroy();
    await port.stopListening();
  });
  return { server: await factory.connection(0), client, port };
}

/** A few turns of the event loop, for a close to be reported if one was started. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await nextTurn();
}

describe('TLS handshake timeout', () => {
  it('ends a handshake still running after handshakeTimeout seconds with TLSHandshakeTimeoutError', async () => {
    await ready;
    const clock = new Clock();
    const { server } = await silentClientOf(clock, { ...certs.server, handshakeTimeout: 5 });
    clock.advance(4.999);
    await settle();
    expect(server.isLost).toBe(false);
    clock.advance(0.001);
    const reason = await server.lost;
    expect(reason.value).toBeInstanceOf(TLSHandshakeTimeoutError);
    expect(reason.value).toBeInstanceOf(TimeoutError);
    expect((reason.value as TLSHandshakeTimeoutError).timeout).toBe(5);
    expect(server.events).toEqual(['made', 'lost']);
  });

  it('defaults to 30 seconds', async () => {
    await ready;
    const clock = new Clock();
    const { server } = await silentClientOf(clock, certs.server);
    expect(clock.getDelayedCalls().map((c) => c.getTime())).toEqual([30]);
    clock.advance(30);
    expect((await server.lost).value).toBeInstanceOf(TLSHandshakeTimeoutError);
  });

  it('cancels the timer when the connection ends first', async () => {
    await ready;
    const clock = new Clock();
    const { server, client } = await silentClientOf(clock, certs.server);
    client.end();
    await server.lost;
    expect(clock.getDelayedCalls()).toEqual([]);
  });

  it('sets no timer for Infinity', async () => {
    await ready;
    const clock = new Clock();
    const { server } = await silentClientOf(clock, { ...certs.server, handshakeTimeout: Infinity });
    expect(clock.getDelayedCalls()).toEqual([]);
    expect(server.isLost).toBe(false);
  });

  it('refuses a negative handshakeTimeout with TLSOptionsError', async () => {
    await ready;
    const clock = new Clock();
    const context = { reactor: clock, selectables: new Set<Selectable>() };
    const d = listenSSL(context, 0, new RecordingFactory(TLSRecorder), {
      ...certs.server,
      handshakeTimeout: -1,
    });
    await expect(
      (async () => {
        await d;
      })(),
    ).rejects.toBeInstanceOf(TLSOptionsError);
  });
});

/** Aborts its connection as soon as the TLS handshake completes. */
class AbortOnHandshake extends TLSRecorder {
  override handshakeCompleted(): void {
    super.handshakeCompleted();
    this.transport.abortConnection();
  }
}

/** A listenSSL port on 127.0.0.1 and a connectSSL client, with the given protocols; both made. */
async function tlsConnection(
  Server: new () => TLSRecorder,
  Client: new () => TLSRecorder,
): Promise<{ server: TLSRecorder; client: TLSRecorder }> {
  const reactor = freshReactor();
  const serverFactory = new RecordingFactory(Server);
  const port = await reactor.listenSSL(0, serverFactory, certs.server, { interface: '127.0.0.1' });
  onTestFinished(() => port.stopListening());
  const clientFactory = new RecordingClientFactory(Client);
  reactor.connectSSL('127.0.0.1', portNumber(port), clientFactory, { trustRoot: certs.ca });
  const [server, client] = await Promise.all([serverFactory.connection(0), clientFactory.made]);
  return { server, client };
}

describe('abortConnection over TLS', () => {
  // Node runs the handshake-completed callback inside OpenSSL's read: freeing the TLS state there
  // (as closing the TCP socket first, then the TLS socket, did) crashed the process.
  it('resets the connection when the server aborts from handshakeCompleted: the client gets ConnectionLost', async () => {
    await ready;
    const { server, client } = await tlsConnection(AbortOnHandshake, TLSRecorder);
    expect((await server.lost).value).toBeInstanceOf(ConnectionAborted);
    const reason = (await client.lost).value;
    expect(reason).toBeInstanceOf(ConnectionLost);
    expect(reason).not.toBeInstanceOf(ConnectionDone);
  });

  it('resets the connection when the client aborts from handshakeCompleted: the server does not see a clean close', async () => {
    await ready;
    const { server, client } = await tlsConnection(TLSRecorder, AbortOnHandshake);
    expect((await client.lost).value).toBeInstanceOf(ConnectionAborted);
    // Mid-handshake for the server (TLSHandshakeError) or just after it (ConnectionLost).
    expect((await server.lost).value).not.toBeInstanceOf(ConnectionDone);
  });
});

/** Writes 1 MiB as soon as the handshake completes, then closes. */
class WriteThenClose extends TLSRecorder {
  override handshakeCompleted(): void {
    super.handshakeCompleted();
    const chunk = new Uint8Array(4096).fill(7);
    for (let sent = 0; sent < 1024 * 1024; sent += chunk.length) this.transport.write(chunk);
    this.transport.loseConnection();
  }
}

describe('loseConnection over TLS', () => {
  // The server's TLS 1.3 session tickets arrive after the client's handshake: a client that closed
  // with them unread reset the connection, and the server lost most of what it had not read yet.
  it('delivers 1 MiB written just after the handshake, then closes cleanly: unread session tickets do not reset the connection', async () => {
    await ready;
    const { server, client } = await tlsConnection(TLSRecorder, WriteThenClose);
    server.keepData = false;
    expect((await server.lost).value).toBeInstanceOf(ConnectionDone);
    expect(server.received).toBe(1024 * 1024);
    expect((await client.lost).value).toBeInstanceOf(ConnectionDone);
  });

  it(`closes after TLS_CLOSE_WAIT (${String(TLS_CLOSE_WAIT)}) seconds when the peer never ends its side`, async () => {
    await ready;
    const clock = new Clock();
    const context = { reactor: clock, selectables: new Set<Selectable>() };
    const factory = new RecordingFactory(TLSRecorder);
    const port = await listenSSL(context, 0, factory, certs.server, { interface: '127.0.0.1' });
    // A Node client that keeps its side open after the server's close_notify.
    const options: ConnectionOptions & { allowHalfOpen: boolean } = {
      port: portNumber(port),
      host: '127.0.0.1',
      ca: certs.ca,
      servername: 'localhost',
      allowHalfOpen: true,
    };
    const peer = tlsConnect(options);
    peer.on('error', () => undefined);
    const peerEnded = new Promise((resolve) => peer.once('end', resolve));
    onTestFinished(async () => {
      peer.destroy();
      await port.stopListening();
    });
    const server = await factory.connection(0);
    await server.handshake;
    server.transport.loseConnection();
    await peerEnded;
    peer.write('still talking'); // read and dropped
    await settle();
    expect(server.isLost).toBe(false);
    expect(server.received).toBe(0);
    clock.advance(TLS_CLOSE_WAIT);
    expect((await server.lost).value).toBeInstanceOf(ConnectionDone);
  });
});
