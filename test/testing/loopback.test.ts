// loopbackAsync and its pump policies (Twisted's LoopbackAsyncTests in twisted/test/test_loopback.py).
import { describe, expect, it } from 'vitest';

import { ConnectionDone, Deferred, InvalidStateError, Protocol } from '../../src/core/index.js';
import type {
  Failure,
  IAddress,
  IProtocol,
  IPullProducer,
  IPushProducer,
  ITransport,
} from '../../src/core/index.js';
import {
  assertNoResult,
  Clock,
  collapsingPumpPolicy,
  failureResultOf,
  identityPumpPolicy,
  loopbackAsync,
  LoopbackQueue,
  successResultOf,
} from '../../src/testing/index.js';
import type { PumpPolicy } from '../../src/testing/index.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const text = (s: string): Uint8Array => encoder.encode(s);

/** A minimal CRLF line protocol (LineReceiver is not part of weft/testing). */
class LineProtocol extends Protocol {
  readonly lines: string[] = [];
  readonly lost: Failure[] = [];
  readonly connected_ = new Deferred<void>();
  #buffer = '';
  override connectionMade(): void {
    this.connected_.callback(undefined);
  }
  override dataReceived(data: Uint8Array): void {
    this.#buffer += decoder.decode(data);
    let at: number;
    while ((at = this.#buffer.indexOf('\r\n')) !== -1) {
      const line = this.#buffer.slice(0, at);
      this.#buffer = this.#buffer.slice(at + 2);
      this.lineReceived(line);
    }
  }
  lineReceived(line: string): void {
    this.lines.push(line);
  }
  sendLine(line: string): void {
    this.transport.write(`${line}\r\n`);
  }
  override connectionLost(reason: Failure): void {
    this.lost.push(reason);
  }
}

/** Answers three lines, then closes (Twisted's DoomProtocol). */
class DoomProtocol extends LineProtocol {
  #count = 0;
  override lineReceived(line: string): void {
    this.#count += 1;
    if (this.#count < 4) this.sendLine(`Hello ${String(this.#count)}`);
    super.lineReceived(line);
    if (this.lines.at(-1) === 'Hello 3') this.transport.loseConnection();
  }
}

/** Collects everything it receives. */
class Collector extends Protocol {
  data = '';
  override dataReceived(data: Uint8Array): void {
    this.data += decoder.decode(data);
  }
}

describe('loopbackAsync', () => {
  it('gives both protocols a transport with host and peer addresses', () => {
    const server = new Protocol();
    const client = new Protocol();
    void loopbackAsync(server, client, { clock: new Clock() });
    for (const proto of [server, client]) {
      expect(proto.connected).toBe(true);
      const host: IAddress = proto.transport.getHost();
      expect(host.equals(proto.transport.getPeer())).toBe(true);
      expect(String(host)).toBe('LoopbackAddress()');
    }
  });

  it('delivers a line, then both ends lose the connection once and the result fires', () => {
    const server = new LineProtocol();
    const client = new LineProtocol();
    void server.connected_.addCallback(() => {
      server.sendLine('THIS IS LINE ONE!');
      server.transport.loseConnection();
    });
    const done = loopbackAsync(server, client);
    successResultOf(done);
    expect(client.lines).toEqual(['THIS IS LINE ONE!']);
    expect(server.lost).toHaveLength(1);
    expect(client.lost).toHaveLength(1);
    expect(server.lost[0]?.check(ConnectionDone)).toBe(ConnectionDone);
  });

  it('runs a conversation to its end (Twisted’s testSneakyHiddenDoom)', () => {
    const server = new DoomProtocol();
    const client = new DoomProtocol();
    void server.connected_.addCallback(() => {
      server.sendLine('DOOM LINE');
    });
    successResultOf(loopbackAsync(server, client));
    expect(server.lines).toEqual(['Hello 1', 'Hello 2', 'Hello 3']);
    expect(client.lines).toEqual(['DOOM LINE', 'Hello 1', 'Hello 2', 'Hello 3']);
    expect([server.lost.length, client.lost.length]).toEqual([1, 1]);
  });

  it.each([
    ['client', 'write'],
    ['client', 'writeSequence'],
    ['server', 'write'],
    ['server', 'writeSequence'],
  ] as const)('delivers a %s greeting sent with %s', (greeter, method) => {
    class Greeter extends Protocol {
      override connectionMade(): void {
        if (method === 'write') this.transport.write('bytes');
        else this.transport.writeSequence([text('byt'), 'es']);
      }
    }
    const greetee = new Collector();
    const [server, client] =
      greeter === 'server' ? [new Greeter(), greetee] : [greetee, new Greeter()];
    assertNoResult(loopbackAsync(server, client));
    expect(greetee.data).toBe('bytes');
  });

  it('waits for writes made later, then runs the next round on callLater(0) of the clock', () => {
    const clock = new Clock();
    const server = new Collector();
    const client = new Collector();
    const done = loopbackAsync(server, client, { clock });
    client.transport.write('late');
    expect(server.data).toBe('');
    clock.advance(0);
    expect(server.data).toBe('late');
    server.transport.loseConnection();
    assertNoResult(done);
    clock.advance(0);
    successResultOf(done);
  });

  it('waits on a microtask when no clock is given', async () => {
    const server = new Collector();
    const client = new Collector();
    const done = loopbackAsync(server, client);
    client.transport.write('soon');
    client.transport.loseConnection();
    expect(server.data).toBe('');
    await done;
    expect(server.data).toBe('soon');
  });

  it('never calls dataReceived from inside the peer’s write (Twisted’s test_writeNotReentrant)', () => {
    const clock = new Clock();
    class Server extends Protocol {
      override dataReceived(): void {
        this.transport.write('bytes');
      }
    }
    class Client extends Protocol {
      ready = false;
      wasReady: boolean | null = null;
      override connectionMade(): void {
        clock.callLater(0, () => {
          this.transport.write('foo');
          this.ready = true;
        });
      }
      override dataReceived(): void {
        this.wasReady = this.ready;
        this.transport.loseConnection();
      }
    }
    const client = new Client();
    const done = loopbackAsync(client, new Server(), { clock });
    clock.advance(0);
    successResultOf(done);
    expect(client.wasReady).toBe(true);
  });

  it('serves a pull producer until it unregisters', () => {
    const chunks = Array.from({ length: 10 }, (_, i) => String(i));
    const client = new Collector();
    class Producing extends Protocol implements IPullProducer {
      #left = [...chunks];
      override connectionMade(): void {
        this.transport.registerProducer(this, false);
      }
      resumeProducing(): void {
        this.transport.write(this.#left.shift() ?? '');
        if (this.#left.length === 0) this.transport.unregisterProducer();
      }
      stopProducing(): void {
        // Not called here.
      }
    }
    void loopbackAsync(new Producing(), client, { clock: new Clock() });
    expect(client.data).toBe(chunks.join(''));
  });

  it('never resumes a push producer it did not pause', () => {
    const clock = new Clock();
    const client = new Collector();
    const producer: IPushProducer & { resumed: boolean } = {
      resumed: false,
      pauseProducing: () => undefined,
      resumeProducing: () => {
        producer.resumed = true;
      },
      stopProducing: () => undefined,
    };
    class Producing extends Protocol {
      override connectionMade(): void {
        this.transport.registerProducer(producer, true);
        const left = ['a', 'b', 'c'];
        const next = (): void => {
          const chunk = left.shift();
          if (chunk === undefined) {
            this.transport.unregisterProducer();
            return;
          }
          this.transport.write(chunk);
          clock.callLater(0, next);
        };
        next();
      }
    }
    void loopbackAsync(new Producing(), client, { clock });
    clock.advance(0);
    expect(client.data).toBe('abc');
    expect(producer.resumed).toBe(false);
  });

  it('holds bytes for an end that paused reading until it resumes', () => {
    const clock = new Clock();
    const server = new Collector();
    const client = new Collector();
    void loopbackAsync(server, client, { clock });
    server.transport.pauseProducing();
    client.transport.write('held');
    clock.advance(0);
    expect(server.data).toBe('');
    server.transport.resumeProducing();
    clock.advance(0);
    expect(server.data).toBe('held');
  });

  it('refuses a second producer and an unregister without one, with InvalidStateError', () => {
    const server = new Protocol();
    void loopbackAsync(server, new Protocol(), { clock: new Clock() });
    const transport: ITransport = server.transport;
    expect(() => {
      transport.unregisterProducer();
    }).toThrow(InvalidStateError);
    const producer: IPushProducer = {
      pauseProducing: () => undefined,
      resumeProducing: () => undefined,
      stopProducing: () => undefined,
    };
    transport.registerProducer(producer, true);
    expect(() => {
      transport.registerProducer(producer, true);
    }).toThrow(InvalidStateError);
  });

  it('throws TypeError for a write that is not bytes or a string', () => {
    const server = new Protocol();
    void loopbackAsync(server, new Protocol(), { clock: new Clock() });
    expect(() => {
      server.transport.write(7 as unknown as Uint8Array);
    }).toThrow(TypeError);
  });

  it('hands each queue to the pump policy: server’s output first, with the close as null', () => {
    const calls: [IProtocol, (string | null)[]][] = [];
    const policy: PumpPolicy = (queue, target) => {
      const items: (string | null)[] = [];
      while (queue.length > 0) {
        const item = queue.get();
        items.push(item === null ? null : decoder.decode(item));
      }
      calls.push([target, items]);
    };
    const server = new Protocol();
    const client = new Protocol();
    const clock = new Clock();
    const done = loopbackAsync(server, client, {
      pumpPolicy: policy,
      clock,
    });
    expect(calls).toEqual([]);
    client.transport.write('foo');
    client.transport.write('bar');
    server.transport.write('baz');
    server.transport.write('quux');
    server.transport.loseConnection();
    clock.advance(0);
    successResultOf(done);
    expect(calls).toEqual([
      [client, ['baz', 'quux', null]],
      [server, ['foo', 'bar']],
    ]);
  });

  it('fails its result when a protocol throws', () => {
    const clock = new Clock();
    class Exploding extends Protocol {
      override dataReceived(): void {
        throw new RangeError('boom');
      }
    }
    const client = new Protocol();
    const done = loopbackAsync(new Exploding(), client, { clock });
    client.transport.write('x');
    clock.advance(0);
    expect(failureResultOf(done, RangeError).getErrorMessage()).toBe('boom');
  });
});

describe('pump policies', () => {
  function queueOf(...items: (string | null)[]): LoopbackQueue {
    const queue = new LoopbackQueue();
    for (const item of items) queue.put(item === null ? null : text(item));
    return queue;
  }

  function received(policy: PumpPolicy, queue: LoopbackQueue): string[] {
    const chunks: string[] = [];
    const target = new Protocol();
    target.dataReceived = (data) => chunks.push(decoder.decode(data));
    policy(queue, target);
    return chunks;
  }

  it('identityPumpPolicy delivers each chunk as written, stopping at the close', () => {
    const queue = queueOf('foo', 'bar', null, 'after');
    expect(received(identityPumpPolicy, queue)).toEqual(['foo', 'bar']);
    expect(queue.length).toBe(1);
  });

  it('collapsingPumpPolicy delivers everything queued in one chunk', () => {
    expect(received(collapsingPumpPolicy, queueOf('foo', 'bar', null))).toEqual(['foobar']);
    expect(received(collapsingPumpPolicy, queueOf(null))).toEqual([]);
  });

  it('LoopbackQueue.get() on an empty queue throws InvalidStateError', () => {
    expect(() => new LoopbackQueue().get()).toThrow(InvalidStateError);
  });
});
