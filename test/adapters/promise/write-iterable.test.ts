import { describe, expect, it } from 'vitest';

import { writeIterable } from '../../../adapters/promise/write-iterable.js';
import { CancelledError } from '../../../src/core/errors.js';
import type { IPushProducer } from '../../../src/core/interfaces/producer.js';
import { StringTransport } from '../../../src/testing/string-transport.js';
import { settle } from '../../support/promises.js';

/** An async source that records how far it was pulled and whether it was closed. */
function source(chunks: (Uint8Array | string)[]): {
  iterable: AsyncIterable<Uint8Array | string>;
  pulled: () => number;
  closed: () => boolean;
} {
  let pulled = 0;
  let closed = false;
  async function* generate(): AsyncGenerator<Uint8Array | string> {
    try {
      for (const chunk of chunks) {
        pulled += 1;
        await Promise.resolve();
        yield chunk;
      }
    } finally {
      closed = true;
    }
  }
  return { iterable: generate(), pulled: () => pulled, closed: () => closed };
}

describe('writeIterable', () => {
  it('writes every chunk in order and fires with the byte count (strings as UTF-8)', async () => {
    const transport = new StringTransport();
    const d = writeIterable(transport, source(['ab', new Uint8Array([99]), 'é']).iterable);
    expect(transport.producer).not.toBeNull();
    expect(transport.streaming).toBe(true);
    expect(await d).toBe(5);
    expect(transport.valueString()).toBe('abcé');
    expect(transport.producer).toBeNull();
  });

  it('accepts synchronous iterables', async () => {
    const transport = new StringTransport();
    expect(await writeIterable(transport, ['x', 'y'])).toBe(2);
    expect(transport.valueString()).toBe('xy');
  });

  it('stops pulling while the consumer has paused it, and goes on when resumed', async () => {
    const transport = new StringTransport();
    const src = source(['1', '2', '3', '4']);
    const d = writeIterable(transport, src.iterable);
    const producer = transport.producer as IPushProducer;
    producer.pauseProducing();
    await settle();
    const pulledWhilePaused = src.pulled();
    expect(pulledWhilePaused).toBeLessThanOrEqual(1);
    await settle();
    expect(src.pulled()).toBe(pulledWhilePaused);
    producer.resumeProducing();
    expect(await d).toBe(4);
    expect(transport.valueString()).toBe('1234');
  });

  it('closes the source and fails with CancelledError when the consumer stops it', async () => {
    const transport = new StringTransport();
    const src = source(['1', '2', '3']);
    const d = writeIterable(transport, src.iterable);
    (transport.producer as IPushProducer).stopProducing();
    await expect(d.asPromise()).rejects.toBeInstanceOf(CancelledError);
    await settle();
    expect(src.closed()).toBe(true);
    expect(transport.producer).toBeNull();
  });

  it('closes the source when the Deferred is cancelled', async () => {
    const transport = new StringTransport();
    const src = source(['1', '2', '3']);
    const d = writeIterable(transport, src.iterable);
    d.cancel();
    await expect(d.asPromise()).rejects.toBeInstanceOf(CancelledError);
    await settle();
    expect(src.closed()).toBe(true);
    expect(transport.producer).toBeNull();
  });

  it('fails with the source’s error and unregisters, leaving the connection open', async () => {
    const transport = new StringTransport();
    async function* broken(): AsyncGenerator<string> {
      yield 'ok';
      await Promise.resolve();
      throw new RangeError('disk on fire');
    }
    const d = writeIterable(transport, broken());
    await expect(d.asPromise()).rejects.toBeInstanceOf(RangeError);
    expect(transport.valueString()).toBe('ok');
    expect(transport.producer).toBeNull();
    expect(transport.disconnecting).toBe(false);
  });
});
