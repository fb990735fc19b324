import { afterEach, describe, expect, it } from 'vitest';

import {
  installReactorTimers,
  ReactorTimer,
  withReactorTimers,
} from '../../../adapters/loops/reactor-timers.js';
import { Clock } from '../../../src/testing/clock.js';

const real = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
  clearImmediate: globalThis.clearImmediate,
};

function expectRealTimers(): void {
  expect(globalThis.setTimeout).toBe(real.setTimeout);
  expect(globalThis.clearTimeout).toBe(real.clearTimeout);
  expect(globalThis.setInterval).toBe(real.setInterval);
  expect(globalThis.clearInterval).toBe(real.clearInterval);
  expect(globalThis.setImmediate).toBe(real.setImmediate);
  expect(globalThis.clearImmediate).toBe(real.clearImmediate);
}

afterEach(() => {
  // A failed test must not leave the next one (or vitest) on fake timers.
  Object.assign(globalThis, real);
});

describe('installReactorTimers', () => {
  it('runs setTimeout callbacks on the reactor time, in milliseconds, with their arguments', () => {
    const clock = new Clock();
    const seen: [number, string][] = [];
    using _timers = installReactorTimers(clock);
    setTimeout((a: string) => seen.push([clock.seconds(), a]), 1500, 'x');
    clock.advance(1.499);
    expect(seen).toEqual([]);
    clock.advance(0.001);
    expect(seen).toEqual([[1.5, 'x']]);
  });

  it('treats delays that are not numbers of at least 1 ms as 1 ms, as Node does', () => {
    const clock = new Clock();
    using _timers = installReactorTimers(clock);
    const handles = [0, -5, Number.NaN, 2 ** 31, 'soon'].map((ms) =>
      setTimeout(() => undefined, ms as number),
    );
    for (const call of clock.getDelayedCalls()) expect(call.getTime()).toBeCloseTo(0.001, 9);
    expect(handles).toHaveLength(5);
  });

  it('reschedules setInterval when its callback starts, until cleared', () => {
    const clock = new Clock();
    const seen: number[] = [];
    using _timers = installReactorTimers(clock);
    const handle = setInterval(() => {
      seen.push(clock.seconds());
      if (seen.length === 3) clearInterval(handle);
    }, 1000);
    clock.pump([1, 1, 1, 1, 1]);
    expect(seen).toEqual([1, 2, 3]);
    expect(clock.getDelayedCalls()).toHaveLength(0);
  });

  it('clears by handle or by its numeric id, and either clear function clears either kind', () => {
    const clock = new Clock();
    const ran: string[] = [];
    using _timers = installReactorTimers(clock);
    const a = setTimeout(() => ran.push('a'), 10);
    const b = setInterval(() => ran.push('b'), 10);
    const c = setTimeout(() => ran.push('c'), 10);
    clearInterval(a);
    clearTimeout(b);
    clearTimeout(+c);
    clock.advance(1);
    expect(ran).toEqual([]);
    expect(clock.getDelayedCalls()).toHaveLength(0);
  });

  it('runs setImmediate on the next reactor turn and lets clearImmediate cancel it', () => {
    const clock = new Clock();
    const ran: string[] = [];
    using _timers = installReactorTimers(clock);
    setImmediate(() => ran.push('kept'));
    clearImmediate(setImmediate(() => ran.push('cleared')));
    clock.advance(0);
    expect(ran).toEqual(['kept']);
  });

  it('gives handles with refresh, ref/unref/hasRef and dispose, as Node timers have', () => {
    const clock = new Clock();
    const ran: number[] = [];
    using _timers = installReactorTimers(clock);
    const handle = setTimeout(() => ran.push(clock.seconds()), 1000) as unknown as ReactorTimer;
    expect(handle).toBeInstanceOf(ReactorTimer);
    expect(handle.hasRef()).toBe(true);
    expect(handle.unref().hasRef()).toBe(false);
    expect(handle.ref().hasRef()).toBe(true);
    clock.advance(0.5);
    handle.refresh();
    clock.advance(0.9);
    expect(ran).toEqual([]);
    clock.advance(0.1);
    expect(ran).toEqual([1.5]);
    expect(handle.active).toBe(false);
    const other = setTimeout(() => ran.push(-1), 10) as unknown as ReactorTimer;
    other[Symbol.dispose]();
    clock.advance(1);
    expect(ran).toEqual([1.5]);
  });

  it('passes handles of the real timer functions to the real clear functions', async () => {
    let fired = false;
    const realHandle = setTimeout(() => {
      fired = true;
    }, 1);
    {
      using _timers = installReactorTimers(new Clock());
      clearTimeout(realHandle);
      clearTimeout(undefined);
    }
    await new Promise((resolve) => real.setTimeout(resolve, 20));
    expect(fired).toBe(false);
  });

  it('restores exactly the functions it found, once, even when undone out of order', () => {
    const outer = installReactorTimers(new Clock());
    const outerSetTimeout = globalThis.setTimeout;
    const inner = installReactorTimers(new Clock());
    outer[Symbol.dispose]();
    // The inner installation is still in force; the outer one left it alone.
    expect(globalThis.setTimeout).not.toBe(outerSetTimeout);
    expect(globalThis.setTimeout).not.toBe(real.setTimeout);
    inner[Symbol.dispose]();
    outer[Symbol.dispose]();
    expect(globalThis.setTimeout).toBe(outerSetTimeout);
    // Undone in order, everything is back.
    Object.assign(globalThis, real);
    const a = installReactorTimers(new Clock());
    const b = installReactorTimers(new Clock());
    b[Symbol.dispose]();
    a[Symbol.dispose]();
    expectRealTimers();
  });
});

describe('withReactorTimers', () => {
  it('restores the real timers when the function returns, and returns its value', () => {
    const clock = new Clock();
    const value = withReactorTimers(clock, () => {
      setTimeout(() => undefined, 1000);
      return 42;
    });
    expect(value).toBe(42);
    expectRealTimers();
    expect(clock.getDelayedCalls()).toHaveLength(1);
  });

  it('restores the real timers when the function throws, and rethrows', () => {
    expect(() =>
      withReactorTimers(new Clock(), () => {
        throw new RangeError('boom');
      }),
    ).toThrow(RangeError);
    expectRealTimers();
  });

  it('keeps the replacement until a returned promise settles, fulfilled or rejected', async () => {
    const clock = new Clock();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const result = withReactorTimers(clock, async () => {
      await gate;
      return new Promise<string>((resolve) =>
        setTimeout(() => {
          resolve('done');
        }, 2000),
      );
    });
    expect(globalThis.setTimeout).not.toBe(real.setTimeout);
    release();
    await gate;
    await Promise.resolve();
    clock.advance(2);
    expect(await result).toBe('done');
    expectRealTimers();

    const failing = withReactorTimers(clock, () => Promise.reject(new RangeError('no')));
    await expect(failing).rejects.toThrow(RangeError);
    expectRealTimers();
  });
});
