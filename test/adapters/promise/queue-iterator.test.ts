import { describe, expect, it } from 'vitest';

import { iterateQueue } from '../../../adapters/promise/queue-iterator.js';
import { DeferredQueue } from '../../../src/core/deferred-queue.js';
import { CancelledError } from '../../../src/core/errors.js';

describe('iterateQueue', () => {
  it('yields items in order, waiting for later puts, until the sentinel', async () => {
    const queue = new DeferredQueue<string | null>();
    queue.put('a');
    const seen: (string | null)[] = [];
    const loop = (async () => {
      for await (const item of iterateQueue(queue, { isEnd: (i) => i === null })) seen.push(item);
    })();
    await Promise.resolve();
    queue.put('b');
    queue.put(null);
    queue.put('after');
    await loop;
    expect(seen).toEqual(['a', 'b']);
    expect(queue.pending).toEqual(['after']);
  });

  it('cancels its pending get when the loop is left, so no item is lost', async () => {
    const queue = new DeferredQueue<number>();
    const iterator = iterateQueue(queue);
    const next = iterator.next();
    expect(queue.waiting).toHaveLength(1);
    await iterator.return?.();
    expect(queue.waiting).toHaveLength(0);
    expect(await next).toEqual({ value: undefined, done: true });
    queue.put(1);
    expect(queue.pending).toEqual([1]);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('rejects the pending next() with CancelledError when the signal aborts', async () => {
    const queue = new DeferredQueue<number>();
    const controller = new AbortController();
    const iterator = iterateQueue(queue, { signal: controller.signal });
    const next = iterator.next();
    controller.abort('shutdown');
    await expect(next).rejects.toSatisfy(
      (e) => e instanceof CancelledError && e.cause === 'shutdown',
    );
    expect(queue.waiting).toHaveLength(0);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('rejects at once when the signal has already aborted', async () => {
    const iterator = iterateQueue(new DeferredQueue<number>(), { signal: AbortSignal.abort() });
    await expect(iterator.next()).rejects.toBeInstanceOf(CancelledError);
  });
});
