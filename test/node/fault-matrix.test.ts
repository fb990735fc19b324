// Faults on real sockets: resets, half-closes, refused/timed-out/unresolvable connects, exceptions
// in every protocol callback, running out of descriptors (in a child process under `ulimit -n`),
// late socket errors, and reactor shutdown. Each must end in the documented callback with the
// documented error class, never in a crash or an unhandled 'error'.
import { spawn } from 'node:child_process';
import { connect as netConnect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';

import type { IAddress } from '../../src/core/address.js';
import {
  ConnectError,
  ConnectingTimeoutError,
  ConnectionDone,
  ConnectionLost,
  ConnectionRefusedError,
  DNSLookupError,
  TimeoutError,
  UserError,
} from '../../src/core/errors.js';
import type { Failure } from '../../src/core/failure.js';
import type { IHalfCloseableProtocol, IPushProducer } from '../../src/core/interfaces/index.js';
import { NodeReactor } from '../../src/node/reactor.js';
import { LogCapture } from '../../src/testing/log-capture.js';
import {
  connectedPair,
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
  shutDown,
  tcpTransport,
} from './socket-helpers.js';
import { compiledFixtures } from '../support/compiled-fixtures.js';

/** A protocol that implements IHalfCloseableProtocol, recording both half-closes. */
class HalfCloser extends Recorder implements IHalfCloseableProtocol {
  readonly readLost = later();
  readonly writeLost = later();

  readConnectionLost(): void {
    this.events.push('readConnectionLost');
    this.readLost.resolve(undefined);
  }

  writeConnectionLost(): void {
    this.events.push('writeConnectionLost');
    this.writeLost.resolve(undefined);
  }
}

/**
 * A TCP listener on 127.0.0.1 that never accepts: it listens with backlog 1 in a worker thread
 * that then blocks forever in Atomics.wait, so once two connections fill its accept queue, Linux
 * drops further SYNs and connection attempts hang.
 */
async function unresponsiveListener(): Promise<{ port: number; close(): Promise<void> }> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `
    const { workerData, parentPort } = require('node:worker_threads');
    const server = require('node:net').createServer();
    server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
      parentPort.postMessage(server.address().port);
      Atomics.wait(workerData, 0, 0); // block this thread's event loop: nothing is ever accepted
      server.close();
    });
    `,
    { eval: true, workerData: flag },
  );
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    port,
    async close() {
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      await worker.terminate();
    },
  };
}

/** Fills the accept queue of `port` (which never accepts); resolves once an attempt hangs. */
async function fillAcceptQueue(reactor: NodeReactor, port: number): Promise<Failure> {
  for (let i = 0; i < 16; i++) {
    const factory = new RecordingClientFactory(Recorder);
    reactor.connectTCP('127.0.0.1', port, factory, { timeout: 0.25 });
    const outcome = await Promise.race([factory.made, factory.failed]);
    if (!(outcome instanceof Recorder)) return outcome;
  }
  throw new Error('the accept queue never filled');
}

