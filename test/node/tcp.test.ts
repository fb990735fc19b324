// TCP on the Node reactor, over real loopback sockets (127.0.0.1 / ::1, port 0). Every wait is on
// a promise fired by a protocol or factory callback, bounded by vitest's test timeout.
import { connect as netConnect, Socket } from 'node:net';

import { describe, expect, it } from 'vitest';

import { IPv4Address, IPv6Address } from '../../src/core/address.js';
import type { IAddress } from '../../src/core/address.js';
import {
  CannotListenError,
  ConnectionAborted,
  ConnectionDone,
  ConnectionLost,
  InvalidStateError,
} from '../../src/core/errors.js';
import type { Failure } from '../../src/core/failure.js';
import type {
  IHalfCloseableProtocol,
  IPullProducer,
  IPushProducer,
  ITCPTransport,
} from '../../src/core/interfaces/index.js';
import { Factory } from '../../src/core/protocol.js';
import { DEFAULT_BUFFER_SIZE, TCPPort } from '../../src/node/index.js';
import {
  connectedPair,
  Echo,
  errorName,
  freshReactor,
  later,
  nextTurn,
  pattern,
  portNumber,
  Recorder,
  RecordingClientFactory,
  RecordingFactory,
  serverPort,
  tcpTransport,
} from './socket-helpers.js';
import { LogCapture } from '../../src/testing/log-capture.js';

/** A few turns of the event loop: long enough for loopback data already sent to be read, if it were. */
async function someTurns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await nextTurn();
}

/** Counts bytes without keeping them (for multi-MiB transfers). */
class Counter extends Recorder {
  override keepData = false;
}

/** Reads nothing until told (`transport.resumeProducing()`). */
class SlowReader extends Counter {
  override connectionMade(): void {
    super.connectionMade();
    this.transport.pauseProducing();
  }
}

/** A push producer writing `chunk` until `total` bytes, as fast as it is allowed to. */
class PushSource implements IPushProducer {
  paused = false;
  stopped = false;
  written = 0;
  pauses = 0;
  resumes = 0;
  /** The transport's buffered byte count each time it paused us. */
  readonly bufferedAtPause: number[] = [];
  readonly pausedOnce = later();
  readonly resumedOnce = later();
  readonly finished = later();
  readonly log: string[];
  readonly #transport: ITCPTransport;
  readonly #chunk: Uint8Array;
  readonly #total: number;

  constructor(transport: ITCPTransport, chunk: Uint8Array, total: number, log: string[] = []) {
    this.#transport = transport;
    this.#chunk = chunk;
    this.#total = total;
    this.log = log;
  }

  pump(): void {
    while (!this.paused && !this.stopped && this.written < this.#total) {
      this.written += this.#chunk.byteLength;
      this.#transport.write(this.#chunk);
    }
    if (this.written >= this.#total && !this.finished.settled) {
      this.#transport.unregisterProducer();
      this.#transport.loseConnection();
      this.finished.resolve(undefined);
    }
  }

