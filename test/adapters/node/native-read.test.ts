// WeftSocket.exposeHandle and NodeServerFactory's nativeRead: Node's HTTP parser reading straight
// from the native handle of a weft TCP or UNIX connection (as it does from its own sockets), and
// every place it must not, because something else would then miss bytes.
import { EventEmitter, once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { NodeServerFactory, WeftSocket } from '../../../adapters/node/index.js';
import { IPv4Address, type IAddress } from '../../../src/core/address.js';
import type { IProtocolFactory } from '../../../src/core/interfaces/index.js';
import { Factory } from '../../../src/core/protocol.js';
import { NodeReactor } from '../../../src/node/reactor.js';
import { WrappingFactory } from '../../../src/protocols/policies/wrapper.js';
import { Clock } from '../../../src/testing/clock.js';
import { StringTransport } from '../../../src/testing/string-transport.js';
import { cleanupsAfterEach } from '../../support/cleanups.js';
import { testCertificates } from '../../support/tls-certs.js';
import { until } from './http-helpers.js';

const cleanups = cleanupsAfterEach();

/** Node internals these tests look at (the same ones Node's http server uses). */
interface Exposed {
  readonly _handle?: { readonly _consumed?: boolean; readonly reading?: boolean } | null;
}

function exposed(socket: unknown): Exposed {
  return socket as Exposed;
}

/** The `net.Socket` under the weft transport of `socket`. */
function netSocketOf(socket: WeftSocket): Socket {
  return (socket.transport as unknown as { getHandle(): Socket }).getHandle();
}

function portOf(address: IAddress): number {
  if (!(address instanceof IPv4Address)) throw new Error(`not an IPv4 port: ${String(address)}`);
  return address.port;
}

/** A factory handing each connection's WeftSocket to `onSocket` once connected. */
function socketFactory(reactor: NodeReactor, onSocket: (s: WeftSocket) => void): Factory {
  const factory = new (class extends Factory<WeftSocket['protocol']> {
    override buildProtocol(): WeftSocket['protocol'] {
      const socket = new WeftSocket({ reactor });
      socket.on('error', () => undefined);
      socket.once('connect', () => {
        onSocket(socket);
      });
      return socket.protocol;
    }
  })();
  factory.noisy = false;
  return factory;
}

/** Listens with `factory` on 127.0.0.1, connects a net client, resolves with the client. */
async function dial(reactor: NodeReactor, factory: IProtocolFactory): Promise<Socket> {
  const port = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
  cleanups.push(() => port.stopListening());
  const client = netConnect({ host: '127.0.0.1', port: portOf(port.getHost()) });
  cleanups.push(() => client.destroy());
  await once(client, 'connect');
  return client;
}

/** Hosts `server` on a weft TCP port; returns the port number. */
async function host(server: Server, options: { nativeRead?: boolean; reactor?: Clock } = {}) {
  const reactor = new NodeReactor();
  const factory = new NodeServerFactory(server, options);
  const port = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
  cleanups.push(async () => {
    await port.stopListening();
    await factory.close({ timeout: 0 });
  });
  return portOf(port.getHost());
}

/** Reads from `client` until `text` has arrived `count` times; resolves with all it read. */
function readUntil(client: Socket, text: string, count = 1): Promise<string> {
  return new Promise((resolve, reject) => {
    let all = '';
    const onData = (d: Buffer): void => {
      all += d.toString('latin1');
      if (all.split(text).length - 1 >= count) {
        client.removeListener('data', onData);
        resolve(all);
      }
    };
    client.on('data', onData);
    client.once('close', () => {
      reject(new Error(`closed after ${JSON.stringify(all)}`));
    });
  });
}

describe('WeftSocket.exposeHandle', () => {
  it("exposes a weft TCP connection's native handle, and counts the bytes read from it", async () => {
    const reactor = new NodeReactor();
    const sockets: WeftSocket[] = [];
    const client = await dial(
      reactor,
      socketFactory(reactor, (s) => {
        sockets.push(s);
        expect(s.exposeHandle()).toBe(true);
      }),
    );
    await new Promise((r) => setImmediate(r));
    const [socket] = sockets;
    if (socket === undefined) throw new Error('no connection');
    expect(exposed(socket)._handle).toBe(exposed(netSocketOf(socket))._handle);
    expect(exposed(socket)._handle).not.toBeNull();
    expect(socket.exposeHandle()).toBe(true); // again: nothing changes
    client.write('four');
    await until(() => socket.bytesRead === 4);
  });

  it('stops reading from the handle at destroy(), and reports no handle once destroyed', async () => {
    const reactor = new NodeReactor();
    const sockets: WeftSocket[] = [];
    await dial(
      reactor,
      socketFactory(reactor, (s) => {
        sockets.push(s);
        s.exposeHandle();
      }),
    );
    await new Promise((r) => setImmediate(r));
    const [socket] = sockets;
    if (socket === undefined) throw new Error('no connection');
    const handle = exposed(netSocketOf(socket))._handle;
    expect(handle?.reading).toBe(true);
    socket.destroy();
    // The transport's close pauses its socket, which does not stop a consumed handle: this does.
    expect(handle?.reading).toBe(false);
    expect(exposed(socket)._handle).toBeNull();
  });

  it('refuses where some other code would miss bytes: a wrapper between, bytes already read, no native socket', async () => {
    const reactor = new NodeReactor();
    const answers: boolean[] = [];
    const inner = socketFactory(reactor, (s) => answers.push(s.exposeHandle()));
    await dial(reactor, new WrappingFactory(inner));
    await new Promise((r) => setImmediate(r));
    expect(answers).toEqual([false]);

    const late: WeftSocket[] = [];
    const client = await dial(
      reactor,
      socketFactory(reactor, (s) => late.push(s)),
    );
    client.write('x');
    await until(() => late[0] !== undefined && late[0].bytesRead > 0);
    expect(late[0]?.exposeHandle()).toBe(false);

    const inMemory = new WeftSocket();
    inMemory.protocol.makeConnection(new StringTransport());
    expect(inMemory.exposeHandle()).toBe(false);
    expect(new WeftSocket().exposeHandle()).toBe(false); // not connected
    expect(exposed(inMemory)._handle).toBeUndefined();
  });

  it('refuses a weft TLS connection (its handle carries TLS records, not the bytes)', async () => {
    const certs = await testCertificates();
    const reactor = new NodeReactor();
    const answers: boolean[] = [];
    const port = await reactor.listenSSL(
      0,
      socketFactory(reactor, (s) => {
        answers.push(s.exposeHandle());
      }),
      certs.server,
      { interface: '127.0.0.1' },
    );
    cleanups.push(() => port.stopListening());
    const client = netConnect({ host: '127.0.0.1', port: portOf(port.getHost()) });
    cleanups.push(() => client.destroy());
    await once(client, 'connect');
    await until(() => answers.length > 0);
    expect(answers).toEqual([false]);
  });

  it('exposes a weft UNIX connection too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-native-read-'));
    cleanups.push(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const reactor = new NodeReactor();
    const answers: boolean[] = [];
    const path = join(dir, 'sock');
    const port = await reactor.listenUNIX(
      path,
      socketFactory(reactor, (s) => answers.push(s.exposeHandle())),
    );
    cleanups.push(() => port.stopListening());
    const client = netConnect({ path });
    cleanups.push(() => client.destroy());
    await once(client, 'connect');
    await until(() => answers.length > 0);
    expect(answers).toEqual([true]);
  });
});

