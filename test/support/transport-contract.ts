/**
 * The `ITransport` contract (Twisted's `ReactorBuilder` idea): one set of
 * tests, run against every connected transport — the in-memory
 * `FakeTransport` pairs an `IOPump` drives, and the Node reactor's TCP
 * (IPv4, IPv6) and UNIX transports over real sockets.
 *
 * The same test bodies run deterministically on both kinds. They never look
 * at the clock: every wait is `await pair.until(condition, what)`, which
 * pumps an in-memory pair until the condition holds (failing as soon as the
 * pair goes quiet without it), or, on real sockets, re-checks the condition
 * each time a protocol or producer of the suite is called (failing after a
 * time limit). The only "nothing happened" checks are made after
 * `pair.settle()`: a flush in memory, and on sockets a run of event-loop
 * turns in which no callback of the suite ran. The protocols and producers
 * are in `transport-peers.ts`, the pairs in `transport-pairs.ts`.
 *
 * Rules are Twisted's (`twisted.md` §1.2, §1.3, §1.5); where Twisted's real
 * transports and its iosim differ, the difference is an option of the suite
 * ({@link TransportContractOptions}), named after the platform behaviour.
 */
import { afterEach, describe, expect, it } from 'vitest';

import type { IAddress } from '../../src/core/address.js';
import {
  ConnectionAborted,
  ConnectionDone,
  ConnectionLost,
  InvalidStateError,
} from '../../src/core/errors.js';
import type { IStreamTransport } from '../../src/core/interfaces/index.js';
import { LogCapture } from '../../src/testing/log-capture.js';
import type { MakePair, TransportPair } from './transport-pairs.js';
import {
  expectSameBytes,
  HalfCloseablePeer,
  IdleProducer,
  pattern,
  Peer,
  PullWriter,
  PushWriter,
  resetTimeline,
  timelineOf,
} from './transport-peers.js';

/** How the suite treats an implementation, where Twisted's own transports differ. */
export interface TransportContractOptions {
  /** The class `getHost()` and `getPeer()` return on both ends. */
  readonly addressClass: abstract new (...args: never[]) => IAddress;
  /**
   * What the peer of an `abortConnection()` gets: `ConnectionLost` where the
   * abort is a reset (TCP, and iosim), `ConnectionDone` where the platform
   * has no reset (UNIX sockets: Twisted's `SO_LINGER` abort is an ordinary
   * close there too).
   */
  readonly peerSeesAbortAs: typeof ConnectionLost | typeof ConnectionDone;
  /**
   * Whether writes made right after `loseConnection()` or
   * `loseWriteConnection()`, before the close is under way, still reach the
   * peer (Twisted's real transports ✔: `write(a); loseConnection();
   * write(late)` delivers `alate`) or are dropped (Twisted's iosim).
   */
  readonly sendsWritesRightAfterClose: boolean;
  /** Bytes the transport holds, written but not yet handed on (to the pump, or to the OS). */
  readonly bufferedBytes: (transport: IStreamTransport) => number;
}

const KiB = 1024;
const MiB = 1024 * KiB;
/** Twisted's `FileDescriptor.bufferSize`, the high-water mark both transports use. */
const BUFFER_SIZE = 64 * KiB;

/**
 * Registers the `ITransport` contract tests for `name`. `makePair` is called
 * once per test; the pair is closed after it, and both ends' lifecycles
 * (made once, lost once, data only in between) are checked then.
 */
