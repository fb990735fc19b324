// UNIX-domain stream sockets on the Node reactor, each test in a fresh mkdtemp directory.
import { existsSync, linkSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it, onTestFinished } from 'vitest';

import { UNIXAddress } from '../../src/core/address.js';
import {
  BadFileError,
  CannotListenError,
  ConnectError,
  ConnectionAborted,
  ConnectionDone,
  ConnectionRefusedError,
} from '../../src/core/errors.js';
import type { IHalfCloseableProtocol } from '../../src/core/interfaces/index.js';
import { UNIXConnector, UNIXPort, UNIXTransport } from '../../src/node/index.js';
import type { NodeReactor } from '../../src/node/reactor.js';
import {
  Echo,
  errorName,
  freshReactor,
  later,
  pattern,
  Recorder,
  RecordingClientFactory,
  RecordingFactory,
} from './socket-helpers.js';

/** A socket path in a directory removed when the test ends. */
function socketPath(name = 'weft.sock'): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-unix-'));
  onTestFinished(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return join(dir, name);
}

async function unixPair<S extends Recorder = Recorder>(
  reactor: NodeReactor,
  server: new () => S = Recorder as unknown as new () => S,
) {
  const path = socketPath();
  const serverFactory = new RecordingFactory(server);
  const port = await reactor.listenUNIX(path, serverFactory);
  const clientFactory = new RecordingClientFactory(Recorder);
  const connector = reactor.connectUNIX(path, clientFactory);
  const [s, c] = await Promise.all([serverFactory.connection(), clientFactory.made]);
  return { path, port, serverFactory, clientFactory, connector, server: s, client: c };
}

