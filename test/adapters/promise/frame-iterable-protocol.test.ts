import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { FrameIterableProtocol } from '../../../adapters/promise/frame-iterable-protocol.js';
import { concatBytes } from '../../../src/core/bytes.js';
import { ConnectionDone, ConnectionLost } from '../../../src/core/errors.js';
import { Failure } from '../../../src/core/failure.js';
import { isHalfCloseableProtocol } from '../../../src/core/interfaces/protocol.js';
import {
  LengthLimitExceededError,
  LineTooLongError,
  NetstringParseError,
} from '../../../src/protocols/basic/errors.js';
import { encodeIntN } from '../../../src/protocols/basic/int-n-framer.js';
import { LineFramer } from '../../../src/protocols/basic/line-framer.js';
import { formatNetstring } from '../../../src/protocols/basic/netstring-framer.js';
import { FakeTransport } from '../../../src/testing/fake-transport.js';
import { connectedServerAndClient } from '../../../src/testing/iosim.js';
import { Protocol } from '../../../src/core/protocol.js';
import { StringTransport } from '../../../src/testing/string-transport.js';
import { settle } from '../../support/promises.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const done = (): Failure => new Failure(new ConnectionDone());

function connect(proto: FrameIterableProtocol<StringTransport>): StringTransport {
  const transport = new StringTransport();
  proto.makeConnection(transport);
  return transport;
}

async function collect(proto: AsyncIterable<Uint8Array>): Promise<string[]> {
  const seen: string[] = [];
  for await (const frame of proto) seen.push(text(frame));
  return seen;
}

/** The three wire formats: how to build the protocol and how to encode one message. */
const formats = [
  {
    name: 'lines',
    make: () => FrameIterableProtocol.lines<StringTransport>({ delimiter: '\n', maxLength: 64 }),
    encode: (m: Uint8Array) => concatBytes([m, bytes('\n')]),
    message: fc.stringMatching(/^[a-z ]{0,64}$/).map(bytes),
  },
  {
    name: 'netstrings',
    make: () => FrameIterableProtocol.netstrings<StringTransport>({ maxLength: 64 }),
    encode: formatNetstring,
    message: fc.uint8Array({ maxLength: 64 }),
  },
  {
    name: 'int16 strings',
    make: () => FrameIterableProtocol.intN<StringTransport>({ prefixLength: 2, maxLength: 64 }),
    encode: (m: Uint8Array) => encodeIntN(m, 2),
    message: fc.uint8Array({ maxLength: 64 }),
  },
] as const;

