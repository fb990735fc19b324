/**
 * fast-check properties of the AMP box framer: arbitrary bytes never make it
 * throw anything but AMP's protocol errors nor hold more than one bounded
 * box; serialized boxes parse back identically however the stream is cut.
 */
import fc from 'fast-check';
import { assert, describe, it } from 'vitest';

import { AmpBox, BoxParser, MalformedAmpBox, TooLong } from '../../../src/protocols/amp/index.js';

const MAX_BOX = 4096;

/** Random input, biased toward AMP-shaped bytes so the parser gets deep. */
const garbage = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc
    .array(
      fc.oneof(
        fc.constant(new Uint8Array([0, 0])),
        fc
          .uint8Array({ minLength: 1, maxLength: 8 })
          .map((k) => new Uint8Array([0, k.length, ...k])),
        fc.integer({ min: 0, max: 0xffff }).map((n) => new Uint8Array([n >> 8, n & 0xff])),
        fc.uint8Array({ maxLength: 16 }),
      ),
      { maxLength: 12 },
    )
    .map((parts) => new Uint8Array(parts.flatMap((p) => [...p]))),
);

const box = fc
  .dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.uint8Array({ maxLength: 300 }), {
    maxKeys: 6,
  })
  .map((entries) => {
    const b = new AmpBox();
    for (const [k, v] of Object.entries(entries)) b.set(k, v);
    return b;
  });

function entries(b: AmpBox): [string, number[]][] {
  return [...b]
    .map(([k, v]): [string, number[]] => [k, [...v]])
    .sort((x, y) => (x[0] < y[0] ? -1 : 1));
}

describe('BoxParser', () => {
  it('fails only with TooLong or MalformedAmpBox on garbage, holding at most one bounded box (100,000 inputs)', () => {
    fc.assert(
      fc.property(garbage, fc.integer({ min: 1, max: 8 }), (bytes, chunk) => {
        const parser = new BoxParser({ maxBoxLength: MAX_BOX });
        try {
          for (let at = 0; at < bytes.length; at += chunk) {
            parser.push(bytes.subarray(at, at + chunk));
            if (parser.pending > MAX_BOX) assert.fail(`holds ${String(parser.pending)} bytes`);
          }
        } catch (e) {
          if (!(e instanceof TooLong) && !(e instanceof MalformedAmpBox)) throw e;
        }
      }),
      { numRuns: 100_000 },
    );
  }, 60_000);

  it('parses serialized boxes back identically, whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(box, { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
        (boxes, sizes) => {
          const stream = new Uint8Array(boxes.flatMap((b) => [...b.serialize()]));
          const parser = new BoxParser();
          const out: AmpBox[] = [];
          let at = 0;
          for (let i = 0; at < stream.length; i++) {
            const size = sizes[i % sizes.length] as number;
            out.push(...parser.push(stream.subarray(at, at + size)));
            at += size;
          }
          assert.deepEqual(out.map(entries), boxes.map(entries));
          assert.equal(parser.pending, 0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('stopping after box k hands back exactly the bytes after it, whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(box, { minLength: 1, maxLength: 5 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.nat(),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
        (boxes, tail, k, sizes) => {
          const stop = k % boxes.length;
          const wire = boxes.map((b) => b.serialize());
          const stream = new Uint8Array([...wire.flatMap((w) => [...w]), ...tail]);
          const after = stream.subarray(wire.slice(0, stop + 1).reduce((n, w) => n + w.length, 0));
          const parser = new BoxParser();
          const seen: AmpBox[] = [];
          const rests: Uint8Array[] = [];
          let at = 0;
          for (let i = 0; at < stream.length && rests.length === 0; i++) {
            const size = sizes[i % sizes.length] as number;
            const chunk = stream.subarray(at, at + size);
            at += size;
            parser.pushEach(chunk, (b) => {
              seen.push(b);
              if (seen.length === stop + 1) rests.push(parser.remainder());
              return true;
            });
          }
          // What was not yet fed also belongs after the stop.
          const handed = new Uint8Array([...(rests[0] ?? []), ...stream.subarray(at)]);
          assert.deepEqual(seen.map(entries), boxes.slice(0, stop + 1).map(entries));
          assert.deepEqual([...handed], [...after]);
          assert.equal(parser.pending, 0);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
