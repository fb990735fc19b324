/**
 * A fast-check property over any transport pair: a random byte stream (up
 * to 256 KiB), cut at random boundaries (down to runs of 1-3 byte chunks)
 * and written on one end with a random mix of `write`, `writeSequence` and
 * pauses that let the pair run, arrives byte-identical at the other end,
 * followed by a clean close.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ConnectionDone } from '../../src/core/errors.js';
import type { MakePair } from './transport-pairs.js';
import { expectSameBytes, Peer } from './transport-peers.js';

const MAX_LENGTH = 256 * 1024;

/** `n` pseudo-random bytes from `seed` (xorshift32): cheap, and shrinkable through the seed. */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** How a chunk is handed over: on its own, batched into the next writeSequence, or followed by a settle. */
type WriteMode = 'write' | 'sequence' | 'settle';

interface Scenario {
  readonly length: number;
  readonly seed: number;
  readonly cuts: readonly number[];
  readonly dense: { readonly from: number; readonly count: number; readonly step: number };
  readonly modes: readonly WriteMode[];
  readonly fromClient: boolean;
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  length: fc.integer({ min: 0, max: MAX_LENGTH }),
  seed: fc.integer(),
  cuts: fc.uniqueArray(fc.integer({ min: 1, max: MAX_LENGTH - 1 }), { maxLength: 60 }),
  dense: fc.record({
    from: fc.integer({ min: 0, max: MAX_LENGTH }),
    count: fc.integer({ min: 0, max: 40 }),
    step: fc.integer({ min: 1, max: 3 }),
  }),
  modes: fc.array(fc.constantFrom<WriteMode>('write', 'sequence', 'settle'), {
    minLength: 1,
    maxLength: 8,
  }),
  fromClient: fc.boolean(),
});

/** The chunks `s` cuts its stream into, in order; their concatenation is the stream. */
function chunksOf(s: Scenario, data: Uint8Array): Uint8Array[] {
  const cuts = new Set(s.cuts.filter((c) => c < s.length));
  for (let i = 1; i <= s.dense.count; i++) {
    const c = s.dense.from + i * s.dense.step;
    if (c < s.length) cuts.add(c);
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const cut of [...sorted, s.length]) {
    if (cut > start) chunks.push(data.subarray(start, cut));
    start = cut;
  }
  return chunks;
}

/** Options of {@link describeChunkingProperty}. */
export interface ChunkingPropertyOptions {
  /** Runs of the property. */
  readonly numRuns: number;
  /** Stop after this many milliseconds (failing the test if not all runs are done). Default none. */
  readonly timeLimitMs?: number;
  /** Test timeout, in milliseconds. Default vitest's. */
  readonly timeoutMs?: number;
  /** Skip shrinking on failure (slow on real sockets). Default false. */
  readonly noShrink?: boolean;
}

/** Registers the chunking property for pairs made by `makePair`. */
export function describeChunkingProperty(
  name: string,
  makePair: MakePair,
  options: ChunkingPropertyOptions,
): void {
  describe(`${name}: chunking`, () => {
    it(
      'delivers any chunking of a random byte stream byte-identical at the other end, then closes cleanly',
      async () => {
        await fc.assert(
          fc.asyncProperty(scenario, async (s) => {
            const data = randomBytes(s.length, s.seed);
            const chunks = chunksOf(s, data);
            const pair = await makePair(Peer, Peer);
            try {
              const [sender, receiver] = s.fromClient
                ? [pair.client, pair.server]
                : [pair.server, pair.client];
              let batch: Uint8Array[] = [];
              for (const [i, chunk] of chunks.entries()) {
                const mode = s.modes[i % s.modes.length] ?? 'write';
                if (mode === 'sequence') {
                  batch.push(chunk);
                  continue;
                }
                if (batch.length > 0) sender.transport.writeSequence(batch);
                batch = [];
                sender.transport.write(chunk);
                if (mode === 'settle') await pair.settle();
              }
              if (batch.length > 0) sender.transport.writeSequence(batch);
              sender.transport.loseConnection();
              await pair.until(
                () => receiver.isLost && sender.isLost,
                'both ends are lost after the stream',
              );
              expectSameBytes(receiver.bytes(), data, 'bytes at the receiving end');
              expect(receiver.reason?.value).toBeInstanceOf(ConnectionDone);
              expect(receiver.violations).toEqual([]);
            } finally {
              await pair.close();
            }
          }),
          {
            numRuns: options.numRuns,
            ...(options.timeLimitMs === undefined
              ? {}
              : { interruptAfterTimeLimit: options.timeLimitMs, markInterruptAsFailure: true }),
            ...(options.noShrink === true ? { endOnFailure: true } : {}),
          },
        );
      },
      options.timeoutMs,
    );
  });
}
