import { EventEmitter as NodeEmitter } from 'node:events';

import { EventEmitter as EE3 } from 'eventemitter3';
import { describe, expect, it } from 'vitest';

import type { EmitterLike } from '../../../adapters/events/emitter-like.js';
import { iterateEvents, whenEvent } from '../../../adapters/events/when-event.js';
import { CancelledError, QueueOverflow } from '../../../src/core/errors.js';
import { failureResultOf, successResultOf } from '../../../src/testing/results.js';
import { settle } from '../../support/promises.js';

interface Emitter extends EmitterLike {
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
}

const emitters: [string, () => Emitter][] = [
  ['node:events', () => new NodeEmitter()],
  ['eventemitter3', () => new EE3()],
];

/** Total listeners on the events these tests use. */
function listeners(emitter: Emitter): number {
  return ['ready', 'error', 'tick', 'stop', 'fail'].reduce(
    (n, name) => n + emitter.listenerCount(name),
    0,
  );
}

describe.each(emitters)('whenEvent with %s', (_name, make) => {
  it('fires with the arguments of the next event and removes its listeners', () => {
    const emitter = make();
    const d = whenEvent<[number, string]>(emitter, 'ready');
    expect(listeners(emitter)).toBe(2);
    emitter.emit('ready', 1, 'a');
    emitter.emit('ready', 2, 'b');
    expect(successResultOf(d)).toEqual([1, 'a']);
    expect(listeners(emitter)).toBe(0);
  });

  it('fails with an error event emitted first', () => {
    const emitter = make();
    const d = whenEvent(emitter, 'ready');
    const error = new RangeError('boom');
    emitter.emit('error', error);
    expect(failureResultOf(d, RangeError).value).toBe(error);
    expect(listeners(emitter)).toBe(0);
  });

  it('waits for error itself, or ignores errors with errorEvent null', () => {
    const emitter = make();
    const onError = whenEvent<[Error]>(emitter, 'error');
    const ignoring = whenEvent(emitter, 'ready', { errorEvent: null });
    emitter.emit('error', new Error('x'));
    expect(successResultOf(onError)[0]).toBeInstanceOf(Error);
    expect(ignoring.called).toBe(false);
    ignoring.cancel();
    expect(listeners(emitter)).toBe(0);
    failureResultOf(ignoring, CancelledError);
  });

  it('removes its listeners when cancelled, and when its signal aborts', () => {
    const emitter = make();
    const d = whenEvent(emitter, 'ready');
    d.cancel();
    failureResultOf(d, CancelledError);
    expect(listeners(emitter)).toBe(0);

    const controller = new AbortController();
    const e = whenEvent(emitter, 'ready', { signal: controller.signal });
    controller.abort('stop');
    expect((failureResultOf(e, CancelledError).value as Error).cause).toBe('stop');
    expect(listeners(emitter)).toBe(0);
  });

  it('never listens when the signal has already aborted', () => {
    const emitter = make();
    const d = whenEvent(emitter, 'ready', { signal: AbortSignal.abort() });
    failureResultOf(d, CancelledError);
    expect(listeners(emitter)).toBe(0);
  });
});

describe.each(emitters)('iterateEvents with %s', (_name, make) => {
  it('yields each event, buffered while the loop is busy, until a close event', async () => {
    const emitter = make();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const [n] of iterateEvents<[number]>(emitter, 'tick', { close: ['stop'] })) {
        seen.push(n);
      }
    })();
    emitter.emit('tick', 1);
    emitter.emit('tick', 2);
    await settle();
    emitter.emit('tick', 3);
    emitter.emit('stop');
    emitter.emit('tick', 4);
    await loop;
    expect(seen).toEqual([1, 2, 3]);
    expect(listeners(emitter)).toBe(0);
  });

  it('throws an error event after the events before it, then is over', async () => {
    const emitter = make();
    const iterator = iterateEvents<[number]>(emitter, 'tick');
    emitter.emit('tick', 1);
    emitter.emit('error', new RangeError('bad'));
    expect(await iterator.next()).toEqual({ value: [1], done: false });
    await expect(iterator.next()).rejects.toBeInstanceOf(RangeError);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(listeners(emitter)).toBe(0);
  });

  it('throws QueueOverflow past maxBuffered instead of growing', async () => {
    const emitter = make();
    const iterator = iterateEvents(emitter, 'tick', { maxBuffered: 2 });
    for (let i = 0; i < 3; i++) emitter.emit('tick', i);
    await expect(iterator.next()).rejects.toBeInstanceOf(QueueOverflow);
    expect(listeners(emitter)).toBe(0);
  });

  it('removes its listeners when the loop is left, and when the signal aborts', async () => {
    const emitter = make();
    const loop = (async () => {
      for await (const _ of iterateEvents(emitter, 'tick')) break;
    })();
    emitter.emit('tick', 1);
    await loop;
    expect(listeners(emitter)).toBe(0);

    const controller = new AbortController();
    const iterator = iterateEvents(emitter, 'tick', { signal: controller.signal });
    const next = iterator.next();
    controller.abort('shutdown');
    await expect(next).rejects.toSatisfy(
      (e) => e instanceof CancelledError && e.cause === 'shutdown',
    );
    expect(listeners(emitter)).toBe(0);
  });

  it('refuses a second concurrent next(), and ends at once on an aborted signal', async () => {
    const emitter = make();
    const iterator = iterateEvents(emitter, 'tick');
    const first = iterator.next();
    await expect(iterator.next()).rejects.toBeInstanceOf(TypeError);
    emitter.emit('tick', 9);
    expect(await first).toEqual({ value: [9], done: false });
    await iterator.return?.();
    const aborted = iterateEvents(emitter, 'tick', { signal: AbortSignal.abort() });
    await expect(aborted.next()).rejects.toBeInstanceOf(CancelledError);
    expect(listeners(emitter)).toBe(0);
  });
});