describe('FrameIterableProtocol', () => {
  for (const format of formats) {
    it(`yields each ${format.name} message once whatever the chunking, while the loop reads along`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(format.message, { maxLength: 20 }),
          fc.array(fc.integer({ min: 1, max: 2000 }), { maxLength: 30 }),
          fc.integer({ min: 1, max: 200 }),
          async (messages, cuts, highWaterMark) => {
            const wire = concatBytes(messages.map((m) => format.encode(m)));
            const proto = format.make();
            const transport = new StringTransport();
            proto.makeConnection(transport);
            Object.assign(proto, { highWaterMark, lowWaterMark: Math.floor(highWaterMark / 2) });
            const seen: Uint8Array[] = [];
            const loop = (async () => {
              for await (const frame of proto) seen.push(frame.slice());
            })();
            const points = [...new Set(cuts.filter((c) => c < wire.length))].sort((a, b) => a - b);
            let from = 0;
            for (const to of [...points, wire.length]) {
              proto.dataReceived(wire.subarray(from, to));
              from = to;
              if (to % 3 === 0) await settle(); // sometimes the loop catches up, sometimes not
            }
            proto.connectionLost(done());
            await loop;
            expect(seen).toEqual(messages.map((m) => Uint8Array.from(m)));
            expect(transport.producerState).not.toBe('stopped');
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  it('pauses the transport while the loop is slow and resumes at the low-water mark', async () => {
    const proto = FrameIterableProtocol.lines<StringTransport>({
      delimiter: '\n',
      highWaterMark: 10,
      lowWaterMark: 4,
    });
    const transport = connect(proto);
    proto.dataReceived(bytes('aaa\nbbb\n'));
    expect(transport.producerState).toBe('producing');
    proto.dataReceived(bytes('ccc\n'));
    expect(proto.bufferedBytes).toBe(12);
    expect(transport.producerState).toBe('paused');
    expect(text((await proto.next()).value as Uint8Array)).toBe('aaa');
    expect(transport.producerState).toBe('paused'); // 8 bytes left: above 4
    await proto.next();
    expect(transport.producerState).toBe('producing'); // 4 left
  });

  it('resumes a paused transport when the loop waits for the rest of a frame', async () => {
    const proto = FrameIterableProtocol.lines<StringTransport>({
      delimiter: '\n',
      highWaterMark: 4,
      lowWaterMark: 0,
    });
    const transport = connect(proto);
    proto.dataReceived(bytes('a\nlong line'));
    expect(transport.producerState).toBe('paused');
    await proto.next();
    expect(transport.producerState).toBe('paused');
    const next = proto.next();
    expect(transport.producerState).toBe('producing'); // only the peer can finish "long line"
    proto.dataReceived(bytes(' ends\n'));
    expect(text((await next).value as Uint8Array)).toBe('long line ends');
  });

  it('reads what a transport delivers from inside resumeProducing()', async () => {
    const proto = FrameIterableProtocol.lines<StringTransport>({
      delimiter: '\n',
      highWaterMark: 2,
      lowWaterMark: 0,
    });
    const transport = new (class extends StringTransport {
      override resumeProducing(): void {
        super.resumeProducing();
        proto.dataReceived(bytes('d\n'));
      }
    })();
    proto.makeConnection(transport);
    proto.dataReceived(bytes('abc'));
    expect(transport.producerState).toBe('paused');
    expect(text((await proto.next()).value as Uint8Array)).toBe('abcd');
  });

  it('delivers the lines before an over-long one, then throws LineTooLongError and closes', async () => {
    const proto = FrameIterableProtocol.lines<StringTransport>({
      delimiter: '\n',
      maxLength: 5,
    });
    const transport = connect(proto);
    proto.dataReceived(bytes('ok\nway too long\nnever\n'));
    const seen: string[] = [];
    const error: unknown = await (async () => {
      for await (const line of proto) seen.push(text(line));
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['ok']);
    expect(error).toBeInstanceOf(LineTooLongError);
    expect((error as LineTooLongError).maxLength).toBe(5);
    expect(transport.disconnecting).toBe(true);
    expect(await proto.next()).toEqual({ value: undefined, done: true });
  });

  it('rejects a waiting loop when the bytes that arrive do not frame', async () => {
    const netstrings = FrameIterableProtocol.netstrings<StringTransport>();
    const t1 = connect(netstrings);
    const waiting = netstrings.next();
    netstrings.dataReceived(bytes('3:abc;'));
    await expect(waiting).rejects.toBeInstanceOf(NetstringParseError);
    expect(t1.disconnecting).toBe(true);

    const ints = FrameIterableProtocol.intN<StringTransport>({
      prefixLength: 1,
      maxLength: 10,
    });
    const t2 = connect(ints);
    const pending = ints.next();
    ints.dataReceived(Uint8Array.of(200));
    await expect(pending).rejects.toBeInstanceOf(LengthLimitExceededError);
    expect(t2.disconnecting).toBe(true);
    ints.dataReceived(Uint8Array.of(1, 2, 3)); // ignored: the loop is over
    expect(await ints.next()).toEqual({ value: undefined, done: true });
  });

  it('delivers the frames received before a lost connection, then throws the reason', async () => {
    const proto = FrameIterableProtocol.lines<StringTransport>({ delimiter: '\n' });
    connect(proto);
    proto.dataReceived(bytes('one\ntwo\nunfinished'));
    proto.connectionLost(new Failure(new ConnectionLost('reset')));
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const line of proto) seen.push(text(line));
      })(),
    ).rejects.toBeInstanceOf(ConnectionLost);
    expect(seen).toEqual(['one', 'two']);
  });

  it('ends a waiting loop when the connection closes cleanly', async () => {
    const proto = FrameIterableProtocol.lines<StringTransport>();
    connect(proto);
    const loop = collect(proto);
    await settle();
    proto.dataReceived(bytes('a\r\nb'));
    proto.connectionLost(done());
    expect(await loop).toEqual(['a']);
  });

  it('closes the connection, resumes it and drops the buffer when the loop is left early', async () => {
    const proto = FrameIterableProtocol.lines<StringTransport>({
      delimiter: '\n',
      highWaterMark: 1,
    });
    const transport = connect(proto);
    proto.dataReceived(bytes('first\nsecond\nthird\n'));
    expect(transport.producerState).toBe('paused');
    for await (const line of proto) {
      expect(text(line)).toBe('first');
      break;
    }
    expect(transport.disconnecting).toBe(true);
    expect(transport.producerState).toBe('producing');
    expect(proto.bufferedBytes).toBe(0);
    proto.dataReceived(bytes('late\n'));
    expect(proto.bufferedBytes).toBe(0);
  });

  it('keeps the connection open when left early with closeOnReturn false', async () => {
    const proto = FrameIterableProtocol.lines<StringTransport>({ closeOnReturn: false });
    const transport = connect(proto);
    const waiting = proto.next();
    await proto.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(transport.disconnecting).toBe(false);
  });

  it('ends the loop at the peer’s half-close with halfClose, the connection still open', async () => {
    const proto = FrameIterableProtocol.lines<StringTransport>({
      delimiter: '\n',
      halfClose: true,
    });
    const transport = connect(proto);
    proto.dataReceived(bytes('last\n'));
    proto.readConnectionLost?.();
    expect(await collect(proto)).toEqual(['last']);
    expect(transport.disconnecting).toBe(false);
  });

  it('is an IHalfCloseableProtocol only with halfClose', () => {
    expect(isHalfCloseableProtocol(FrameIterableProtocol.lines({ halfClose: true }))).toBe(true);
    expect(isHalfCloseableProtocol(FrameIterableProtocol.lines())).toBe(false);
  });

  it('refuses a second next() while one is waiting', async () => {
    const proto = FrameIterableProtocol.lines<StringTransport>();
    connect(proto);
    const first = proto.next();
    await expect(proto.next()).rejects.toBeInstanceOf(TypeError);
    await proto.return();
    expect(await first).toEqual({ value: undefined, done: true });
  });

  it('lets a loop leave before the connection was made', async () => {
    const proto = FrameIterableProtocol.lines<StringTransport>();
    expect(await proto.return()).toEqual({ value: undefined, done: true });
  });

  it('slows the peer over a connected pair: reading stops until the loop catches up', async () => {
    class Server extends FrameIterableProtocol<FakeTransport> {
      constructor() {
        super(new LineFramer({ delimiter: '\n' }), { highWaterMark: 16, lowWaterMark: 0 });
      }
    }
    const { server, client, pump } = connectedServerAndClient(Server, Protocol);
    for (let i = 0; i < 10; i++) {
      client.transport.write(`line ${String(i)}\n`);
      pump.flush();
    }
    expect(server.transport.readingPaused).toBe(true);
    expect(server.bufferedBytes).toBeLessThanOrEqual(16 + 7);
    const seen: string[] = [];
    for await (const line of server) {
      seen.push(text(line));
      pump.flush();
      if (seen.length === 10) break;
    }
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `line ${String(i)}`));
  });
});