describe('fault matrix', () => {
  describe('peer reset', () => {
    it('mid-write: the writing side gets ConnectionLost with the platform code', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      const chunk = pattern(64 * 1024);
      let writes = 0;
      const source: IPushProducer = {
        pauseProducing: () => undefined,
        resumeProducing: () => undefined,
        stopProducing: () => undefined,
      };
      server.transport.registerProducer(source, true);
      const pump = (): void => {
        if (server.isLost) return;
        for (let i = 0; i < 16; i++) {
          server.transport.write(chunk); // never throws, even once the peer is gone
          writes++;
        }
        setImmediate(pump);
      };
      pump();
      await client.bytes(256 * 1024);
      client.transport.abortConnection();
      const reason = await server.lost;
      expect(reason.value).toBeInstanceOf(ConnectionLost);
      expect(['ECONNRESET', 'EPIPE']).toContain((reason.value as ConnectionLost).code);
      expect((reason.value as Error).cause).toMatchObject({ code: expect.any(String) as string });
      expect(writes).toBeGreaterThan(0);
      expect(() => {
        server.transport.write('after the reset');
      }).not.toThrow();
    });
  });

  describe('peer half-close', () => {
    it('closes a protocol that is not half-closeable, with ConnectionDone', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      client.transport.write('last words');
      client.transport.loseWriteConnection();
      const reason = await server.lost;
      expect(reason.value).toBeInstanceOf(ConnectionDone);
      expect(server.data().toString()).toBe('last words');
      expect(errorName(await client.lost)).toBe('ConnectionDone');
    });

    it('calls readConnectionLost instead of connectionLost on a half-closeable protocol, which may keep writing', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor, HalfCloser);
      client.transport.write('ping');
      client.transport.loseWriteConnection();
      await server.readLost.promise;
      expect(server.isLost).toBe(false);
      expect(server.data().toString()).toBe('ping');
      server.transport.write('pong');
      server.transport.loseConnection();
      expect((await client.bytes(4)).toString()).toBe('pong');
      expect(errorName(await server.lost)).toBe('ConnectionDone');
      expect(server.events.filter((e) => e === 'lost')).toHaveLength(1);
      expect(server.events.at(-2)).toBe('readConnectionLost');
    });

    it('loseWriteConnection sends what was written, then writeConnectionLost; later writes are dropped', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor, HalfCloser, HalfCloser);
      client.transport.write('request');
      client.transport.loseWriteConnection();
      client.transport.write(' (same turn: still sent)');
      await client.writeLost.promise;
      client.transport.write('dropped');
      await server.readLost.promise;
      expect(server.data().toString()).toBe('request (same turn: still sent)');
      // The read side stays open: the server answers, then closes its side too.
      server.transport.write('response');
      server.transport.loseWriteConnection();
      await client.readLost.promise;
      expect(client.data().toString()).toBe('response');
      // Both directions closed: the connection ends cleanly on both sides.
      expect(errorName(await client.lost)).toBe('ConnectionDone');
      expect(errorName(await server.lost)).toBe('ConnectionDone');
      expect(client.events).toEqual([
        'made',
        'writeConnectionLost',
        'data',
        'readConnectionLost',
        'lost',
      ]);
    });
  });

  describe('connecting', () => {
    it('to a closed port fails with ConnectionRefusedError carrying ECONNREFUSED', async () => {
      const reactor = freshReactor();
      const port = await reactor.listenTCP(0, new RecordingFactory(Recorder), {
        interface: '127.0.0.1',
      });
      const n = portNumber(port);
      await port.stopListening();
      const factory = new RecordingClientFactory(Recorder);
      reactor.connectTCP('127.0.0.1', n, factory);
      const reason = await factory.failed;
      expect(reason.value).toBeInstanceOf(ConnectionRefusedError);
      expect(reason.value).toBeInstanceOf(ConnectError);
      expect(reason.value).toMatchObject({ code: 'ECONNREFUSED' });
      expect((reason.value as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('to a name that does not resolve fails with DNSLookupError', async () => {
      const reactor = freshReactor();
      const factory = new RecordingClientFactory(Recorder);
      reactor.connectTCP('nonexistent.invalid', 80, factory);
      const reason = await factory.failed;
      expect(reason.value).toBeInstanceOf(DNSLookupError);
      expect(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL']).toContain(
        (reason.value as DNSLookupError).code,
      );
      expect((reason.value as Error).message).toContain('nonexistent.invalid');
      await factory.stopped;
    });

    describe('to a listener that never answers', () => {
      let listener: Awaited<ReturnType<typeof unresponsiveListener>>;
      let filler: NodeReactor;

      beforeAll(async () => {
        listener = await unresponsiveListener();
      });

      afterAll(async () => {
        await shutDown(filler);
        await listener.close();
      });

      it('times out with ConnectingTimeoutError, on the reactor’s clock', async () => {
        filler = new NodeReactor(); // shut down in afterAll: its connections keep the queue full
        const first = await fillAcceptQueue(filler, listener.port);
        expect(first.value).toBeInstanceOf(ConnectingTimeoutError);
        // The queue is full: this attempt hangs until our own timer fires.
        const reactor = freshReactor();
        const factory = new RecordingClientFactory(Recorder);
        const start = reactor.seconds();
        reactor.connectTCP('127.0.0.1', listener.port, factory, { timeout: 0.05 });
        const [timer] = reactor.getDelayedCalls();
        expect(timer?.getTime()).toBeGreaterThanOrEqual(start + 0.05);
        expect(timer?.getTime()).toBeLessThan(reactor.seconds() + 0.06);
        const reason = await factory.failed;
        expect(reactor.seconds()).toBeGreaterThanOrEqual(start + 0.05);
        expect(reason.value).toBeInstanceOf(ConnectingTimeoutError);
        expect(reason.value).toBeInstanceOf(UserError);
        expect(reason.value).toBeInstanceOf(TimeoutError);
        expect(reactor.getDelayedCalls()).toHaveLength(0);
        await factory.stopped;
      });

      it('fails the attempt with a ConnectError when the reactor shuts down', async () => {
        const reactor = freshReactor();
        const factory = new RecordingClientFactory(Recorder);
        const connector = reactor.connectTCP('127.0.0.1', listener.port, factory);
        await nextTurn();
        expect(connector.state).toBe('connecting');
        await shutDown(reactor);
        const reason = await factory.failed;
        expect(reason.value).toBeInstanceOf(ConnectError);
        expect((reason.value as Error).cause).toBeInstanceOf(ConnectionLost);
        expect(factory.events.at(-1)).toBe('stopFactory');
      });
    });
  });

  describe('exceptions in callbacks', () => {
    const cases = [
      {
        callback: 'connectionMade',
        protocol: class extends Recorder {
          override connectionMade(): void {
            super.connectionMade();
            throw new Error('connectionMade broke');
          }
        },
        provoke: (_client: Recorder): void => undefined,
      },
      {
        callback: 'dataReceived',
        protocol: class extends Recorder {
          override dataReceived(data: Uint8Array): void {
            super.dataReceived(data);
            throw new Error('dataReceived broke');
          }
        },
        provoke: (client: Recorder): void => {
          client.transport.write('x');
        },
      },
      {
        callback: 'readConnectionLost',
        protocol: class extends HalfCloser {
          override readConnectionLost(): void {
            throw new Error('readConnectionLost broke');
          }
        },
        provoke: (client: Recorder): void => {
          client.transport.loseWriteConnection();
        },
      },
      {
        callback: 'writeConnectionLost',
        protocol: class extends HalfCloser {
          override connectionMade(): void {
            super.connectionMade();
            this.transport.loseWriteConnection();
          }
          override writeConnectionLost(): void {
            throw new Error('writeConnectionLost broke');
          }
        },
        provoke: (_client: Recorder): void => undefined,
      },
    ];

    for (const { callback, protocol, provoke } of cases) {
      it(`${callback} throwing: logged, that connection closed with the error as reason, the port keeps serving`, async () => {
        const reactor = freshReactor();
        using logs = new LogCapture();
        let broken = true;
        const factory = new (class extends RecordingFactory {
          override buildProtocol(addr: IAddress): Recorder | null {
            if (!broken) return super.buildProtocol(addr);
            broken = false;
            const p = new protocol();
            this.built.push(p);
            return p;
          }
        })(Recorder);
        const port = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
        const bystander = new RecordingClientFactory(Recorder);
        const victim = new RecordingClientFactory(Recorder);
        reactor.connectTCP('127.0.0.1', portNumber(port), victim);
        provoke(await victim.made);
        const serverReason = await (factory.built[0] as Recorder).lost;
        expect((serverReason.value as Error).message).toBe(`${callback} broke`);
        expect(logs.failures.map((f) => f.value)).toContain(serverReason.value);
        // The peer sees an ordinary close.
        expect(errorName(await victim.lost)).toBe('ConnectionDone');
        // Other connections and the port are unaffected.
        reactor.connectTCP('127.0.0.1', portNumber(port), bystander);
        const [served, other] = await Promise.all([factory.connection(1), bystander.made]);
        other.transport.write('fine');
        expect((await served.bytes(4)).toString()).toBe('fine');
      });
    }

    it('connectionLost throwing is logged; the port keeps serving', async () => {
      const reactor = freshReactor();
      using logs = new LogCapture();
      const broke = new Error('connectionLost broke');
      let throwOnce = true;
      class Broken extends Recorder {
        override connectionLost(reason: Failure): void {
          super.connectionLost(reason);
          if (!throwOnce) return;
          throwOnce = false;
          throw broke;
        }
      }
      const { server, client, port, serverFactory } = await connectedPair(reactor, Broken);
      client.transport.loseConnection();
      await server.lost;
      await nextTurn();
      expect(logs.failures.map((f) => f.value)).toContain(broke);
      const again = new RecordingClientFactory(Recorder);
      reactor.connectTCP('127.0.0.1', portNumber(port), again);
      await Promise.all([again.made, serverFactory.connection(1)]);
    });

    it('buildProtocol throwing is logged, closes that connection and the port keeps accepting', async () => {
      const reactor = freshReactor();
      using logs = new LogCapture();
      const broke = new Error('buildProtocol broke');
      let throwOnce = true;
      const factory = new (class extends RecordingFactory {
        override buildProtocol(addr: IAddress): Recorder | null {
          if (throwOnce) {
            throwOnce = false;
            throw broke;
          }
          return super.buildProtocol(addr);
        }
      })(Recorder);
      const port = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
      const victim = new RecordingClientFactory(Recorder);
      reactor.connectTCP('127.0.0.1', portNumber(port), victim);
      expect(errorName(await victim.lost)).toBe('ConnectionDone');
      expect(logs.failures.map((f) => f.value)).toContain(broke);
      const next = new RecordingClientFactory(Recorder);
      reactor.connectTCP('127.0.0.1', portNumber(port), next);
      await Promise.all([next.made, factory.connection(0)]);
    });

    it('a push producer throwing from resumeProducing closes the connection with that error', async () => {
      const reactor = freshReactor();
      using logs = new LogCapture();
      class SlowReader extends Recorder {
        override keepData = false;
        override connectionMade(): void {
          super.connectionMade();
          this.transport.pauseProducing();
        }
      }
      const { server, client } = await connectedPair(reactor, Recorder, SlowReader);
      const broke = new Error('resumeProducing broke');
      const paused = later();
      server.transport.registerProducer(
        {
          pauseProducing: () => {
            paused.resolve(undefined);
          },
          resumeProducing: () => {
            throw broke;
          },
          stopProducing: () => undefined,
        },
        true,
      );
      const chunk = pattern(64 * 1024);
      while (!paused.settled) server.transport.write(chunk);
      client.transport.resumeProducing();
      const reason = await server.lost;
      expect(reason.value).toBe(broke);
      expect(logs.failures.map((f) => f.value)).toContain(broke);
    });
  });

  describe('late errors', () => {
    it('an error a socket emits after connectionLost is handled', async () => {
      const reactor = freshReactor();
      const { server, client } = await connectedPair(reactor);
      client.transport.abortConnection();
      await Promise.all([client.lost, server.lost]);
      const socket: Socket = tcpTransport(server.transport).getHandle();
      expect(socket.listenerCount('error')).toBeGreaterThan(0);
      expect(() => {
        socket.emit('error', new Error('late'));
      }).not.toThrow();
      expect(server.events.filter((e) => e === 'lost')).toHaveLength(1);
    });

    it('an accept error the server reports is logged with its code; the port keeps accepting', async () => {
      const reactor = freshReactor();
      using logs = new LogCapture();
      const factory = new RecordingFactory(Recorder);
      const port = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
      const emfile = Object.assign(new Error('accept EMFILE'), {
        code: 'EMFILE',
        syscall: 'accept',
      });
      serverPort(port).getHandle().emit('error', emfile);
      const event = logs.events.find((e) => e.log_failure?.value === emfile);
      expect(event).toMatchObject({ code: 'EMFILE', log_level: 'error' });
      reactor.connectTCP('127.0.0.1', portNumber(port), new RecordingClientFactory(Recorder));
      await factory.connection();
    });
  });

  describe('reactor shutdown', () => {
    it('gives every open connection ConnectionLost, stops every port, before shutdown ends', async () => {
      const reactor = freshReactor();
      const a = await connectedPair(reactor);
      const b = await connectedPair(reactor);
      const seenDuringShutdown: boolean[] = [];
      reactor.addSystemEventTrigger('after', 'shutdown', () => {
        for (const p of [a.server, a.client, b.server, b.client]) seenDuringShutdown.push(p.isLost);
      });
      await shutDown(reactor);
      expect(seenDuringShutdown).toEqual([true, true, true, true]);
      for (const p of [a.server, a.client, b.server, b.client]) {
        expect(errorName(await p.lost)).toBe('ConnectionLost');
        expect(p.events.filter((e) => e === 'lost')).toHaveLength(1);
      }
      expect(a.serverFactory.stops).toBe(1);
      expect(b.serverFactory.stops).toBe(1);
      expect(errorName(await a.clientFactory.lost)).toBe('ConnectionLost');
      // The ports really are closed.
      const other = freshReactor();
      const refused = new RecordingClientFactory(Recorder);
      other.connectTCP('127.0.0.1', portNumber(a.port), refused);
      expect((await refused.failed).value).toBeInstanceOf(ConnectionRefusedError);
    });
  });

  describe('running out of descriptors (EMFILE at accept)', () => {
    const fixture = compiledFixtures('fault', ['test/node/fixtures/emfile-server.js'])(
      'test/node/fixtures/emfile-server.js',
    );

    it('never crashes the server, closes what it cannot accept, and accepts again once descriptors are free', async () => {
      const child = spawn('bash', ['-c', `ulimit -n 64; exec "${process.execPath}" "${fixture}"`], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const clients: Socket[] = [];
      onTestFinished(() => {
        for (const c of clients) c.destroy();
        child.kill('SIGKILL');
      });
      const lines: string[] = [];
      const waiters = new Set<() => void>();
      let pending = '';
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.stdout.on('data', (d: Buffer) => {
        pending += d.toString();
        for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
          lines.push(pending.slice(0, i));
          pending = pending.slice(i + 1);
        }
        for (const w of [...waiters]) w();
      });
      const exited = new Promise<number | null>((resolve) => {
        child.on('close', (code) => {
          for (const w of [...waiters]) w();
          resolve(code);
        });
      });
      /** The next line matching `test` (consumed), or an error if the child has ended. */
      const nextLine = (test: (line: string) => boolean): Promise<string> =>
        new Promise((resolve, reject) => {
          const check = (): void => {
            const i = lines.findIndex(test);
            if (i >= 0) {
              waiters.delete(check);
              resolve(lines.splice(i, 1)[0] as string);
            } else if (child.exitCode !== null || child.signalCode !== null) {
              waiters.delete(check);
              reject(new Error(`server exited: ${lines.join('\n')}\n${stderr}`));
            }
          };
          waiters.add(check);
          check();
        });

      const port = Number((await nextLine((l) => l.startsWith('listening '))).split(' ')[1]);
      // Open connections one by one until one is closed by the server without being made.
      let made = 0;
      let closedUnaccepted = false;
      while (!closedUnaccepted && made < 200) {
        const socket = netConnect(port, '127.0.0.1');
        socket.on('error', () => undefined);
        clients.push(socket);
        const closed = new Promise<'closed'>((resolve) => {
          socket.on('close', () => {
            resolve('closed');
          });
        });
        const outcome = await Promise.race([nextLine((l) => l.startsWith('made ')), closed]);
        if (outcome === 'closed') closedUnaccepted = true;
        else made++;
      }
      waiters.clear(); // the last 'made' wait lost the race: it must not take a later line
      expect(closedUnaccepted).toBe(true);
      expect(made).toBeGreaterThan(0);
      expect(made).toBeLessThan(64);
      expect(child.exitCode).toBeNull(); // still up
      // Free some descriptors: the server sees those connections end...
      for (const c of clients.splice(0, 10)) c.destroy();
      for (let i = 1; i <= 10; i++) await nextLine((l) => l === `lost ${String(i)}`);
      // ...and accepts a new one.
      const fresh = netConnect(port, '127.0.0.1');
      fresh.on('error', () => undefined);
      clients.push(fresh);
      expect(await nextLine((l) => l.startsWith('made '))).toBe(`made ${String(made + 1)}`);
      child.stdin.end();
      expect(await exited).toBe(0);
      expect(stderr).toBe('');
    });
  });
});