  pauseProducing(): void {
    this.paused = true;
    this.pauses++;
    this.bufferedAtPause.push(tcpTransport(this.#transport).getHandle().writableLength);
    this.pausedOnce.resolve(undefined);
  }

  resumeProducing(): void {
    this.paused = false;
    this.resumes++;
    this.resumedOnce.resolve(undefined);
    setImmediate(() => {
      this.pump();
    });
  }

  stopProducing(): void {
    this.log.push('stopProducing');
    this.stopped = true;
  }
}

describe('NodeReactor.listenTCP', () => {
  it('fires with a port reporting the real port number it listens on', async () => {
    const reactor = freshReactor();
    const port = await reactor.listenTCP(0, new RecordingFactory(Recorder), {
      interface: '127.0.0.1',
    });
    expect(port).toBeInstanceOf(TCPPort);
    const host = port.getHost();
    expect(host).toBeInstanceOf(IPv4Address);
    expect(host).toMatchObject({ type: 'TCP', host: '127.0.0.1' });
    expect(portNumber(port)).toBeGreaterThan(0);
  });

  it("runs the factory's doStart once listening and doStop once stopped, before the Deferred fires", async () => {
    const reactor = freshReactor();
    const factory = new RecordingFactory(Recorder);
    const port = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
    expect([factory.starts, factory.stops, factory.numPorts]).toEqual([1, 0, 1]);
    const stopped = port.stopListening();
    expect(factory.stops).toBe(0); // fires on a later turn, as Twisted's deferLater(0)
    await stopped;
    expect([factory.starts, factory.stops, factory.numPorts]).toEqual([1, 1, 0]);
  });

  it('counts doStart/doStop across two ports sharing a factory', async () => {
    const reactor = freshReactor();
    const factory = new RecordingFactory(Recorder);
    const a = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
    const b = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
    expect([factory.starts, factory.numPorts]).toEqual([1, 2]);
    await a.stopListening();
    expect([factory.stops, factory.numPorts]).toEqual([0, 1]);
    await b.stopListening();
    expect([factory.stops, factory.numPorts]).toEqual([1, 0]);
  });

  it('fails with CannotListenError carrying EADDRINUSE when the port is taken', async () => {
    const reactor = freshReactor();
    const factory = new RecordingFactory(Recorder);
    const first = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
    const taken = portNumber(first);
    const error = await reactor
      .listenTCP(taken, factory, { interface: '127.0.0.1' })
      .asPromise()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CannotListenError);
    expect(error).toMatchObject({ code: 'EADDRINUSE', interface: '127.0.0.1', port: taken });
    expect((error as Error).cause).toMatchObject({ code: 'EADDRINUSE' });
    expect(factory.numPorts).toBe(1); // the failed port never started the factory
  });

  it('fails with CannotListenError for a port number out of range', async () => {
    const reactor = freshReactor();
    const error = await reactor
      .listenTCP(70000, new RecordingFactory(Recorder))
      .asPromise()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CannotListenError);
    expect(error).toMatchObject({ code: 'ERR_SOCKET_BAD_PORT', port: 70000 });
  });

  it('listens on IPv6 ::1, with IPv6 addresses for the port, the peer and the protocol', async () => {
    const reactor = freshReactor();
    const factory = new RecordingFactory(Recorder);
    const port = await reactor.listenTCP(0, factory, { interface: '::1' });
    expect(port.getHost()).toBeInstanceOf(IPv6Address);
    expect(port.getHost()).toMatchObject({ host: '::1' });
    const client = new RecordingClientFactory(Recorder);
    reactor.connectTCP('::1', portNumber(port), client);
    const [server, proto] = await Promise.all([factory.connection(), client.made]);
    expect(factory.addresses[0]).toBeInstanceOf(IPv6Address);
    expect(server.transport.getPeer()).toEqual(proto.transport.getHost());
    expect(proto.transport.getPeer()).toMatchObject({ host: '::1', port: portNumber(port) });
  });

  it("listens on every IPv4 interface for interface '' (the default)", async () => {
    const reactor = freshReactor();
    const factory = new RecordingFactory(Recorder);
    const port = await reactor.listenTCP(0, factory);
    expect(port.getHost()).toMatchObject({ host: '0.0.0.0' });
    reactor.connectTCP('127.0.0.1', portNumber(port), new RecordingClientFactory(Recorder));
    await factory.connection();
  });

  it('builds each protocol with the peer address', async () => {
    const reactor = freshReactor();
    const { serverFactory, client, server } = await connectedPair(reactor);
    const peer = serverFactory.addresses[0] as IAddress;
    expect(peer.equals(client.transport.getHost())).toBe(true);
    expect(peer.equals(server.transport.getPeer())).toBe(true);
    expect(server.factory).toBe(serverFactory);
  });

  it('closes the connection at once when buildProtocol returns null, and keeps accepting', async () => {
    const reactor = freshReactor();
    let refuse = true;
    const factory = new (class extends RecordingFactory {
      override buildProtocol(addr: IAddress): Recorder | null {
        return refuse ? null : super.buildProtocol(addr);
      }
    })(Recorder);
    const port = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
    const refused = new RecordingClientFactory(Recorder);
    reactor.connectTCP('127.0.0.1', portNumber(port), refused);
    expect(errorName(await refused.lost)).toBe('ConnectionDone');
    refuse = false;
    reactor.connectTCP('127.0.0.1', portNumber(port), new RecordingClientFactory(Recorder));
    await factory.connection();
  });

  it('drops a connection whose peer is already gone, without building a protocol', async () => {
    const reactor = freshReactor();
    const factory = new RecordingFactory(Recorder);
    const port = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
    const unconnected = new Socket(); // no peer address, as a connection reset before accept
    serverPort(port).getHandle().emit('connection', unconnected);
    expect(factory.built).toHaveLength(0);
    expect(unconnected.destroyed).toBe(true);
  });

  it('fails with the error doStart throws, and closes the port', async () => {
    const reactor = freshReactor();
    const broke = new Error('doStart broke');
    const factory = new (class extends RecordingFactory {
      override startFactory(): void {
        throw broke;
      }
    })(Recorder);
    const error = await reactor
      .listenTCP(0, factory, { interface: '127.0.0.1' })
      .asPromise()
      .catch((e: unknown) => e);
    expect(error).toBe(broke);
  });

  it('logs an error doStop throws, and still fires stopListening', async () => {
    const reactor = freshReactor();
    using logs = new LogCapture();
    const broke = new Error('doStop broke');
    const factory = new (class extends RecordingFactory {
      override stopFactory(): void {
        throw broke;
      }
    })(Recorder);
    const port = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
    await port.stopListening();
    expect(logs.failures.map((f) => f.value)).toContain(broke);
  });

  describe('stopListening', () => {
    it('stops accepting but leaves accepted connections open', async () => {
      const reactor = freshReactor();
      const { port, server, client } = await connectedPair(reactor, Echo);
      await port.stopListening();
      client.transport.write('still here');
      expect((await client.bytes(10)).toString()).toBe('still here');
      expect(server.isLost).toBe(false);
      const late = new RecordingClientFactory(Recorder);
      reactor.connectTCP('127.0.0.1', portNumber(port), late);
      expect(errorName(await late.failed)).toBe('ConnectionRefusedError');
    });

    it('returns a Deferred firing at the same point when called twice, and after', async () => {
      const reactor = freshReactor();
      const factory = new RecordingFactory(Recorder);
      const port = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
      const first = port.stopListening();
      const second = port.stopListening();
      await Promise.all([first, second]);
      expect(factory.stops).toBe(1);
      await port.stopListening();
      expect(factory.stops).toBe(1);
    });

    it('is what `await using` runs ([Symbol.asyncDispose])', async () => {
      const reactor = freshReactor();
      const factory = new RecordingFactory(Recorder);
      {
        await using port = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
        expect(portNumber(port)).toBeGreaterThan(0);
      }
      expect(factory.stops).toBe(1);
    });
  });
});

