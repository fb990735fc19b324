import fc from 'fast-check';
import { share, type Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { BufferOverflowError } from '../../../adapters/rxjs/errors.js';
import {
  decodeUtf8,
  ObservableProtocol,
  type ObservableProtocolOptions,
} from '../../../adapters/rxjs/observable-protocol.js';
import { concatBytes } from '../../../src/core/bytes.js';
import { ConnectionDone, ConnectionLost, InvalidStateError } from '../../../src/core/errors.js';
import { Failure } from '../../../src/core/failure.js';
import { isHalfCloseableProtocol } from '../../../src/core/interfaces/protocol.js';
import { LineTooLongError } from '../../../src/protocols/basic/errors.js';
import { encodeIntN, IntNFramer } from '../../../src/protocols/basic/int-n-framer.js';
import { LineFramer } from '../../../src/protocols/basic/line-framer.js';
import { formatNetstring, NetstringFramer } from '../../../src/protocols/basic/netstring-framer.js';
import {
  StringTransport,
  StringTransportWithDisconnection,
} from '../../../src/testing/string-transport.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const lines = (): LineFramer => new LineFramer({ delimiter: '\n', maxLength: 8 });

function connected(options?: ObservableProtocolOptions): {
  proto: ObservableProtocol<StringTransport>;
  transport: StringTransport;
} {
  const proto = new ObservableProtocol<StringTransport>(options);
  const transport = new StringTransport();
  proto.makeConnection(transport);
  return { proto, transport };
}

/** Subscribes and records every notification as a string. */
function record(proto: ObservableProtocol): { seen: string[]; sub: Subscription } {
  const seen: string[] = [];
  const sub = proto.input$.subscribe({
    next: (b) => seen.push(text(b)),
    error: (e: unknown) => seen.push(`error ${(e as Error).name}`),
    complete: () => seen.push('complete'),
  });
  return { seen, sub };
}

const done = (): Failure => new Failure(new ConnectionDone());

describe('ObservableProtocol', () => {
  describe('input$', () => {
    it('emits chunks in order and completes when the connection closes cleanly', () => {
      const { proto } = connected();
      const { seen, sub } = record(proto);
      proto.dataReceived(bytes('a'));
      proto.dataReceived(bytes('b'));
      proto.connectionLost(done());
      expect(seen).toEqual(['a', 'b', 'complete']);
      expect(sub.closed).toBe(true);
    });

    it('errors with the reason of an unclean close, after what was buffered', () => {
      const { proto } = connected({ demand: 'pull' });
      const { seen } = record(proto);
      proto.dataReceived(bytes('x'));
      proto.connectionLost(new Failure(new ConnectionLost('reset')));
      expect(seen).toEqual([]);
      proto.request(5);
      expect(seen).toEqual(['x', 'error ConnectionLost']);
    });

    it('is hot: what arrives before the first subscriber is buffered for it', () => {
      const { proto } = connected();
      proto.dataReceived(bytes('early'));
      proto.connectionLost(done());
      expect(record(proto).seen).toEqual(['early', 'complete']);
      // After the end, a new subscriber gets the end again (and nothing else).
      expect(record(proto).seen).toEqual(['complete']);
    });

    it('pauses the transport while nobody subscribes past the high-water mark, resumes on subscribe', () => {
      const { proto, transport } = connected({ highWaterMark: 4 });
      proto.dataReceived(bytes('123'));
      expect(transport.producerState).toBe('producing');
      proto.dataReceived(bytes('45'));
      expect(transport.producerState).toBe('paused');
      expect(proto.bufferedSize).toBe(5);
      const { seen } = record(proto);
      expect(seen).toEqual(['123', '45']);
      expect(transport.producerState).toBe('producing');
      expect(proto.bufferedSize).toBe(0);
    });

    it('takes one subscriber at a time; share() multicasts', () => {
      const { proto } = connected();
      record(proto);
      expect(record(proto).seen).toEqual([`error ${InvalidStateError.name}`]);
      const { proto: p2 } = connected({ framer: lines });
      const shared = p2.input$.pipe(decodeUtf8(), share());
      const a: string[] = [];
      const b: string[] = [];
      shared.subscribe((l) => a.push(l));
      shared.subscribe((l) => b.push(l));
      p2.dataReceived(bytes('x\ny\n'));
      expect(a).toEqual(['x', 'y']);
      expect(b).toEqual(['x', 'y']);
    });

    it('closes the connection when unsubscribed, leaving nothing buffered or paused', () => {
      const transport = new StringTransportWithDisconnection();
      const proto = new ObservableProtocol({ highWaterMark: 1, demand: 'pull' });
      transport.protocol = proto;
      proto.makeConnection(transport);
      const { seen, sub } = record(proto);
      proto.dataReceived(bytes('ab'));
      proto.dataReceived(bytes('cd'));
      expect(transport.producerState).toBe('paused');
      sub.unsubscribe();
      expect(transport.disconnecting).toBe(true);
      expect(transport.producerState).toBe('producing');
      expect(proto.bufferedSize).toBe(0);
      expect(seen).toEqual([]);
      proto.dataReceived(bytes('late')); // ignored: input$ is over
      expect(record(proto).seen).toEqual(['complete']);
    });

    it('with closeOnUnsubscribe false, detaches and buffers for the next subscriber', () => {
      const { proto, transport } = connected({ closeOnUnsubscribe: false });
      const first = record(proto);
      proto.dataReceived(bytes('1'));
      first.sub.unsubscribe();
      proto.dataReceived(bytes('2'));
      expect(transport.disconnecting).toBe(false);
      const second = record(proto);
      proto.dataReceived(bytes('3'));
      expect(first.seen).toEqual(['1']);
      expect(second.seen).toEqual(['2', '3']);
    });

    it('closes a connection made after input$ was already unsubscribed', () => {
      const proto = new ObservableProtocol();
      proto.input$.subscribe().unsubscribe();
      const transport = new StringTransport();
      proto.makeConnection(transport);
      expect(transport.disconnecting).toBe(true);
    });

    it('completes on the peer’s half-close with halfClose, keeping the connection open', () => {
      const { proto, transport } = connected({ halfClose: true });
      expect(isHalfCloseableProtocol(proto)).toBe(true);
      expect(isHalfCloseableProtocol(new ObservableProtocol())).toBe(false);
      const { seen } = record(proto);
      proto.writeConnectionLost?.(); // our own half-close changes nothing for input$
      proto.dataReceived(bytes('last'));
      proto.readConnectionLost?.();
      expect(seen).toEqual(['last', 'complete']);
      expect(transport.disconnecting).toBe(false);
      proto.connectionLost(done()); // later close: nothing more
      expect(seen).toEqual(['last', 'complete']);
    });
  });

  describe('framing', () => {
    it('emits lines cut by the framer, whatever the chunking', () => {
      const { proto } = connected({ framer: lines });
      const { seen } = record(proto);
      for (const c of ['on', 'e\ntw', 'o\n', '\nthr', 'ee\n']) proto.dataReceived(bytes(c));
      expect(seen).toEqual(['one', 'two', '', 'three']);
    });

    it('errors with the framing error after the lines before it, and aborts the connection', () => {
      const { proto, transport } = connected({ framer: lines });
      const { seen } = record(proto);
      proto.dataReceived(bytes('ok\nmuch too long\nnever\n'));
      expect(seen).toEqual(['ok', `error ${LineTooLongError.name}`]);
      expect(transport.disconnected).toBe(true);
    });

    it('closes a transport that cannot abort with loseConnection after a framing error', () => {
      const proto = new ObservableProtocol({ framer: lines });
      const transport = new StringTransport();
      Object.defineProperty(transport, 'abortConnection', { value: undefined }); // a plain ITransport
      proto.makeConnection(transport);
      proto.dataReceived(bytes('far too long for the limit\n'));
      expect(transport.disconnecting).toBe(true);
    });

    it('counts frames, not bytes, against the high-water mark', () => {
      const { proto, transport } = connected({ framer: lines, highWaterMark: 2 });
      proto.dataReceived(bytes('a\nb\n'));
      expect(transport.producerState).toBe('producing');
      proto.dataReceived(bytes('c\n'));
      expect(transport.producerState).toBe('paused');
      expect(proto.bufferedSize).toBe(3);
    });
  });

  describe('request (pull demand)', () => {
    it('delivers only what was asked for, and resumes the transport at the low-water mark', () => {
      const { proto, transport } = connected({
        framer: lines,
        demand: 'pull',
        highWaterMark: 4,
        lowWaterMark: 1,
      });
      const { seen } = record(proto);
      proto.dataReceived(bytes('1\n2\n3\n4\n5\n'));
      expect(seen).toEqual([]);
      expect(transport.producerState).toBe('paused');
      proto.request(2);
      expect(seen).toEqual(['1', '2']);
      expect(transport.producerState).toBe('paused'); // 3 left: above the low-water mark
      proto.request(2);
      expect(transport.producerState).toBe('producing');
      proto.request(3); // one buffered, two carried over to what arrives next
      proto.dataReceived(bytes('6\n7\n8\n'));
      expect(seen).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    });

    it('accepts requests from inside next, without re-entering it', () => {
      const { proto } = connected({ framer: lines, demand: 'pull' });
      const seen: string[] = [];
      let depth = 0;
      proto.input$.subscribe((line) => {
        depth += 1;
        expect(depth).toBe(1);
        seen.push(text(line));
        proto.request(1);
        depth -= 1;
      });
      proto.dataReceived(bytes('a\nb\nc\n'));
      proto.request(1);
      expect(seen).toEqual(['a', 'b', 'c']);
    });

    it('does nothing in push mode', () => {
      const { proto } = connected();
      proto.request(3);
      proto.dataReceived(bytes('x'));
      expect(record(proto).seen).toEqual(['x']);
    });
  });

  describe('overflow', () => {
    it("'error' errors with BufferOverflowError, drops the buffer and aborts the connection", () => {
      const { proto, transport } = connected({
        framer: lines,
        highWaterMark: 2,
        overflow: 'error',
      });
      proto.dataReceived(bytes('a\nb\nc\nd\n'));
      let error: unknown;
      proto.input$.subscribe({ error: (e: unknown) => (error = e) });
      expect(error).toBeInstanceOf(BufferOverflowError);
      expect((error as BufferOverflowError).direction).toBe('input');
      expect((error as BufferOverflowError).limit).toBe(2);
      expect(transport.disconnected).toBe(true);
      expect(proto.bufferedSize).toBe(0);
    });

    it("'drop-oldest' keeps the newest items and counts the dropped", () => {
      const { proto } = connected({ framer: lines, highWaterMark: 2, overflow: 'drop-oldest' });
      proto.dataReceived(bytes('a\nb\nc\nd\n'));
      expect(proto.dropped).toBe(2);
      expect(record(proto).seen).toEqual(['c', 'd']);
    });

    it("'drop-newest' keeps the oldest items and counts the dropped", () => {
      const { proto } = connected({ framer: lines, highWaterMark: 2, overflow: 'drop-newest' });
      proto.dataReceived(bytes('a\nb\nc\nd\n'));
      expect(proto.dropped).toBe(2);
      expect(record(proto).seen).toEqual(['a', 'b']);
    });

    it('always accepts one item, whatever its size', () => {
      const { proto } = connected({ highWaterMark: 2, overflow: 'drop-newest' });
      proto.dataReceived(bytes('a big chunk'));
      expect(proto.dropped).toBe(0);
      proto.dataReceived(bytes('more'));
      expect(proto.dropped).toBe(1);
      expect(record(proto).seen).toEqual(['a big chunk']);
    });

    it('applies nothing while a push subscriber takes every item', () => {
      const { proto, transport } = connected({ highWaterMark: 1, overflow: 'error' });
      const { seen } = record(proto);
      for (let i = 0; i < 10; i++) proto.dataReceived(bytes('xy'));
      expect(seen).toHaveLength(10);
      expect(transport.disconnected).toBe(false);
    });
  });

  describe('chunking invariance', () => {
    const framings: readonly {
      name: string;
      framer: () => IntNFramer | LineFramer | NetstringFramer;
      encode: (payload: Uint8Array) => Uint8Array;
    }[] = [
      {
        name: 'lines',
        framer: () => new LineFramer({ delimiter: '\r\n', maxLength: 64 }),
        encode: (p) => concatBytes([p, bytes('\r\n')]),
      },
      {
        name: 'netstrings',
        framer: () => new NetstringFramer({ maxLength: 64 }),
        encode: (p) => formatNetstring(p),
      },
      {
        name: 'int16 frames',
        framer: () => new IntNFramer({ prefixLength: 2, maxLength: 64 }),
        encode: (p) => encodeIntN(p, 2),
      },
    ];
    for (const { name, framer, encode } of framings) {
      it(`emits the same ${name} however the stream is cut, in push and pull modes`, () => {
        const payload =
          name === 'lines'
            ? fc.string({ unit: fc.constantFrom('a', 'é', ' ', '\r'), maxLength: 20 })
            : fc.string({ maxLength: 20 });
        fc.assert(
          fc.property(
            fc.array(payload, { maxLength: 12 }),
            fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 30 }),
            fc.boolean(),
            (messages, cutList, pull) => {
              const expected =
                name === 'lines' ? messages.filter((m) => !m.includes('\r')) : messages;
              const wire = concatBytes(expected.map((m) => encode(bytes(m))));
              const { proto } = connected({ framer, demand: pull ? 'pull' : 'push' });
              const seen: string[] = [];
              proto.input$.pipe(decodeUtf8()).subscribe((m) => {
                seen.push(m);
                proto.request(1);
              });
              proto.request(1);
              let at = 0;
              for (const cut of [...new Set(cutList)].sort((a, b) => a - b)) {
                if (cut >= wire.length) break;
                proto.dataReceived(wire.subarray(at, cut));
                at = cut;
              }
              proto.dataReceived(wire.subarray(at));
              expect(seen).toEqual(expected);
            },
          ),
        );
      });
    }
  });
});
