import { EventEmitter as NodeEmitter } from 'node:events';

import { EventEmitter as EE3 } from 'eventemitter3';
import { from, map, take, type ObservableInput } from 'rxjs';
import { describe, expect, it } from 'vitest';

import type { EmitterLike } from '../../../adapters/events/emitter-like.js';
import { EventObservable, observeEvents } from '../../../adapters/events/observe-events.js';

interface Emitter extends EmitterLike {
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
}

const emitters: readonly [string, () => Emitter][] = [
  ['node:events', () => new NodeEmitter()],
  ['eventemitter3', () => new EE3()],
];

const total = (e: Emitter): number =>
  ['tick', 'error', 'end', 'close'].reduce((n, name) => n + e.listenerCount(name), 0);

describe.each(emitters)('observeEvents (%s)', (_name, make) => {
  it('delivers each event’s arguments as an array, and completes on a close event', () => {
    const emitter = make();
    const seen: unknown[] = [];
    const sub = observeEvents<[number, string]>(emitter, 'tick', {
      close: ['end', 'close'],
    }).subscribe({
      next: (args) => seen.push(args),
      complete: () => seen.push('complete'),
    });
    emitter.emit('tick', 1, 'a');
    emitter.emit('tick', 2, 'b');
    emitter.emit('end');
    emitter.emit('tick', 3, 'c');
    emitter.emit('close');
    expect(seen).toEqual([[1, 'a'], [2, 'b'], 'complete']);
    expect(sub.closed).toBe(true);
    expect(total(emitter)).toBe(0);
  });

  it('errors on the error event with its first argument, removing every listener', () => {
    const emitter = make();
    let error: unknown;
    const sub = observeEvents(emitter, 'tick', { close: ['end'] }).subscribe({
      error: (e) => (error = e),
    });
    const boom = new Error('boom');
    emitter.emit('error', boom);
    expect(error).toBe(boom);
    expect(sub.closed).toBe(true);
    expect(total(emitter)).toBe(0);
  });

  it('removes its listeners on unsubscribe, idempotently', () => {
    const emitter = make();
    const seen: unknown[] = [];
    const sub = observeEvents(emitter, 'tick', { close: ['end'] }).subscribe((args) =>
      seen.push(args),
    );
    expect(total(emitter)).toBe(3);
    sub.unsubscribe();
    sub.unsubscribe();
    emitter.emit('tick', 1);
    expect(seen).toEqual([]);
    expect(total(emitter)).toBe(0);
  });

  it('is cold: each subscription has its own listeners', () => {
    const emitter = make();
    const events = observeEvents(emitter, 'tick', { errorEvent: null });
    const a = events.subscribe();
    const b = events.subscribe();
    expect(emitter.listenerCount('tick')).toBe(2);
    expect(emitter.listenerCount('error')).toBe(0);
    a.unsubscribe();
    b.unsubscribe();
    expect(total(emitter)).toBe(0);
  });

  it('can observe the error event itself as values', () => {
    const emitter = make();
    const seen: unknown[] = [];
    observeEvents(emitter, 'error', { errorEvent: 'error' }).subscribe((args) => seen.push(args));
    emitter.emit('error', 'e1');
    emitter.emit('error', 'e2');
    expect(seen).toEqual([['e1'], ['e2']]);
  });

  it('becomes an RxJS Observable through from(), and unsubscribing there removes the listeners', () => {
    const emitter = make();
    const seen: number[] = [];
    let completed = false;
    // The types of from() know only Symbol.observable; at run time RxJS reads '@@observable'.
    from(observeEvents<[number]>(emitter, 'tick') as unknown as ObservableInput<[number]>)
      .pipe(
        map(([n]) => n * 10),
        take(2),
      )
      .subscribe({ next: (n) => seen.push(n), complete: () => (completed = true) });
    emitter.emit('tick', 1);
    emitter.emit('tick', 2);
    emitter.emit('tick', 3);
    expect(seen).toEqual([10, 20]);
    expect(completed).toBe(true);
    expect(total(emitter)).toBe(0);
  });
});

describe('EventObservable', () => {
  it('answers the Observable interop key with itself', () => {
    const events = new EventObservable(new NodeEmitter(), 'x');
    expect(events['@@observable']()).toBe(events);
  });

  it('works with an emitter that has removeListener but no off', () => {
    const inner = new NodeEmitter();
    const emitter: EmitterLike = {
      on: (e, l) => inner.on(e, l),
      removeListener: (e, l) => inner.removeListener(e, l),
    };
    observeEvents(emitter, 'x').subscribe().unsubscribe();
    expect(inner.listenerCount('x') + inner.listenerCount('error')).toBe(0);
  });

  it('refuses to end on an emitter it cannot remove listeners from', () => {
    const emitter: EmitterLike = { on: () => undefined };
    const sub = observeEvents(emitter, 'x').subscribe();
    expect(() => {
      sub.unsubscribe();
    }).toThrow(TypeError);
  });
});