describe('NodeReactor.listenUNIX / connectUNIX', () => {
  it('connects a client to a UNIX port, with UNIX addresses on both ends', async () => {
    const reactor = freshReactor();
    const { path, port, server, client, connector } = await unixPair(reactor, Echo);
    expect(port).toBeInstanceOf(UNIXPort);
    expect(connector).toBeInstanceOf(UNIXConnector);
    expect(server.transport).toBeInstanceOf(UNIXTransport);
    expect(port.getHost()).toEqual(new UNIXAddress(path));
    expect(connector.getDestination()).toEqual(new UNIXAddress(path));
    expect(server.transport.getHost()).toEqual(new UNIXAddress(path));
    expect(server.transport.getPeer()).toEqual(new UNIXAddress(null));
    expect(client.transport.getPeer()).toEqual(new UNIXAddress(path));
    expect(client.transport.getHost()).toEqual(new UNIXAddress(null));
    client.transport.write('over unix');
    expect((await client.bytes(9)).toString()).toBe('over unix');
  });

  it('gives the socket file the mode asked for (0o666 by default)', async () => {
    const reactor = freshReactor();
    const a = socketPath('a.sock');
    const b = socketPath('b.sock');
    await reactor.listenUNIX(a, new RecordingFactory(Recorder));
    await reactor.listenUNIX(b, new RecordingFactory(Recorder), { mode: 0o600 });
    expect(statSync(a).mode & 0o777).toBe(0o666);
    expect(statSync(b).mode & 0o777).toBe(0o600);
  });

  it('fails with CannotListenError (EADDRINUSE) when the path exists', async () => {
    const reactor = freshReactor();
    const path = socketPath();
    writeFileSync(path, 'not a socket');
    const error = await reactor
      .listenUNIX(path, new RecordingFactory(Recorder))
      .asPromise()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CannotListenError);
    expect(error).toMatchObject({ code: 'EADDRINUSE', port: path, interface: '' });
  });

  it('fails with CannotListenError (EACCES, as libuv reports it) when the directory does not exist', async () => {
    const reactor = freshReactor();
    const path = join(socketPath(), 'missing', 'x.sock');
    const error = await reactor
      .listenUNIX(path, new RecordingFactory(Recorder))
      .asPromise()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CannotListenError);
    expect(error).toMatchObject({ code: 'EACCES' });
  });

  it('removes the socket file and stops the factory once it stops listening, keeping connections', async () => {
    const reactor = freshReactor();
    const { path, port, serverFactory, server, client } = await unixPair(reactor, Echo);
    expect(existsSync(path)).toBe(true);
    await port.stopListening();
    expect(existsSync(path)).toBe(false);
    expect(serverFactory.stops).toBe(1);
    client.transport.write('still');
    expect((await client.bytes(5)).toString()).toBe('still');
    expect(server.isLost).toBe(false);
  });

  it('fails to connect to a missing path with BadFileError (ENOENT)', async () => {
    const reactor = freshReactor();
    const factory = new RecordingClientFactory(Recorder);
    reactor.connectUNIX(socketPath(), factory);
    const reason = await factory.failed;
    expect(reason.value).toBeInstanceOf(BadFileError);
    expect(reason.value).toMatchObject({ code: 'ENOENT' });
    await factory.stopped;
  });

  it('fails to connect to a socket file nobody listens on with ConnectionRefusedError', async () => {
    const reactor = freshReactor();
    const path = socketPath();
    // A stale socket file, as a listener that died leaves behind: a hard link to a listening
    // socket outlives the listener, which only removes its own path when it closes.
    const raw = createServer();
    await new Promise<void>((resolve) => {
      raw.listen(path, resolve);
    });
    const copy = `${path}.stale`;
    linkSync(path, copy);
    await new Promise<void>((resolve) => {
      raw.close(() => {
        resolve();
      });
    });
    const factory = new RecordingClientFactory(Recorder);
    reactor.connectUNIX(copy, factory);
    const reason = await factory.failed;
    expect(reason.value).toBeInstanceOf(ConnectionRefusedError);
    expect(reason.value).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('listens in the abstract namespace (a name starting with NUL: no file, no mode)', async () => {
    const reactor = freshReactor();
    const name = `\0weft-test-${String(process.pid)}-${String(Math.random()).slice(2)}`;
    const factory = new RecordingFactory(Echo);
    const port = await reactor.listenUNIX(name, factory, { mode: 0o600 });
    expect(port.getHost()).toEqual(new UNIXAddress(name));
    const client = new RecordingClientFactory(Recorder);
    reactor.connectUNIX(name, client);
    const proto = await client.made;
    proto.transport.write('abstract');
    expect((await proto.bytes(8)).toString()).toBe('abstract');
  });

  it('fails an attempt whose socket cannot even be made with a ConnectError, after startedConnecting', async () => {
    const reactor = freshReactor();
    const factory = new RecordingClientFactory(Recorder);
    reactor.connectUNIX(42 as unknown as string, factory); // as a JavaScript caller might
    expect(factory.events).toEqual(['startFactory', 'startedConnecting:connecting']);
    const reason = await factory.failed;
    expect(reason.value).toBeInstanceOf(ConnectError);
    expect(reason.value).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('flushes 1 MiB before a clean close', async () => {
    const reactor = freshReactor();
    const { server, client } = await unixPair(reactor);
    const big = pattern(1024 * 1024);
    client.transport.write(big);
    client.transport.loseConnection();
    const [s, c] = await Promise.all([server.lost, client.lost]);
    expect(server.data().equals(big)).toBe(true);
    expect(s.value).toBeInstanceOf(ConnectionDone);
    expect(c.value).toBeInstanceOf(ConnectionDone);
  });

  it('abortConnection: ConnectionAborted here, an ordinary close at the peer (no reset on UNIX sockets)', async () => {
    const reactor = freshReactor();
    const { server, client } = await unixPair(reactor);
    client.transport.abortConnection();
    expect(client.isLost).toBe(false);
    const [c, s] = await Promise.all([client.lost, server.lost]);
    expect(c.value).toBeInstanceOf(ConnectionAborted);
    expect(s.value).toBeInstanceOf(ConnectionDone);
  });

  it('supports half-close: readConnectionLost, then writing back, then a clean close', async () => {
    const reactor = freshReactor();
    const readLost = later();
    class HalfEcho extends Recorder implements IHalfCloseableProtocol {
      readConnectionLost(): void {
        this.transport.write(`got ${String(this.received)} bytes`);
        this.transport.loseConnection();
        readLost.resolve(undefined);
      }
      writeConnectionLost(): void {
        // not used here
      }
    }
    const { server, client } = await unixPair(reactor, HalfEcho);
    client.transport.write('12345');
    client.transport.loseWriteConnection();
    await readLost.promise;
    expect((await client.bytes(11)).toString()).toBe('got 5 bytes');
    expect(errorName(await client.lost)).toBe('ConnectionDone');
    expect(errorName(await server.lost)).toBe('ConnectionDone');
  });
});
