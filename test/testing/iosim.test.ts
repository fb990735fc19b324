// FakeTransport, IOPump, connect and connectedServerAndClient (Twisted's twisted/test/test_iosim.py,
// extended to the flow-control and close rules of a real transport).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  ConnectionAborted,
  ConnectionDone,
  ConnectionLost,
  Factory,
  InvalidStateError,
  IPv4Address,
  NoProtocol,
  Protocol,
} from '../../src/core/index.js';
import type {
  Failure,
  IAddress,
  IHalfCloseableProtocol,
  IPullProducer,
  IPushProducer,
  ITCPTransport,
} from '../../src/core/index.js';
import {
  AccumulatingProtocol,
  Clock,
  connect,
  connectedServerAndClient,
  FakeTransport,
  IOPump,
  LogCapture,
} from '../../src/testing/index.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const text = (s: string): Uint8Array => encoder.encode(s);

/** Describes a connectionLost reason as "ErrorName: message". */
function describeReason(reason: Failure): string {
  const value = reason.value as Error;
  return `${value.name}: ${value.message}`;
}

/** Records every callback, in order, as a string. */
class Recorder extends Protocol {
  readonly events: string[] = [];
  reason: Failure | null = null;
  override connectionMade(): void {
    this.events.push('made');
  }
  override dataReceived(data: Uint8Array): void {
    this.events.push(`data:${decoder.decode(data)}`);
  }
  override connectionLost(reason: Failure): void {
    this.reason = reason;
    this.events.push(`lost:${describeReason(reason)}`);
  }
  /** The received data, joined. */
  received(): string {
    return this.events
      .filter((e) => e.startsWith('data:'))
      .map((e) => e.slice(5))
      .join('');
  }
}

/** A Recorder that can live with half of the connection closed. */
class HalfCloseRecorder extends Recorder implements IHalfCloseableProtocol {
  readConnectionLost(): void {
    this.events.push('readConnectionLost');
  }
  writeConnectionLost(): void {
    this.events.push('writeConnectionLost');
  }
}

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport.write(data);
  }
}

/** Greets the peer when connected. */
class Greeter extends Recorder {
  override connectionMade(): void {
    super.connectionMade();
    this.transport.write('hello');
  }
}

/** A push producer that records calls and enforces Twisted's StrictPushProducer state rules. */
class StrictPushProducer implements IPushProducer {
  state: 'running' | 'paused' | 'stopped' = 'running';
  readonly calls: string[] = [];
  /** Called on each resume (to produce more). */
  onResume: () => void = () => undefined;
  pauseProducing(): void {
    this.calls.push('pause');
    if (this.state !== 'running') throw new Error(`Cannot pause ${this.state} producer`);
    this.state = 'paused';
  }
  resumeProducing(): void {
    this.calls.push('resume');
    if (this.state !== 'paused') throw new Error(`Cannot resume ${this.state} producer`);
    this.state = 'running';
    this.onResume();
  }
  stopProducing(): void {
    this.calls.push('stop');
    if (this.state === 'stopped') throw new Error('Cannot stop a stopped producer');
    this.state = 'stopped';
  }
}