export function describeITransport(
  name: string,
  makePair: MakePair,
  options: TransportContractOptions,
): void {
  const buffered = options.bufferedBytes;

  describe(`${name} as ITransport`, () => {
    let current: TransportPair<Peer, Peer> | undefined;

    async function setUp<S extends Peer = Peer, C extends Peer = Peer>(
      server: new () => S = Peer as new () => S,
      client: new () => C = Peer as new () => C,
    ): Promise<TransportPair<S, C>> {
      resetTimeline();
      const pair = await makePair(server, client);
      current = pair;
      return pair;
    }

    /** The pair's shared timeline, as 'server:made', 'client:data', ... */
    function order(pair: TransportPair<Peer, Peer>, keep?: (event: string) => boolean): string[] {
      return timelineOf(pair.server, pair.client, keep);
    }

    afterEach(async () => {
      const pair = current;
      current = undefined;
      if (pair === undefined) return;
      await pair.close();
      for (const [side, p] of [
        ['server', pair.server],
        ['client', pair.client],
      ] as const) {
        expect(p.violations, `${side} lifecycle violations`).toEqual([]);
        expect(p.makeConnectionCalls, `${side} makeConnection calls`).toBe(1);
        expect(p.events[0], `${side} first callback`).toBe('made');
        expect(p.count('made'), `${side} connectionMade calls`).toBe(1);
        expect(p.count('lost'), `${side} connectionLost calls`).toBe(1);
        expect(p.events.at(-1), `${side} last callback`).toBe('lost');
      }
    });

    describe('lifecycle', () => {
      it('calls makeConnection, then connectionMade, exactly once on each end, with the transport set', async () => {
        const { server, client } = await setUp();
        for (const p of [server, client]) {
          expect(p.makeConnectionCalls).toBe(1);
          expect(p.events).toEqual(['made']);
          expect(p.connected).toBe(true);
          expect(p.transport.disconnecting).toBe(false);
        }
        expect(server.transport).not.toBe(client.transport);
      });

      it('delivers data only between connectionMade and connectionLost, both ways', async () => {
        const pair = await setUp();
        const { server, client } = pair;
        client.transport.write('ping');
        server.transport.write('pong');
        await pair.until(() => server.received === 4 && client.received === 4, 'both got 4 bytes');
        client.transport.loseConnection();
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        expect(server.text()).toBe('ping');
        expect(client.text()).toBe('pong');
        client.transport.write('after the end');
        server.transport.write('after the end');
        await pair.settle();
        for (const p of [server, client]) {
          expect(p.events[0]).toBe('made');
          expect(p.events.slice(1, -1).every((e) => e === 'data')).toBe(true);
          expect(p.events.at(-1)).toBe('lost');
          expect(p.violations).toEqual([]);
        }
      });

      it('calls connectionLost exactly once on each end when both ends close at the same time', async () => {
        const pair = await setUp();
        const { server, client } = pair;
        server.transport.loseConnection();
        client.transport.loseConnection();
        client.transport.loseConnection();
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        await pair.settle();
        expect(server.count('lost')).toBe(1);
        expect(client.count('lost')).toBe(1);
        // Each end's own close is clean; which end learns of the other's FIN first is a race.
        expect(server.reason?.value).toBeInstanceOf(ConnectionDone);
        expect(client.reason?.value).toBeInstanceOf(ConnectionDone);
      });

      it('sets disconnecting at loseConnection(), before the close completes', async () => {
        const pair = await setUp();
        const { server, client } = pair;
        expect(client.transport.disconnecting).toBe(false);
        client.transport.loseConnection();
        expect(client.transport.disconnecting).toBe(true);
        expect(client.isLost).toBe(false);
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        expect(client.transport.disconnecting).toBe(true);
      });
    });

    describe('loseConnection', () => {
      it('gives both ends ConnectionDone when the client closes cleanly', async () => {
        const pair = await setUp();
        pair.client.transport.loseConnection();
        await pair.until(() => pair.server.isLost && pair.client.isLost, 'both ends are lost');
        expect(pair.client.reason?.value).toBeInstanceOf(ConnectionDone);
        expect(pair.server.reason?.value).toBeInstanceOf(ConnectionDone);
      });

      it('gives both ends ConnectionDone when the server closes cleanly', async () => {
        const pair = await setUp();
        pair.server.transport.loseConnection();
        await pair.until(() => pair.server.isLost && pair.client.isLost, 'both ends are lost');
        expect(pair.server.reason?.value).toBeInstanceOf(ConnectionDone);
        expect(pair.client.reason?.value).toBeInstanceOf(ConnectionDone);
      });

      it('sends everything already written (1 MiB in 4 KiB writes) before closing', async () => {
        const pair = await setUp();
        const { server, client } = pair;
        const data = pattern(MiB);
        for (let at = 0; at < data.length; at += 4 * KiB) {
          client.transport.write(data.subarray(at, at + 4 * KiB));
        }
        client.transport.loseConnection();
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        expectSameBytes(server.bytes(), data, 'bytes at the server');
        expect(server.reason?.value).toBeInstanceOf(ConnectionDone);
        expect(client.reason?.value).toBeInstanceOf(ConnectionDone);
      });

      it(
        options.sendsWritesRightAfterClose
          ? 'still sends writes made right after it, and ignores writes once the connection is gone'
          : 'ignores writes made after it, without throwing, and still closes cleanly',
        async () => {
          const pair = await setUp();
          const { server, client } = pair;
          client.transport.write('before');
          client.transport.loseConnection();
          expect(() => {
            client.transport.write('-late');
            client.transport.writeSequence(['-late', 'r']);
          }).not.toThrow();
          await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
          expect(() => {
            client.transport.write('-gone');
            client.transport.writeSequence(['-gone']);
          }).not.toThrow();
          await pair.settle();
          expect(server.text()).toBe(
            options.sendsWritesRightAfterClose ? 'before-late-later' : 'before',
          );
          expect(server.reason?.value).toBeInstanceOf(ConnectionDone);
          expect(client.reason?.value).toBeInstanceOf(ConnectionDone);
        },
      );

      it('stops reading at once: no dataReceived after it, whatever the peer still sends', async () => {
        const pair = await setUp();
        const { server, client } = pair;
        client.transport.write('one');
        await pair.until(() => server.received === 3, 'the server got "one"');
        server.transport.loseConnection();
        client.transport.write('two');
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        expect(server.text()).toBe('one');
        expect(server.reason?.value).toBeInstanceOf(ConnectionDone);
      });

      it('waits for a registered producer to unregister, sending what it writes meanwhile', async () => {
        const pair = await setUp();
        const { server, client } = pair;
        const producer = new IdleProducer();
        client.transport.registerProducer(producer, true);
        client.transport.write('a');
        client.transport.loseConnection();
        await pair.settle();
        expect(client.isLost).toBe(false);
        expect(server.isLost).toBe(false);
        client.transport.write('b');
        client.transport.unregisterProducer();
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        expect(server.text()).toBe('ab');
        expect(server.reason?.value).toBeInstanceOf(ConnectionDone);
        expect(client.reason?.value).toBeInstanceOf(ConnectionDone);
        expect(producer.calls).toEqual([]);
      });

      it('is idempotent', async () => {
        const pair = await setUp();
        const { server, client } = pair;
        client.transport.loseConnection();
        client.transport.loseConnection();
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        client.transport.loseConnection();
        await pair.settle();
        expect(client.count('lost')).toBe(1);
        expect(client.reason?.value).toBeInstanceOf(ConnectionDone);
      });
    });

    describe('abortConnection', () => {
      it(`gives ConnectionAborted locally, on a later turn, and ${options.peerSeesAbortAs.name} at the peer`, async () => {
        const pair = await setUp();
        const { server, client } = pair;
        client.transport.abortConnection();
        expect(client.isLost).toBe(false);
        expect(client.transport.disconnecting).toBe(true);
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        expect(client.reason?.value).toBeInstanceOf(ConnectionAborted);
        expect(server.reason?.value).toBeInstanceOf(options.peerSeesAbortAs);
        expect(server.reason?.value).not.toBeInstanceOf(ConnectionAborted);
      });

      it(`gives the peer ${options.peerSeesAbortAs.name} even when the aborting end wrote just before`, async () => {
        const pair = await setUp();
        const { server, client } = pair;
        client.transport.write('doomed');
        client.transport.abortConnection();
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        expect(client.reason?.value).toBeInstanceOf(ConnectionAborted);
        // Twisted drops the unsent 'doomed' and the peer sees only the reset (ConnectionLost).
        expect(server.reason?.value).toBeInstanceOf(options.peerSeesAbortAs);
      });

      it('does nothing when called again, after loseConnection, or once the connection is gone', async () => {
        const pair = await setUp();
        const { server, client } = pair;
        client.transport.abortConnection();
        client.transport.abortConnection();
        client.transport.loseConnection();
        server.transport.loseConnection();
        server.transport.abortConnection();
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        client.transport.abortConnection();
        server.transport.abortConnection();
        await pair.settle();
        expect(client.count('lost')).toBe(1);
        expect(server.count('lost')).toBe(1);
        expect(client.reason?.value).toBeInstanceOf(ConnectionAborted);
      });

      it('stops a registered producer and closes without waiting for it to unregister', async () => {
        const pair = await setUp();
        const { server, client } = pair;
        const log: string[] = [];
        const producer = new IdleProducer(log);
        client.onLost = () => log.push('connectionLost');
        client.transport.registerProducer(producer, true);
        client.transport.abortConnection();
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        expect(log).toEqual(['stopProducing', 'connectionLost']);
      });
    });

    describe('loseWriteConnection', () => {
      it('half-closes: the peer gets readConnectionLost and can still reply; this end gets writeConnectionLost', async () => {
        const pair = await setUp(HalfCloseablePeer, HalfCloseablePeer);
        const { server, client } = pair;
        server.onReadLost = () => {
          server.transport.write(`got ${server.text()}`);
          server.transport.loseConnection();
        };
        client.onReadLost = () => {
          client.transport.loseConnection();
        };
        client.transport.write('request');
        client.transport.loseWriteConnection();
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        expect(client.text()).toBe('got request');
        expect(server.reason?.value).toBeInstanceOf(ConnectionDone);
        expect(client.reason?.value).toBeInstanceOf(ConnectionDone);
        const steps = order(pair, (e) => e !== 'made');
        expect(steps.filter((s) => s.startsWith('server:'))).toEqual([
          ...steps.filter((s) => s === 'server:data'),
          'server:readLost',
          'server:lost',
        ]);
        // The reply was written after the server learnt of the half-close, which came after ours.
        expect(steps.indexOf('client:writeLost')).toBeLessThan(steps.indexOf('server:readLost'));
        expect(steps.indexOf('server:readLost')).toBeLessThan(steps.indexOf('client:data'));
        expect(steps.at(-1)).toMatch(/:lost$/);
        expect(client.count('readLost')).toBe(1);
        expect(client.count('writeLost')).toBe(1);
      });

      it('closes a peer that is not half-closeable with ConnectionDone, after the data', async () => {
        const pair = await setUp(Peer, HalfCloseablePeer);
        const { server, client } = pair;
        client.onReadLost = () => {
          client.transport.loseConnection();
        };
        client.transport.write('bye');
        client.transport.loseWriteConnection();
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        expect(server.text()).toBe('bye');
        expect(server.events).toEqual(['made', ...server.events.slice(1, -1), 'lost']);
        expect(server.reason?.value).toBeInstanceOf(ConnectionDone);
        expect(client.reason?.value).toBeInstanceOf(ConnectionDone);
        expect(client.count('writeLost')).toBe(1);
      });

      it(
        options.sendsWritesRightAfterClose
          ? 'still sends writes made right after it, and ignores writes once the write side is shut'
          : 'ignores writes made after it, without throwing',
        async () => {
          const pair = await setUp(Peer, HalfCloseablePeer);
          const { server, client } = pair;
          client.onReadLost = () => {
            client.transport.loseConnection();
          };
          client.transport.write('a');
          client.transport.loseWriteConnection();
          client.transport.write('b');
          await pair.until(() => client.count('writeLost') === 1, 'the client write side is shut');
          expect(() => {
            client.transport.write('c');
          }).not.toThrow();
          await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
          expect(server.text()).toBe(options.sendsWritesRightAfterClose ? 'ab' : 'a');
        },
      );

      it('lets loseConnection() finish the close once the write side is shut, with ConnectionDone once', async () => {
        const pair = await setUp(HalfCloseablePeer, HalfCloseablePeer);
        const { server, client } = pair;
        client.transport.loseWriteConnection();
        await pair.until(() => server.count('readLost') === 1, 'the server saw the half-close');
        client.transport.loseConnection();
        server.transport.loseConnection();
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        expect(client.reason?.value).toBeInstanceOf(ConnectionDone);
        expect(server.reason?.value).toBeInstanceOf(ConnectionDone);
      });
    });

    describe('as a push producer of what it reads', () => {
      it('stops dataReceived until resumeProducing', async () => {
        const pair = await setUp();
        const { server, client } = pair;
        server.transport.pauseProducing();
        client.transport.write('held');
        await pair.settle();
        expect(server.received).toBe(0);
        server.transport.resumeProducing();
        await pair.until(() => server.received === 4, 'the server got 4 bytes');
        expect(server.text()).toBe('held');
      });

      it("holds the peer's clean close behind the data until resumeProducing", async () => {
        const pair = await setUp();
        const { server, client } = pair;
        server.transport.pauseProducing();
        client.transport.write('tail');
        client.transport.loseConnection();
        await pair.settle();
        expect(server.events).toEqual(['made']);
        server.transport.resumeProducing();
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        expect(server.text()).toBe('tail');
        expect(server.reason?.value).toBeInstanceOf(ConnectionDone);
      });

      it('closes the connection cleanly on stopProducing, as loseConnection', async () => {
        const pair = await setUp();
        const { server, client } = pair;
        client.transport.write('last');
        client.transport.stopProducing();
        expect(client.transport.disconnecting).toBe(true);
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        expect(server.text()).toBe('last');
        expect(server.reason?.value).toBeInstanceOf(ConnectionDone);
        expect(client.reason?.value).toBeInstanceOf(ConnectionDone);
      });
    });

    describe('registerProducer', () => {
      it('pauses a push producer that outpaces a paused reader, and resumes it once the reader resumes and the buffer drains', async () => {
        const pair = await setUp();
        const { server, client } = pair;
        const chunk = pattern(64 * KiB, 1);
        server.keepData = false;
        server.transport.pauseProducing();
        const writer = new PushWriter(client.transport, chunk, 64 * MiB, buffered);
        client.transport.registerProducer(writer, true);
        writer.produce();
        await pair.until(() => writer.pauses >= 1, 'the writer was paused');
        // On a socket the OS buffers keep taking data for a while (and grow as they do), so the
        // writer may be resumed a few times before it stays paused; it must end up paused, having
        // written a bounded amount, and every resume must find the buffer empty.
        await pair.settle();
        expect(writer.paused).toBe(true);
        expect(writer.written).toBeLessThan(64 * MiB);
        const resumesWhileReaderPaused = writer.resumes;
        writer.total = writer.written + 8 * chunk.length;
        writer.onFinished = () => {
          client.transport.unregisterProducer();
          client.transport.loseConnection();
        };
        server.transport.resumeProducing();
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        expect(server.received).toBe(writer.total);
        expect(writer.resumes).toBeGreaterThan(resumesWhileReaderPaused);
        expect(writer.resumes).toBeLessThanOrEqual(writer.pauses);
        expect(writer.bufferedAtResume.every((n) => n === 0)).toBe(true);
        // Paused only past the 64 KiB high-water mark, and at once: within one chunk of it.
        for (const n of writer.bufferedAtPause) {
          expect(n).toBeGreaterThanOrEqual(BUFFER_SIZE);
          expect(n).toBeLessThan(BUFFER_SIZE + 2 * chunk.length);
        }
        expect(server.reason?.value).toBeInstanceOf(ConnectionDone);
      });

      it('asks a pull producer for data at registration, and again only when its buffer is empty', async () => {
        const pair = await setUp();
        const { server, client } = pair;
        const chunk = pattern(64 * KiB, 2);
        server.transport.pauseProducing();
        const writer = new PullWriter(client.transport, chunk, 64 * MiB, buffered);
        client.transport.registerProducer(writer, false);
        expect(writer.calls).toBe(1);
        await pair.settle();
        const asked = writer.calls;
        await pair.settle();
        expect(writer.calls).toBe(asked); // no room while the reader is paused: not asked again
        expect(writer.written).toBeLessThan(64 * MiB);
        writer.total = writer.written + 8 * chunk.length;
        writer.onFinished = () => {
          client.transport.loseConnection();
        };
        server.transport.resumeProducing();
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        expect(writer.finished).toBe(true);
        expect(writer.reentered).toBe(false);
        expect(writer.bufferedAtCall.every((n) => n === 0)).toBe(true);
        expect(server.received).toBe(writer.total);
        const expected = new Uint8Array(writer.total);
        for (let at = 0; at < writer.total; at += chunk.length) expected.set(chunk, at);
        expectSameBytes(server.bytes(), expected, 'bytes at the server');
        expect(writer.stops).toBe(0);
      });

      it('throws InvalidStateError for a second producer, keeping the first', async () => {
        const pair = await setUp();
        const { client } = pair;
        const first = new IdleProducer();
        const second = new IdleProducer();
        client.transport.registerProducer(first, true);
        expect(() => {
          client.transport.registerProducer(second, true);
        }).toThrow(InvalidStateError);
        expect(() => {
          client.transport.registerProducer(second, false);
        }).toThrow(InvalidStateError);
        expect(second.calls).toEqual([]);
        client.transport.unregisterProducer();
        client.transport.registerProducer(second, true);
        client.transport.abortConnection();
        await pair.until(() => client.isLost, 'the client is lost');
        expect(first.calls).toEqual([]);
        expect(second.calls).toEqual(['stopProducing']);
      });

      it('stops a producer registered on a closed transport at once, and keeps none registered', async () => {
        const pair = await setUp();
        const { server, client } = pair;
        client.transport.loseConnection();
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        const push = new IdleProducer();
        const pull = new IdleProducer();
        client.transport.registerProducer(push, true);
        expect(push.calls).toEqual(['stopProducing']);
        client.transport.registerProducer(pull, false);
        expect(pull.calls).toEqual(['stopProducing']);
        await pair.settle();
        expect(push.calls).toEqual(['stopProducing']);
        expect(pull.calls).toEqual(['stopProducing']);
      });

      it('stops the producer when the connection is lost, before connectionLost', async () => {
        const pair = await setUp();
        const { server, client } = pair;
        const log: string[] = [];
        const producer = new IdleProducer(log);
        client.onLost = () => log.push('connectionLost');
        client.transport.registerProducer(producer, true);
        server.transport.loseConnection();
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        expect(client.reason?.value).toBeInstanceOf(ConnectionDone);
        expect(log).toEqual(['stopProducing', 'connectionLost']);
      });
    });

    describe('an exception in dataReceived', () => {
      it('closes that connection with the exception as the reason; the peer sees a clean close', async () => {
        const pair = await setUp();
        const { server, client } = pair;
        using logs = new LogCapture();
        const boom = new RangeError('dataReceived broke');
        server.onData = () => {
          throw boom;
        };
        client.transport.write('boom');
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        expect(server.reason?.value).toBe(boom);
        expect(client.reason?.value).toBeInstanceOf(ConnectionDone);
        expect(server.count('data')).toBe(1);
        expect(logs.failures.map((f) => f.value)).toContain(boom);
      });
    });

    describe('write and writeSequence', () => {
      it('send strings as UTF-8 and Uint8Arrays as they are, in order', async () => {
        const pair = await setUp();
        const { server, client } = pair;
        client.transport.write('héllo ');
        client.transport.write(new Uint8Array([0xe2, 0x82, 0xac]));
        client.transport.writeSequence(['a', new Uint8Array([0x62]), 'ç']);
        client.transport.writeSequence(new Set(['!', '?']));
        const expected = Buffer.from('héllo €abç!?', 'utf8');
        await pair.until(() => server.received >= expected.length, 'the server got it all');
        expectSameBytes(server.bytes(), expected, 'bytes at the server');
      });

      it('ignores empty writes', async () => {
        const pair = await setUp();
        const { server, client } = pair;
        client.transport.write('');
        client.transport.write(new Uint8Array(0));
        client.transport.writeSequence([]);
        client.transport.writeSequence(['', new Uint8Array(0)]);
        await pair.settle();
        expect(server.events).toEqual(['made']);
        client.transport.write('x');
        await pair.until(() => server.received === 1, 'the server got 1 byte');
        expect(server.text()).toBe('x');
      });

      it('throws TypeError for a value that is neither a string nor a Uint8Array', async () => {
        const { client } = await setUp();
        expect(() => {
          client.transport.write(42 as unknown as string);
        }).toThrow(TypeError);
      });
    });

    describe('getHost and getPeer', () => {
      it(`return ${options.addressClass.name} values, the client's host being the server's peer and the reverse`, async () => {
        const pair = await setUp();
        const { server, client } = pair;
        for (const address of [
          server.transport.getHost(),
          server.transport.getPeer(),
          client.transport.getHost(),
          client.transport.getPeer(),
        ]) {
          expect(address).toBeInstanceOf(options.addressClass);
        }
        expect(client.transport.getPeer().equals(server.transport.getHost())).toBe(true);
        expect(server.transport.getPeer().equals(client.transport.getHost())).toBe(true);
        client.transport.loseConnection();
        await pair.until(() => server.isLost && client.isLost, 'both ends are lost');
        expect(server.transport.getPeer().equals(client.transport.getHost())).toBe(true);
      });
    });
  });
}