describe('NodeServerFactory nativeRead', () => {
  const request = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';

  function consumedServer(seen: (boolean | undefined)[]): Server {
    return createServer((req, res) => {
      seen.push(exposed(req.socket)._handle?._consumed);
      res.end(`${String(req.url)} ${String(seen.length)}\n`);
    });
  }

  it("lets a hosted http.Server parse from the connection's handle, serving pipelined requests in order", async () => {
    const seen: (boolean | undefined)[] = [];
    const port = await host(consumedServer(seen));
    const client = netConnect({ host: '127.0.0.1', port });
    cleanups.push(() => client.destroy());
    const replies = readUntil(client, '\n', 3);
    client.write(
      'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    const text = await replies;
    expect(text.match(/\/\w \d/g)).toEqual(['/a 1', '/b 2', '/c 3']);
    expect(seen).toEqual([true, true, true]);
  });

  it("sees the client's end of stream (which Node passes back to weft): answers, then closes", async () => {
    const seen: (boolean | undefined)[] = [];
    const port = await host(consumedServer(seen));
    const client = netConnect({ host: '127.0.0.1', port, allowHalfOpen: true });
    cleanups.push(() => client.destroy());
    let text = '';
    client.on('data', (d: Buffer) => (text += d.toString()));
    const closed = once(client, 'close');
    client.end(request);
    await closed;
    expect(text).toMatch(/^HTTP\/1\.1 200[^]*\/ 1\n$/);
    expect(seen).toEqual([true]);
  });

  it('answers a malformed request with 400 and closes, as Node does on its own sockets', async () => {
    const seen: (boolean | undefined)[] = [];
    const port = await host(consumedServer(seen));
    const client = netConnect({ host: '127.0.0.1', port });
    cleanups.push(() => client.destroy());
    let text = '';
    client.on('data', (d: Buffer) => (text += d.toString()));
    const closed = once(client, 'close');
    client.write('NOT HTTP AT ALL\r\n\r\n');
    await closed;
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(seen).toEqual([]);
  });

  it('reads through the WeftSocket instead with nativeRead: false', async () => {
    const seen: (boolean | undefined)[] = [];
    const port = await host(consumedServer(seen), { nativeRead: false });
    const client = netConnect({ host: '127.0.0.1', port });
    cleanups.push(() => client.destroy());
    const reply = readUntil(client, '\n');
    client.write(request);
    expect(await reply).toMatch(/\/ 1\n$/);
    expect(seen).toEqual([undefined]);
  });

  it('pushes the idle timeout back while a request body trickles in (Node reports reads by _unrefTimer)', async () => {
    const clock = new Clock();
    const server = createServer((req, res) => {
      req.on('data', () => {
        clock.advance(0.6); // each byte comes 0.6 s after the one before, on the clock
        client.write('x');
      });
      req.on('end', () => res.end('done\n'));
    });
    server.timeout = 1000;
    const port = await host(server, { reactor: clock });
    const client = netConnect({ host: '127.0.0.1', port });
    cleanups.push(() => client.destroy());
    const reply = readUntil(client, 'done\n');
    client.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nx');
    expect(await reply).toMatch(/^HTTP\/1\.1 200/);
    expect(clock.seconds()).toBeGreaterThan(2); // twice the timeout, without a timeout
  });

  it("hands an HTTP upgrade's connection back to the WeftSocket: head bytes, then later bytes through weft", async () => {
    const server = createServer();
    const got: string[] = [];
    server.on('upgrade', (_req: IncomingMessage, socket: WeftSocket, head: Buffer) => {
      got.push(`head:${head.toString()}`);
      socket.on('data', (d: Buffer) => {
        got.push(`data:${d.toString()}`);
        socket.write(d.toString().toUpperCase());
      });
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n',
      );
    });
    const port = await host(server);
    const client = netConnect({ host: '127.0.0.1', port });
    cleanups.push(() => client.destroy());
    const switched = readUntil(client, '\r\n\r\n');
    client.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nabc');
    await switched;
    const echoed = readUntil(client, 'DEF');
    client.write('def');
    await echoed;
    expect(got).toEqual(['head:abc', 'data:def']);
  });

  it('leaves servers other than http.Server alone (a net.Server-like emitter reads through weft)', async () => {
    const server = new EventEmitter();
    const handles: unknown[] = [];
    server.on('connection', (s: WeftSocket) => {
      handles.push(exposed(s)._handle);
      s.on('data', (d: Buffer) => s.write(d));
    });
    const reactor = new NodeReactor();
    const factory = new NodeServerFactory(server);
    const client = await dial(reactor, factory);
    cleanups.push(() => factory.close({ timeout: 0 }));
    const echoed = readUntil(client, 'ping');
    client.write('ping');
    await echoed;
    expect(handles).toEqual([undefined]);
  });
});
