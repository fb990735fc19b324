// headersTimeout and requestTimeout of an http.Server hosted on weft: a slowloris client (headers
// never finished) and a slow body get Node's 408 and a closed connection, over weft TCP and in
// memory, as with a natively listening server. These timeouts run on Node's own real-time check
// (every connectionsCheckingInterval ms, against the parser's uv_hrtime stamps), not on the
// reactor, so these tests take real time: a few hundred milliseconds each, bounded.
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';

import { NodeServerFactory, WeftSocket } from '../../../adapters/node/index.js';
import type { IPv4Address, IPv6Address } from '../../../src/core/address.js';
import { NodeReactor } from '../../../src/node/reactor.js';
import { connectedServerAndClient } from '../../../src/testing/iosim.js';
import { cleanupsAfterEach } from '../../support/cleanups.js';
import { drive } from './http-helpers.js';

const HEADERS_TIMEOUT_MS = 200;
const REQUEST_TIMEOUT_MS = 400;
const TIMED_OUT = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';
/** How long a test waits for the close before failing: far above the timeouts, under vitest's. */
const LIMIT_MS = 4000;

const cleanups = cleanupsAfterEach();

/** A server with short timeouts, checked every 25 ms; it answers once the whole body is in. */
function slowServer(): Server {
  return createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: 25,
    },
    (req, res) => {
      req.resume();
      req.on('end', () => res.end('complete'));
    },
  );
}

interface Outcome {
  /** Everything the server sent. */
  readonly reply: string;
  /** Milliseconds from the last byte sent to the close. */
  readonly afterMs: number;
}

/** Writes `chunks` on `socket`, then resolves with what came back once it closes. */
function talk(socket: Duplex, chunks: readonly string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    let reply = '';
    let start = 0;
    const timer = setTimeout(() => {
      reject(new Error(`not closed after ${String(LIMIT_MS)} ms; got ${JSON.stringify(reply)}`));
    }, LIMIT_MS);
    socket.on('data', (d: Buffer) => (reply += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ reply, afterMs: performance.now() - start });
    });
    for (const c of chunks) socket.write(c);
    start = performance.now();
  });
}

/** A net.Socket to `server` hosted on a weft TCP port of 127.0.0.1. */
async function viaWeftTCP(server: Server): Promise<ReturnType<typeof connect>> {
  const reactor = new NodeReactor();
  const factory = new NodeServerFactory(server, { reactor });
  const port = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
  cleanups.push(async () => {
    await port.stopListening();
    await factory.close({ timeout: 0 });
  });
  const { port: number } = port.getHost() as IPv4Address | IPv6Address;
  return connect({ host: '127.0.0.1', port: number });
}

/** A net.Socket to `server` listening natively on 127.0.0.1: the behaviour to match. */
async function viaNativeListen(server: Server): Promise<ReturnType<typeof connect>> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
}

/** A WeftSocket to `server` hosted on weft in memory (IOPump pair, no socket). */
function viaMemory(server: Server): WeftSocket {
  const factory = new NodeServerFactory(server);
  const client = new WeftSocket({ allowHalfOpen: false });
  const { pump } = connectedServerAndClient(factory, { buildProtocol: () => client.protocol });
  cleanups.push(drive(pump));
  return client;
}

const partialHeaders = ['GET / HTTP/1.1\r\n', 'Host: slow.example\r\n'];
const partialBody = [
  'POST / HTTP/1.1\r\nHost: slow.example\r\nContent-Length: 10\r\n\r\n',
  'only5',
];

describe('NodeServerFactory and Node’s request timeouts', () => {
  describe('headersTimeout', () => {
    it('answers 408 and closes a connection whose headers never finish, as a natively listening server does', async () => {
      const native = await talk(await viaNativeListen(slowServer()), partialHeaders);
      const hosted = await talk(await viaWeftTCP(slowServer()), partialHeaders);
      expect(native.reply).toBe(TIMED_OUT);
      expect(hosted.reply).toBe(TIMED_OUT);
      expect(hosted.afterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 5);
    });

    it('answers 408 and closes in memory, with no socket at all', async () => {
      const outcome = await talk(viaMemory(slowServer()), partialHeaders);
      expect(outcome.reply).toBe(TIMED_OUT);
      expect(outcome.afterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 5);
    });
  });

  describe('requestTimeout', () => {
    it('answers 408 when the body does not come in time, over weft TCP', async () => {
      const outcome = await talk(await viaWeftTCP(slowServer()), partialBody);
      expect(outcome.reply).toBe(TIMED_OUT);
      expect(outcome.afterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 5);
    });

    it('answers 408 when the body does not come in time, in memory', async () => {
      const outcome = await talk(viaMemory(slowServer()), partialBody);
      expect(outcome.reply).toBe(TIMED_OUT);
    });

    it('leaves a request that completes in time alone', async () => {
      const socket = viaMemory(slowServer());
      const outcome = await talk(socket, [
        'POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nfive!',
      ]);
      expect(outcome.reply).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\ncomplete$/);
    });
  });
});