describe('TCPTransport', () => {
  describe('lifecycle', () => {
    it('calls connectionMade once, dataReceived only after it, connectionLost once and last', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      client.transport.write('one');
      await server.bytes(3);
      client.transport.write('two');
      await server.bytes(6);
      client.transport.loseConnection();
      await Promise.all([server.lost, client.lost]);
      await someTurns();
      for (const p of [server, client]) {
        expect(p.events[0]).toBe('made');
        expect(p.events.filter((e) => e === 'made')).toHaveLength(1);
        expect(p.events.filter((e) => e === 'lost')).toHaveLength(1);
        expect(p.events.at(-1)).toBe('lost');
      }
      expect(server.data().toString()).toBe('onetwo');
    });

    it('reports connected and disconnecting through the connection’s life', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      const t = tcpTransport(client.transport);
      expect([t.connected, t.disconnecting]).toEqual([true, false]);
      t.loseConnection();
      expect([t.connected, t.disconnecting]).toEqual([true, true]);
      await client.lost;
      expect([t.connected, t.disconnecting]).toEqual([false, true]);
      await server.lost;
    });

    it('mirrors addresses: the client’s host is the server’s peer and the reverse', async () => {
      const reactor = freshReactor();
      const { server, client, port } = await connectedPair(reactor);
      expect(client.transport.getPeer()).toEqual(port.getHost());
      expect(server.transport.getHost()).toEqual(port.getHost());
      expect(server.transport.getPeer()).toEqual(client.transport.getHost());
      client.transport.loseConnection();
      await server.lost;
      // Still readable once the socket is gone.
      expect(server.transport.getPeer()).toEqual(client.transport.getHost());
    });

    it('gives each peer ConnectionDone on a clean close from either side', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      server.transport.loseConnection();
      const [s, c] = await Promise.all([server.lost, client.lost]);
      expect(s.value).toBeInstanceOf(ConnectionDone);
      expect(c.value).toBeInstanceOf(ConnectionDone);
    });
  });

  describe('write', () => {
    it('sends strings as UTF-8 and byte arrays as they are, in order', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      client.transport.write('héllo ');
      client.transport.write(new Uint8Array([0xe2, 0x82, 0xac]));
      client.transport.writeSequence(['a', new TextEncoder().encode('b'), 'c']);
      const expected = Buffer.concat([Buffer.from('héllo ', 'utf8'), Buffer.from('€abc')]);
      expect(await server.bytes(expected.length)).toEqual(expected);
    });

    it('ignores empty writes', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      client.transport.write('');
      client.transport.write(new Uint8Array(0));
      client.transport.writeSequence([]);
      client.transport.write('x');
      expect((await server.bytes(1)).toString()).toBe('x');
      expect(server.events.filter((e) => e === 'data')).toHaveLength(1);
    });

    it('delivers ten thousand small writes intact and in order', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      const parts: string[] = [];
      for (let i = 0; i < 10_000; i++) parts.push(`${String(i)},`);
      for (const p of parts) client.transport.write(p);
      const all = parts.join('');
      expect((await server.bytes(all.length)).toString()).toBe(all);
    });

    it('takes one 8 MiB write without throwing and delivers it intact', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      const big = pattern(8 * 1024 * 1024);
      expect(() => {
        client.transport.write(big);
      }).not.toThrow();
      expect((await server.bytes(big.length)).equals(big)).toBe(true);
    });
  });

  describe('loseConnection', () => {
    it('sends 4 MiB already written before closing; both ends get ConnectionDone', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor, Counter);
      const big = pattern(4 * 1024 * 1024);
      client.transport.write(big);
      client.transport.loseConnection();
      const [s, c] = await Promise.all([server.lost, client.lost]);
      expect(server.received).toBe(big.length);
      expect(s.value).toBeInstanceOf(ConnectionDone);
      expect(c.value).toBeInstanceOf(ConnectionDone);
    });

    it('still sends writes made right after it (same turn), as Twisted; later writes are ignored', async () => {
      const reactor = freshReactor();
      class Late extends Recorder {
        override connectionMade(): void {
          super.connectionMade();
          this.transport.write('a');
          this.transport.loseConnection();
          this.transport.write('late');
          setImmediate(() => {
            this.transport.write('never'); // the close is under way: ignored, no throw
          });
        }
      }
      const { client } = await connectedPair(reactor, Late);
      const reason = await client.lost;
      expect(client.data().toString()).toBe('alate');
      expect(reason.value).toBeInstanceOf(ConnectionDone);
    });

    it('stops reading at once', async () => {
      const reactor = freshReactor();
      const idle: IPushProducer = {
        pauseProducing: () => undefined,
        resumeProducing: () => undefined,
        stopProducing: () => undefined,
      };
      class Closer extends Recorder {
        override dataReceived(data: Uint8Array): void {
          super.dataReceived(data);
          this.transport.registerProducer(idle, true); // holds the close back
          this.transport.loseConnection();
          this.transport.write('ack');
        }
      }
      const { server, client } = await connectedPair(reactor, Closer);
      client.transport.write('first');
      await client.bytes(3);
      client.transport.write('second');
      await someTurns();
      expect(server.data().toString()).toBe('first');
      server.transport.unregisterProducer();
      expect(errorName(await server.lost)).toBe('ConnectionDone');
      expect(server.events.filter((e) => e === 'data')).toHaveLength(1);
    });

    it('closes a connection whose write side was already closed by loseWriteConnection', async () => {
      const reactor = freshReactor();
      const writeLost = later();
      class HalfClosing extends Recorder implements IHalfCloseableProtocol {
        readConnectionLost(): void {
          // not expected here
        }
        writeConnectionLost(): void {
          writeLost.resolve(undefined);
        }
      }
      const { server, client } = await connectedPair(reactor, Recorder, HalfClosing);
      client.transport.loseWriteConnection();
      client.transport.loseWriteConnection(); // once is enough
      await writeLost.promise;
      client.transport.loseConnection();
      expect(errorName(await client.lost)).toBe('ConnectionDone');
      expect(errorName(await server.lost)).toBe('ConnectionDone');
    });

    it('ignores loseWriteConnection and writeSequence once closing', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      client.transport.write('x');
      client.transport.loseConnection();
      client.transport.loseWriteConnection();
      await nextTurn();
      client.transport.writeSequence(['too', 'late']);
      await client.lost;
      expect((await server.lost).value).toBeInstanceOf(ConnectionDone);
      expect(server.data().toString()).toBe('x');
    });

    it('is idempotent', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      client.transport.loseConnection();
      client.transport.loseConnection();
      await Promise.all([client.lost, server.lost]);
      client.transport.loseConnection();
      await someTurns(2);
      expect(client.events.filter((e) => e === 'lost')).toHaveLength(1);
    });
  });

  describe('abortConnection', () => {
    it('reports ConnectionAborted locally on a later turn and ConnectionLost (a reset) at the peer', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      client.transport.abortConnection();
      expect(client.isLost).toBe(false); // not synchronously
      const [c, s] = await Promise.all([client.lost, server.lost]);
      expect(c.value).toBeInstanceOf(ConnectionAborted);
      expect(s.value).toBeInstanceOf(ConnectionLost);
      expect(s.value).not.toBeInstanceOf(ConnectionAborted);
      expect(s.value).toMatchObject({ code: 'ECONNRESET' });
    });

    it('drops what was written in the same turn: the peer sees only the reset', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      client.transport.write('doomed');
      client.transport.abortConnection();
      const [c, s] = await Promise.all([client.lost, server.lost]);
      expect(c.value).toBeInstanceOf(ConnectionAborted);
      expect(s.value).toBeInstanceOf(ConnectionLost);
      expect(server.received).toBe(0);
    });

    it('drops data not yet sent', async () => {
      const reactor = freshReactor();
      class Paused extends Counter {
        override connectionMade(): void {
          super.connectionMade();
          this.transport.pauseProducing();
        }
      }
      const { server, client } = await connectedPair(reactor, Paused);
      const big = pattern(32 * 1024 * 1024);
      client.transport.write(big); // more than the kernel buffers hold: Node keeps the rest
      expect(tcpTransport(client.transport).getHandle().writableLength).toBeGreaterThan(0);
      client.transport.abortConnection();
      server.transport.resumeProducing();
      await Promise.all([client.lost, server.lost]);
      expect(server.received).toBeLessThan(big.length);
    });

    it('keeps the reason already known when the socket is closing anyway', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      tcpTransport(client.transport).getHandle().destroy(); // closed under weft's feet
      client.transport.abortConnection();
      client.transport.pauseProducing();
      expect((await client.lost).value).toBeInstanceOf(ConnectionDone);
      client.transport.pauseProducing(); // gone: nothing to pause
      await server.lost;
    });

    it('does nothing when called again, after loseConnection, or once the connection is gone', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      client.transport.loseConnection();
      client.transport.abortConnection(); // upgrades the pending clean close
      client.transport.abortConnection();
      const reason = await client.lost;
      expect(reason.value).toBeInstanceOf(ConnectionAborted);
      client.transport.abortConnection();
      await server.lost;
      server.transport.abortConnection();
      await someTurns(2);
      expect(client.events.filter((e) => e === 'lost')).toHaveLength(1);
      expect(server.events.filter((e) => e === 'lost')).toHaveLength(1);
    });
  });

  describe('TCP options', () => {
    it('sets and reads TCP_NODELAY and keep-alive, both off by default', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      for (const t of [server.transport, client.transport]) {
        expect(t.getTcpNoDelay()).toBe(false);
        expect(t.getTcpKeepAlive()).toBe(false);
        t.setTcpNoDelay(true);
        t.setTcpKeepAlive(true);
        expect(t.getTcpNoDelay()).toBe(true);
        expect(t.getTcpKeepAlive()).toBe(true);
        t.setTcpNoDelay(false);
        expect(t.getTcpNoDelay()).toBe(false);
      }
      client.transport.write('still works');
      await server.bytes(11);
    });

    it('does not throw when set after the connection is gone', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      client.transport.abortConnection();
      await Promise.all([client.lost, server.lost]);
      expect(() => {
        client.transport.setTcpNoDelay(true);
        client.transport.setTcpKeepAlive(true);
      }).not.toThrow();
    });
  });

  describe('as a producer (reading)', () => {
    it('pauseProducing stops dataReceived until resumeProducing', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      server.transport.pauseProducing();
      client.transport.write('held');
      await someTurns();
      expect(server.received).toBe(0);
      server.transport.resumeProducing();
      expect((await server.bytes(4)).toString()).toBe('held');
    });

    it('resumeProducing does not restart reading once disconnecting', async () => {
      const reactor = freshReactor();
      const hold: IPushProducer = {
        pauseProducing: () => undefined,
        resumeProducing: () => undefined,
        stopProducing: () => undefined,
      };
      const { server, client } = await connectedPair(reactor);
      server.transport.registerProducer(hold, true);
      server.transport.loseConnection();
      server.transport.resumeProducing();
      client.transport.write('ignored');
      await someTurns();
      expect(server.received).toBe(0);
      server.transport.unregisterProducer();
      await server.lost;
    });

    it('stopProducing closes the connection cleanly', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      server.transport.stopProducing();
      expect(errorName(await client.lost)).toBe('ConnectionDone');
      expect(errorName(await server.lost)).toBe('ConnectionDone');
    });
  });

  describe('as a consumer (registerProducer)', () => {
    it('has a 64 KiB buffer, as Twisted', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      expect(DEFAULT_BUFFER_SIZE).toBe(65536);
      expect(tcpTransport(server.transport).bufferSize).toBe(65536);
      expect(tcpTransport(client.transport).bufferSize).toBe(65536);
    });

    it('pauses a push producer for a slow reader and resumes it once the buffer drains', async () => {
      const reactor = freshReactor();
      const total = 64 * 1024 * 1024;
      const { server, client } = await connectedPair(reactor, Recorder, SlowReader);
      const source = new PushSource(server.transport, pattern(16 * 1024), total);
      server.transport.registerProducer(source, true);
      source.pump();
      await source.pausedOnce.promise;
      // Paused long before the whole 64 MiB: memory stays bounded by the buffer size.
      expect(source.written).toBeLessThan(total);
      expect(source.bufferedAtPause[0]).toBeLessThanOrEqual(DEFAULT_BUFFER_SIZE + 16 * 1024);
      expect(source.resumes).toBe(0);
      client.transport.resumeProducing();
      await source.resumedOnce.promise;
      await Promise.all([source.finished.promise, client.lost]);
      expect(client.received).toBe(total);
      expect(source.pauses).toBeGreaterThanOrEqual(1);
      // Each pause is undone, except perhaps the last, when the producer has finished and unregistered.
      expect(source.resumes).toBeGreaterThanOrEqual(source.pauses - 1);
      for (const buffered of source.bufferedAtPause) {
        expect(buffered).toBeLessThanOrEqual(DEFAULT_BUFFER_SIZE + 16 * 1024);
      }
    });

    it('asks a pull producer for data at registration and each time everything was sent', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor, Recorder, Counter);
      const chunk = pattern(64 * 1024);
      const rounds = 200;
      const bufferedAtCall: number[] = [];
      const transport = tcpTransport(server.transport);
      const source: IPullProducer = {
        resumeProducing() {
          bufferedAtCall.push(transport.getHandle().writableLength);
          // Two writes a call: the first one's completion must not ask for more early.
          transport.write(chunk.subarray(0, 1000));
          transport.write(chunk.subarray(1000));
          if (bufferedAtCall.length === rounds) {
            transport.unregisterProducer();
            transport.loseConnection();
          }
        },
        stopProducing: () => undefined,
      };
      transport.registerProducer(source, false);
      expect(bufferedAtCall).toHaveLength(1); // at once, at registration
      await client.lost;
      expect(client.received).toBe(rounds * chunk.length);
      expect(bufferedAtCall).toHaveLength(rounds);
      // Never asked while data was still waiting to be sent.
      expect(bufferedAtCall.every((n) => n === 0)).toBe(true);
    });

    it('refuses a second producer with InvalidStateError', async () => {
      const reactor = freshReactor();
      const { server } = await connectedPair(reactor);
      const p: IPushProducer = {
        pauseProducing: () => undefined,
        resumeProducing: () => undefined,
        stopProducing: () => undefined,
      };
      server.transport.registerProducer(p, true);
      expect(() => {
        server.transport.registerProducer(p, true);
      }).toThrow(InvalidStateError);
      server.transport.unregisterProducer();
      server.transport.registerProducer(p, true); // fine again once unregistered
    });

    it('stops a producer registered on a connection that is gone, at once', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      client.transport.loseConnection();
      await server.lost;
      const log: string[] = [];
      server.transport.registerProducer(
        { resumeProducing: () => log.push('resume'), stopProducing: () => log.push('stop') },
        false,
      );
      expect(log).toEqual(['stop']);
    });

    it('stops the registered producer when the connection is lost, before connectionLost', async () => {
      const reactor = freshReactor();
      const log: string[] = [];
      class Logging extends Recorder {
        override connectionLost(reason: Failure): void {
          log.push('connectionLost');
          super.connectionLost(reason);
        }
      }
      const { server, client } = await connectedPair(reactor, Logging);
      const source = new PushSource(server.transport, pattern(1), 0, log);
      server.transport.registerProducer(source, true);
      client.transport.abortConnection();
      await server.lost;
      expect(log).toEqual(['stopProducing', 'connectionLost']);
    });

    it('closes the connection with the error a push producer’s pauseProducing throws', async () => {
      const reactor = freshReactor();
      using logs = new LogCapture();
      const { server, client } = await connectedPair(reactor, Recorder, SlowReader);
      const broke = new Error('pauseProducing broke');
      server.transport.registerProducer(
        {
          pauseProducing: () => {
            throw broke;
          },
          resumeProducing: () => undefined,
          stopProducing: () => undefined,
        },
        true,
      );
      const chunk = pattern(64 * 1024);
      while (!server.transport.disconnecting) server.transport.write(chunk); // never throws
      expect((await server.lost).value).toBe(broke);
      expect(logs.failures.map((f) => f.value)).toContain(broke);
      client.transport.resumeProducing(); // reads up to the close
      expect(errorName(await client.lost)).toBe('ConnectionDone');
    });

    it('closes the connection with the error a pull producer throws when asked again', async () => {
      const reactor = freshReactor();
      using logs = new LogCapture();
      const { server } = await connectedPair(reactor);
      const broke = new Error('resumeProducing broke');
      let calls = 0;
      server.transport.registerProducer(
        {
          resumeProducing: () => {
            calls++;
            if (calls > 1) throw broke;
            server.transport.write('first');
          },
          stopProducing: () => undefined,
        },
        false,
      );
      expect((await server.lost).value).toBe(broke);
      expect(calls).toBe(2);
      expect(logs.failures.map((f) => f.value)).toContain(broke);
    });

    it('logs an error stopProducing throws at connection loss, and still calls connectionLost', async () => {
      const reactor = freshReactor();
      using logs = new LogCapture();
      const { server, client } = await connectedPair(reactor);
      const broke = new Error('stopProducing broke');
      server.transport.registerProducer(
        {
          pauseProducing: () => undefined,
          resumeProducing: () => undefined,
          stopProducing: () => {
            throw broke;
          },
        },
        true,
      );
      client.transport.loseConnection();
      expect(errorName(await server.lost)).toBe('ConnectionDone');
      expect(logs.failures.map((f) => f.value)).toContain(broke);
    });

    it('holds loseConnection back until the producer unregisters', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      const source = new PushSource(server.transport, pattern(1), 0);
      server.transport.registerProducer(source, true);
      server.transport.loseConnection();
      server.transport.write('while held');
      await someTurns();
      expect(client.isLost).toBe(false);
      expect((await client.bytes(10)).toString()).toBe('while held');
      server.transport.unregisterProducer();
      expect(errorName(await client.lost)).toBe('ConnectionDone');
      expect(source.stopped).toBe(false); // unregistered first: not stopped
    });
  });
});

describe('a raw node:net peer', () => {
  it('talks to a weft server like any TCP server', async () => {
    const reactor = freshReactor();
    const port = await reactor.listenTCP(0, Factory.forProtocol(Echo), { interface: '127.0.0.1' });
    const echoed = later<string>();
    const socket = netConnect(portNumber(port), '127.0.0.1', () => {
      socket.end('ping');
    });
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString();
    });
    socket.on('close', () => {
      echoed.resolve(got);
    });
    // The echo protocol is not half-closeable: the peer's FIN closes the connection cleanly.
    expect(await echoed.promise).toBe('ping');
  });
});
