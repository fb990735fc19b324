import { EventEmitter as NodeEmitter } from 'node:events';

import { EventEmitter as EE3 } from 'eventemitter3';
import { debounceTime, map } from 'rxjs';
import { describe, expect, it } from 'vitest';

import type { EmitterLike } from '../../../adapters/events/emitter-like.js';
import { fromEmitter } from '../../../adapters/rxjs/events.js';
import { ReactorScheduler } from '../../../adapters/rxjs/scheduler.js';
import { Clock } from '../../../src/testing/clock.js';

interface Emitter extends EmitterLike {
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
}

const emitters: readonly [string, () => Emitter][] = [
  ['node:events', () => new NodeEmitter()],
  ['eventemitter3', () => new EE3()],
];

const total = (e: Emitter): number =>
  ['key', 'error', 'close'].reduce((n, name) => n + e.listenerCount(name), 0);

describe.each(emitters)('fromEmitter (%s)', (_name, make) => {
  it('runs events through operators on weft time, and completes on a close event', () => {
    const emitter = make();
    const clock = new Clock();
    const seen: string[] = [];
    const sub = fromEmitter<[string]>(emitter, 'key', { close: ['close'] })
      .pipe(
        map(([k]) => k),
        debounceTime(300, new ReactorScheduler(clock)),
      )
      .subscribe({ next: (k) => seen.push(k), complete: () => seen.push('complete') });
    emitter.emit('key', 'w');
    emitter.emit('key', 'we');
    clock.advance(0.3);
    emitter.emit('key', 'weft');
    emitter.emit('close');
    expect(seen).toEqual(['we', 'weft', 'complete']);
    expect(sub.closed).toBe(true);
    expect(total(emitter)).toBe(0);
    expect(clock.getDelayedCalls()).toHaveLength(0);
  });

  it('errors on the error event — also on eventemitter3, which drops unhandled ones', () => {
    const emitter = make();
    let error: unknown;
    fromEmitter(emitter, 'key').subscribe({ error: (e: unknown) => (error = e) });
    const boom = new Error('boom');
    emitter.emit('error', boom);
    expect(error).toBe(boom);
    expect(total(emitter)).toBe(0);
  });

  it('removes its listeners on unsubscribe', () => {
    const emitter = make();
    const sub = fromEmitter(emitter, 'key', { close: ['close'] }).subscribe();
    expect(total(emitter)).toBe(3);
    sub.unsubscribe();
    expect(total(emitter)).toBe(0);
  });
});