/** A pull producer writing each of `chunks` on its own resumeProducing, then unregistering. */
class ChunksPullProducer implements IPullProducer {
  resumes = 0;
  stopped = false;
  readonly #chunks: string[];
  readonly #transport: ITCPTransport;
  constructor(transport: ITCPTransport, chunks: string[]) {
    this.#transport = transport;
    this.#chunks = [...chunks];
  }
  resumeProducing(): void {
    this.resumes += 1;
    const chunk = this.#chunks.shift();
    if (chunk !== undefined) this.#transport.write(chunk);
    if (this.#chunks.length === 0) this.#transport.unregisterProducer();
  }
  stopProducing(): void {
    this.stopped = true;
  }
}

/** A connected, greeted pair of Recorders (or subclasses). */
function pair<S extends Recorder, C extends Recorder>(
  server: new () => S,
  client: new () => C,
  options?: { greet?: boolean; clock?: Clock },
): { server: S; client: C; pump: IOPump } {
  return connectedServerAndClient(server, client, options);
}

describe('FakeTransport', () => {
  it('is an ITCPTransport; each gets a unique serial number', () => {
    const a = new FakeTransport(new Protocol(), true) satisfies ITCPTransport;
    const b = new FakeTransport(new Protocol(), false);
    expect(Number.isInteger(a.serial)).toBe(true);
    expect(a.serial).not.toBe(b.serial);
    expect(a.isServer).toBe(true);
    expect(String(b)).toBe(`FakeTransport<C,${b.serial},Protocol>`);
  });

  it('gives the two ends mirrored default addresses, or the ones it is given', () => {
    const server = new FakeTransport(new Protocol(), true);
    const client = new FakeTransport(new Protocol(), false);
    expect(server.getHost()).toEqual(new IPv4Address('TCP', '10.0.0.1', 12345));
    expect(server.getPeer()).toEqual(client.getHost());
    expect(client.getPeer()).toEqual(server.getHost());
    const host = new IPv4Address('TCP', '127.0.0.1', 1);
    const peer = new IPv4Address('TCP', '127.0.0.1', 2);
    const given = new FakeTransport(new Protocol(), true, host, peer);
    expect([given.getHost(), given.getPeer()]).toEqual([host, peer]);
  });

  it('queues writes (strings as UTF-8) in its stream; writeSequence writes each element', () => {
    const transport = new FakeTransport(new Protocol(), false);
    transport.write('a');
    transport.writeSequence([text('b'), 'c', text('d')]);
    expect(decoder.decode(Buffer.concat(transport.stream))).toBe('abcd');
  });

  it('throws TypeError for a write that is not bytes or a string', () => {
    const transport = new FakeTransport(new Protocol(), false);
    expect(() => {
      transport.write(42 as unknown as Uint8Array);
    }).toThrow(TypeError);
    expect(() => {
      transport.writeSequence([text('ok'), {} as Uint8Array]);
    }).toThrow(TypeError);
    expect(transport.stream).toEqual([]);
  });

  it('ignores writes after loseConnection() (Twisted’s test_writeAfterClose)', () => {
    const transport = new FakeTransport(new Protocol(), false);
    transport.write('before');
    transport.loseConnection();
    transport.write('after');
    expect(decoder.decode(Buffer.concat(transport.stream))).toBe('before');
    expect(transport.disconnecting).toBe(true);
  });

  it('stores the TCP options it is given', () => {
    const transport = new FakeTransport(new Protocol(), false);
    transport.setTcpNoDelay(true);
    transport.setTcpKeepAlive(true);
    expect([transport.getTcpNoDelay(), transport.getTcpKeepAlive()]).toEqual([true, true]);
  });

  it('refuses a second producer with InvalidStateError', () => {
    const transport = new FakeTransport(new Protocol(), false);
    transport.registerProducer(new StrictPushProducer(), true);
    expect(() => {
      transport.registerProducer(new StrictPushProducer(), true);
    }).toThrow(InvalidStateError);
  });
});

describe('connect', () => {
  it("calls the server's makeConnection first, then the client's, each once", () => {
    const order: string[] = [];
    class Named extends Protocol {
      readonly name: string;
      constructor(name: string) {
        super();
        this.name = name;
      }
      override connectionMade(): void {
        order.push(this.name);
      }
    }
    const server = new Named('server');
    const client = new Named('client');
    connect(server, new FakeTransport(server, true), client, new FakeTransport(client, false));
    expect(order).toEqual(['server', 'client']);
  });

  it('flushes the greeting by default, and only on pump() with greet false', () => {
    const greeted = pair(Greeter, Recorder);
    expect(greeted.client.events).toEqual(['made', 'data:hello']);

    const quiet = pair(Greeter, Recorder, { greet: false });
    expect(quiet.client.events).toEqual(['made']);
    expect(quiet.pump.pump()).toBe(true);
    expect(quiet.client.events).toEqual(['made', 'data:hello']);
  });

  it('closes an end whose connectionMade throws, with the exception as the reason', () => {
    class Broken extends Recorder {
      override connectionMade(): void {
        throw new RangeError('bad start');
      }
    }
    using logs = new LogCapture();
    const { server, client } = pair(Broken, Recorder);
    expect(server.events).toEqual(['lost:RangeError: bad start']);
    expect(client.events).toEqual(['made', 'lost:ConnectionDone: Connection done']);
    expect(logs.failures.map((f) => f.value)).toEqual([server.reason?.value]);
  });

  it('refuses to link a transport to a second pump', () => {
    const { pump } = pair(Recorder, Recorder);
    expect(
      () =>
        new IOPump(
          new Protocol(),
          new Protocol(),
          pump.clientIO,
          new FakeTransport(new Protocol(), true),
        ),
    ).toThrow(InvalidStateError);
  });
});

describe('connectedServerAndClient', () => {
  it('builds protocols from factories, each given the other end’s address', () => {
    const seen: IAddress[] = [];
    class Spy extends Factory<AccumulatingProtocol> {
      override noisy = false;
      override protocol = AccumulatingProtocol;
      override buildProtocol(addr: IAddress): AccumulatingProtocol | null {
        seen.push(addr);
        return super.buildProtocol(addr);
      }
    }
    const serverFactory = new Spy();
    const { server, client, pump } = connectedServerAndClient(serverFactory, new Spy());
    expect(server.factory).toBe(serverFactory);
    expect(seen).toEqual([pump.serverIO.getHost(), pump.clientIO.getHost()]);
    expect([server.made, client.made]).toEqual([true, true]);
  });

  it('throws NoProtocol when a factory builds none', () => {
    expect(() => connectedServerAndClient({ buildProtocol: () => null }, Protocol)).toThrow(
      NoProtocol,
    );
  });

  it('uses the given transport factories', () => {
    const { pump } = connectedServerAndClient(Echo, AccumulatingProtocol, {
      clientTransportFactory: (p) =>
        new FakeTransport(p, false, undefined, undefined, { bufferSize: 3 }),
    });
    expect(pump.clientIO.bufferSize).toBe(3);
    expect(pump.serverIO.bufferSize).toBe(65536);
  });
});

describe('IOPump', () => {
  describe('pump', () => {
    it('moves one round each way, one dataReceived per direction, and says whether anything moved', () => {
      const { server, client, pump } = pair(Recorder, Recorder);
      client.transport.write('a');
      client.transport.write('b');
      server.transport.write('c');
      expect(pump.pump()).toBe(true);
      expect(server.events).toEqual(['made', 'data:ab']);
      expect(client.events).toEqual(['made', 'data:c']);
      expect(pump.pump()).toBe(false);
    });

    it('delivers a reply written in dataReceived on the next round, not the same one', () => {
      const { server, client, pump } = connectedServerAndClient(Echo, Recorder);
      client.transport.write('ping');
      expect(pump.pump()).toBe(true);
      expect(client.events).toEqual(['made']);
      expect(pump.pump()).toBe(true);
      expect(client.events).toEqual(['made', 'data:ping']);
      expect(server.transport).toBe(pump.serverIO);
    });

    it('advances its clock by 0 first, so callLater(0) calls run between rounds', () => {
      const clock = new Clock();
      const { server, client, pump } = pair(Recorder, Recorder, { clock });
      clock.callLater(0, () => {
        server.transport.write('later');
      });
      pump.pump(false);
      expect(client.received()).toBe('');
      pump.pump();
      expect(client.received()).toBe('later');
      expect(pump.clock).toBe(clock);
    });
  });

  describe('flush', () => {
    it('pumps until quiet, returning whether anything moved', () => {
      const { client, pump } = connectedServerAndClient(Echo, Recorder);
      expect(pump.flush()).toBe(false);
      client.transport.write('x');
      expect(pump.flush()).toBe(true);
      expect(client.received()).toBe('x');
    });

    it('throws InvalidStateError when the protocols answer each other forever', () => {
      const { client, pump } = connectedServerAndClient(Echo, Echo);
      client.transport.write('x');
      expect(() => pump.flush()).toThrow(InvalidStateError);
    });
  });

  it('keeps the lifecycle order: made, data, lost exactly once, whatever happens', () => {
    const { server, client, pump } = pair(Greeter, Greeter);
    server.transport.loseConnection();
    server.transport.loseConnection();
    client.transport.write('late'); // server stopped reading: dropped
    pump.flush();
    client.transport.loseConnection();
    pump.flush();
    for (const end of [server, client]) {
      expect(end.events[0]).toBe('made');
      expect(end.events.filter((e) => e.startsWith('lost:'))).toHaveLength(1);
      expect(end.events.at(-1)?.startsWith('lost:')).toBe(true);
    }
    expect(server.received()).toBe('hello');
  });
});

describe('closing', () => {
  it('loseConnection() sends pending bytes first; the peer learns of the close on one pump, the closer on the next', () => {
    const { server, client, pump } = pair(Recorder, Recorder);
    server.transport.write('bye');
    server.transport.loseConnection();
    expect(pump.pump()).toBe(true);
    expect(client.events).toEqual(['made', 'data:bye']);
    expect(pump.pump()).toBe(true);
    expect(client.events.at(-1)).toBe('lost:ConnectionDone: Connection done');
    expect(server.events).toEqual(['made']);
    expect(pump.pump()).toBe(true);
    expect(server.events).toEqual(['made', 'lost:ConnectionDone: Connection done']);
    expect(pump.pump()).toBe(false);
    expect(server.reason?.check(ConnectionDone)).toBe(ConnectionDone);
    expect([pump.serverIO.disconnected, pump.clientIO.disconnected]).toEqual([true, true]);
  });

  it('stops reading at once: bytes in flight to a closing end are dropped', () => {
    const { server, client, pump } = pair(Recorder, Recorder);
    client.transport.write('unread');
    server.transport.loseConnection();
    pump.flush();
    expect(server.events).toEqual(['made', 'lost:ConnectionDone: Connection done']);
    expect(client.events).toEqual(['made', 'lost:ConnectionDone: Connection done']);
  });

  it('closes both ends once each when both call loseConnection()', () => {
    const { server, client, pump } = pair(Recorder, Recorder);
    server.transport.loseConnection();
    client.transport.loseConnection();
    pump.flush();
    expect(server.events).toEqual(['made', 'lost:ConnectionDone: Connection done']);
    expect(client.events).toEqual(['made', 'lost:ConnectionDone: Connection done']);
  });

  it('abortConnection() drops queued bytes: peer gets ConnectionLost, the aborter ConnectionAborted', () => {
    const { server, client, pump } = pair(Recorder, HalfCloseRecorder);
    server.transport.write('never sent');
    (server.transport as ITCPTransport).abortConnection();
    (server.transport as ITCPTransport).abortConnection();
    expect(pump.pump()).toBe(true);
    expect(client.events).toEqual(['made', 'lost:ConnectionLost: Connection lost']);
    expect(client.reason?.check(ConnectionLost)).toBe(ConnectionLost);
    expect(pump.pump()).toBe(true);
    expect(server.reason?.check(ConnectionAborted)).toBe(ConnectionAborted);
    expect(pump.flush()).toBe(false);
  });

  it('resets even a peer that paused reading', () => {
    const { server, client, pump } = pair(Recorder, Recorder);
    client.transport.pauseProducing();
    (server.transport as ITCPTransport).abortConnection();
    pump.flush();
    expect(client.reason?.check(ConnectionLost)).toBe(ConnectionLost);
    expect(server.reason?.check(ConnectionAborted)).toBe(ConnectionAborted);
  });

  describe('half-close', () => {
    it('loseWriteConnection() sends pending bytes, then writeConnectionLost here and readConnectionLost there', () => {
      const { server, client, pump } = pair(HalfCloseRecorder, HalfCloseRecorder);
      const transport = client.transport as ITCPTransport;
      transport.write('last');
      transport.loseWriteConnection();
      transport.write('ignored');
      pump.flush();
      expect(client.events).toEqual(['made', 'writeConnectionLost']);
      expect(server.events).toEqual(['made', 'data:last', 'readConnectionLost']);
      expect(pump.clientIO.disconnecting).toBe(false);
    });

    it('lets the half-closed-to end keep writing, then close both ways', () => {
      class Replier extends HalfCloseRecorder {
        override readConnectionLost(): void {
          super.readConnectionLost();
          this.transport.write('reply');
          this.transport.loseConnection();
        }
      }
      class Closer extends HalfCloseRecorder {
        override readConnectionLost(): void {
          super.readConnectionLost();
          this.transport.loseConnection(); // write side already closed: lost at once
        }
      }
      const { server, client, pump } = pair(Replier, Closer);
      (client.transport as ITCPTransport).loseWriteConnection();
      pump.flush();
      expect(client.events).toEqual([
        'made',
        'writeConnectionLost',
        'data:reply',
        'readConnectionLost',
        'lost:ConnectionDone: Connection done',
      ]);
      expect(server.events).toEqual([
        'made',
        'readConnectionLost',
        'lost:ConnectionDone: Connection done',
      ]);
    });

    it('closes a peer that cannot half-close, which then closes this end', () => {
      const { server, client, pump } = pair(Recorder, Recorder);
      (client.transport as ITCPTransport).loseWriteConnection();
      pump.flush();
      expect(server.events).toEqual(['made', 'lost:ConnectionDone: Connection done']);
      expect(client.events).toEqual(['made', 'lost:ConnectionDone: Connection done']);
    });

    it("tells a half-closeable end of its peer's full close with readConnectionLost, not connectionLost", () => {
      const { server, client, pump } = pair(Recorder, HalfCloseRecorder);
      server.transport.loseConnection();
      pump.flush();
      expect(client.events).toEqual(['made', 'readConnectionLost']);
      expect(server.events.at(-1)).toBe('lost:ConnectionDone: Connection done');
      client.transport.loseConnection();
      pump.flush();
      expect(client.events.at(-1)).toBe('lost:ConnectionDone: Connection done');
    });
  });
});

describe('reading paused (the transport as a producer)', () => {
  it('holds bytes for an end that paused reading until it resumes', () => {
    const { server, client, pump } = pair(Recorder, Recorder);
    server.transport.pauseProducing();
    expect(pump.serverIO.readingPaused).toBe(true);
    client.transport.write('held');
    expect(pump.flush()).toBe(false);
    expect(server.received()).toBe('');
    expect(decoder.decode(Buffer.concat(pump.clientIO.stream))).toBe('held');
    server.transport.resumeProducing();
    pump.flush();
    expect(server.received()).toBe('held');
  });

  it('holds a clean close behind the held bytes', () => {
    const { server, client, pump } = pair(Recorder, Recorder);
    server.transport.pauseProducing();
    client.transport.write('x');
    client.transport.loseConnection();
    pump.flush();
    expect(server.events).toEqual(['made']);
    server.transport.resumeProducing();
    pump.flush();
    expect(server.events).toEqual(['made', 'data:x', 'lost:ConnectionDone: Connection done']);
  });

  it('holds a close with nothing before it until the end resumes reading', () => {
    const { server, client, pump } = pair(Recorder, Recorder);
    server.transport.pauseProducing();
    client.transport.loseConnection();
    expect(pump.flush()).toBe(false);
    expect(server.events).toEqual(['made']);
    expect(client.events).toEqual(['made']);
    server.transport.resumeProducing();
    pump.flush();
    expect(server.events).toEqual(['made', 'lost:ConnectionDone: Connection done']);
    expect(client.events).toEqual(['made', 'lost:ConnectionDone: Connection done']);
  });

  it('stopProducing() closes the connection', () => {
    const { server, client, pump } = pair(Recorder, Recorder);
    server.transport.stopProducing();
    pump.flush();
    expect(client.reason?.check(ConnectionDone)).toBe(ConnectionDone);
  });
});

describe('producers', () => {
  it('never resumes a push producer that was not paused (Twisted’s test_*StreamingProducer)', () => {
    for (const end of ['server', 'client'] as const) {
      const { pump } = pair(Recorder, Recorder, { greet: false });
      const producer = new StrictPushProducer();
      (end === 'server' ? pump.serverIO : pump.clientIO).registerProducer(producer, true);
      pump.pump();
      expect(producer.state).toBe('running');
      expect(producer.calls).toEqual([]);
    }
  });

  it('pauses a push producer past the high-water mark and resumes it once a pump drains the buffer', () => {
    const server = new Recorder();
    const client = new Recorder();
    const serverIO = new FakeTransport(server, true, undefined, undefined, { bufferSize: 4 });
    const pump = connect(server, serverIO, client, new FakeTransport(client, false));
    const producer = new StrictPushProducer();
    const chunks = ['abc', 'de', 'fgh', 'ij'];
    producer.onResume = () => {
      const next = chunks.shift();
      if (next !== undefined) serverIO.write(next);
    };
    serverIO.registerProducer(producer, true);
    serverIO.write('12'); // 2 bytes: under the mark
    serverIO.write('345'); // 5 bytes: over it
    expect(producer.calls).toEqual(['pause']);
    expect(serverIO.producerPaused).toBe(true);
    pump.flush();
    expect(client.received()).toBe('12345abc');
    expect(producer.calls).toEqual(['pause', 'resume']);
    serverIO.write('klmno');
    pump.flush();
    expect(client.received()).toBe('12345abcklmnode');
    expect(producer.state).toBe('running');
  });

  it('keeps a push producer paused while the receiving end is not reading', () => {
    const server = new Recorder();
    const client = new Recorder();
    const serverIO = new FakeTransport(server, true, undefined, undefined, { bufferSize: 2 });
    const pump = connect(server, serverIO, client, new FakeTransport(client, false));
    const producer = new StrictPushProducer();
    serverIO.registerProducer(producer, true);
    client.transport.pauseProducing();
    serverIO.write('abc');
    pump.flush();
    expect(producer.state).toBe('paused');
    client.transport.resumeProducing();
    pump.flush();
    expect(producer.state).toBe('running');
    expect(client.received()).toBe('abc');
  });

  it('asks a pull producer for data at registration and after each drain, until it unregisters', () => {
    const { server, client, pump } = pair(Recorder, Recorder);
    const producer = new ChunksPullProducer(server.transport as ITCPTransport, ['a', 'b', 'c']);
    server.transport.registerProducer(producer, false);
    expect(producer.resumes).toBe(1);
    pump.flush();
    expect(client.events).toEqual(['made', 'data:a', 'data:b', 'data:c']);
    expect(producer.resumes).toBe(3);
    expect(pump.serverIO.producer).toBeNull();
  });

  it('keeps flushing after a pull producer writes on a later poll than its first', () => {
    const { server, client, pump } = pair(Recorder, Recorder);
    let polls = 0;
    server.transport.registerProducer(
      {
        resumeProducing: () => {
          polls += 1;
          if (polls === 2) {
            server.transport.write('late start');
            server.transport.unregisterProducer();
          }
        },
        stopProducing: () => undefined,
      },
      false,
    );
    pump.flush();
    expect(polls).toBe(2);
    expect(client.received()).toBe('late start');
  });

  it('does not ask a pull producer for more while the peer holds back its bytes', () => {
    const { server, client, pump } = pair(Recorder, Recorder);
    client.transport.pauseProducing();
    const producer = new ChunksPullProducer(server.transport as ITCPTransport, ['a', 'b']);
    server.transport.registerProducer(producer, false);
    pump.flush();
    expect(producer.resumes).toBe(1);
    client.transport.resumeProducing();
    pump.flush();
    expect(client.received()).toBe('ab');
  });

  it('waits for a registered producer to unregister before closing, sending what it writes meanwhile', () => {
    const { server, client, pump } = pair(Recorder, Recorder);
    const producer = new StrictPushProducer();
    server.transport.registerProducer(producer, true);
    server.transport.loseConnection();
    server.transport.write('still');
    pump.flush();
    expect(client.events).toEqual(['made', 'data:still']);
    server.transport.unregisterProducer();
    pump.flush();
    expect(client.events.at(-1)).toBe('lost:ConnectionDone: Connection done');
    expect(server.events.at(-1)).toBe('lost:ConnectionDone: Connection done');
  });

  it('stops the producer when the connection is lost, and stops one registered afterwards at once', () => {
    const { server, client, pump } = pair(Recorder, Recorder);
    const producer = new StrictPushProducer();
    server.transport.registerProducer(producer, true);
    client.transport.loseConnection();
    pump.flush();
    expect(producer.calls).toEqual(['stop']);
    const late = new StrictPushProducer();
    server.transport.registerProducer(late, true);
    expect(late.state).toBe('stopped');
    expect(pump.serverIO.producer).toBeNull();
  });
});

describe('exceptions in callbacks', () => {
  class Exploding extends Recorder {
    override dataReceived(data: Uint8Array): void {
      super.dataReceived(data);
      throw new TypeError('boom');
    }
  }

  it('close the end whose dataReceived threw, with the exception, and log it; the peer sees a clean close', () => {
    using logs = new LogCapture();
    const { server, client, pump } = pair(Exploding, Recorder);
    client.transport.write('x');
    expect(pump.pump()).toBe(true); // delivers 'x': the server throws and closes at once
    expect(server.events.at(-1)).toBe('lost:TypeError: boom');
    expect(pump.pump()).toBe(true); // the client hears of it
    expect(client.events.at(-1)).toBe('lost:ConnectionDone: Connection done');
    expect(pump.pump()).toBe(false);
    client.transport.write('more'); // the client is closed too by now: ignored
    pump.flush();
    expect(server.events).toEqual(['made', 'data:x', 'lost:TypeError: boom']);
    expect(client.events).toEqual(['made', 'lost:ConnectionDone: Connection done']);
    expect(logs.failures).toHaveLength(1);
    expect(logs.failures[0]?.value).toBe(server.reason?.value);
  });

  it('close an end whose readConnectionLost threw', () => {
    class BadHalf extends HalfCloseRecorder {
      override readConnectionLost(): void {
        throw new Error('half broken');
      }
    }
    using logs = new LogCapture();
    const { server, client, pump } = pair(BadHalf, Recorder);
    client.transport.loseConnection();
    pump.flush();
    expect(server.events).toEqual(['made', 'lost:Error: half broken']);
    expect(client.events.at(-1)).toBe('lost:ConnectionDone: Connection done');
    expect(logs.failures).toHaveLength(1);
  });

  it('close the end whose pull producer threw', () => {
    using logs = new LogCapture();
    const { server, client, pump } = pair(Recorder, Recorder);
    let calls = 0;
    server.transport.registerProducer(
      {
        resumeProducing: () => {
          calls += 1;
          if (calls > 1) throw new Error('producer failed');
        },
        stopProducing: () => undefined,
      },
      false,
    );
    pump.flush();
    expect(server.events).toEqual(['made', 'lost:Error: producer failed']);
    expect(client.events.at(-1)).toBe('lost:ConnectionDone: Connection done');
    expect(logs.failures).toHaveLength(1);
  });

  it('are only logged when thrown by connectionLost', () => {
    class BadLost extends Recorder {
      override connectionLost(reason: Failure): void {
        super.connectionLost(reason);
        throw new Error('in connectionLost');
      }
    }
    using logs = new LogCapture();
    const { server, client, pump } = pair(BadLost, Recorder);
    client.transport.loseConnection();
    expect(() => pump.flush()).not.toThrow();
    expect(server.events).toEqual(['made', 'lost:ConnectionDone: Connection done']);
    expect(logs.failures.map((f) => (f.value as Error).message)).toEqual(['in connectionLost']);
  });
});

describe('byte stream integrity', () => {
  it('delivers any chunking of a byte stream, byte-identical, after flush', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.nat({ max: 3000 }), { maxLength: 20 }),
        fc.array(fc.boolean(), { maxLength: 21 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 256 }),
        (data, cuts, pumpAfter, fromServer, bufferSize) => {
          const server = new AccumulatingProtocol();
          const client = new AccumulatingProtocol();
          const pump = connect(
            server,
            new FakeTransport(server, true, undefined, undefined, { bufferSize }),
            client,
            new FakeTransport(client, false, undefined, undefined, { bufferSize }),
          );
          const [writer, reader] = fromServer ? [server, client] : [client, server];
          const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
          let start = 0;
          [...points, data.length].forEach((end, i) => {
            writer.transport.write(data.subarray(start, end));
            start = end;
            if (pumpAfter[i] === true) pump.pump();
          });
          pump.flush();
          expect(reader.data).toEqual(data);
        },
      ),
    );
  });
});
