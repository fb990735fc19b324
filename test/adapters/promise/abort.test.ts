import { describe, expect, it, vi } from 'vitest';

import {
  abortSignalFor,
  cancelOnAbort,
  runAbortable,
  timeoutSignal,
} from '../../../adapters/promise/abort.js';
import { Deferred, succeed } from '../../../src/core/defer.js';
import { CancelledError, TimeoutError } from '../../../src/core/errors.js';
import { Clock } from '../../../src/testing/clock.js';
import { failureResultOf, successResultOf } from '../../../src/testing/results.js';

describe('cancelOnAbort', () => {
  it('cancels the Deferred once when the signal aborts, with the reason as cause', () => {
    const controller = new AbortController();
    const canceller = vi.fn();
    const d = cancelOnAbort(new Deferred<string>(canceller), controller.signal);
    controller.abort('user pressed stop');
    controller.abort('again');
    expect(canceller).toHaveBeenCalledTimes(1);
    const failure = failureResultOf(d, CancelledError);
    expect((failure.value as Error).cause).toBe('user pressed stop');
  });

  it('cancels at once when the signal has already aborted', () => {
    const d = cancelOnAbort(new Deferred<string>(), AbortSignal.abort('too late'));
    failureResultOf(d, CancelledError);
  });

  it('removes its listener when the Deferred fires first', () => {
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const d = cancelOnAbort(new Deferred<number>(), controller.signal);
    d.callback(7);
    expect(remove).toHaveBeenCalledTimes(1);
    controller.abort();
    expect(successResultOf(d)).toBe(7);
  });

  it('leaves an already-fired Deferred alone', () => {
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, 'addEventListener');
    const d = cancelOnAbort(succeed(1), controller.signal);
    expect(add).not.toHaveBeenCalled();
    expect(successResultOf(d)).toBe(1);
  });

  it('turns a timeout reason (the DOM TimeoutError) into weft TimeoutError with it as cause', () => {
    const controller = new AbortController();
    const reason = new DOMException('The operation timed out.', 'TimeoutError');
    const d = cancelOnAbort(new Deferred<void>(), controller.signal);
    controller.abort(reason);
    const failure = failureResultOf(d, TimeoutError);
    expect((failure.value as Error).cause).toBe(reason);
  });

  it('keeps weft TimeoutError reasons as they are', () => {
    const clock = new Clock();
    const { signal } = timeoutSignal(clock, 5);
    const d = cancelOnAbort(new Deferred<void>(), signal);
    clock.advance(5);
    const failure = failureResultOf(d, TimeoutError);
    expect(failure.value).toBe(signal.reason);
  });
});

describe('runAbortable', () => {
  it('aborts the signal given to the operation when the Deferred is cancelled', () => {
    let seen: AbortSignal | undefined;
    const d = runAbortable((signal) => {
      seen = signal;
      return new Promise<never>(() => undefined);
    });
    const onAbort = vi.fn();
    seen?.addEventListener('abort', onAbort);
    d.cancel('stop');
    expect(onAbort).toHaveBeenCalledTimes(1);
    expect(seen?.reason).toBe('stop');
    failureResultOf(d, CancelledError);
  });

  it('never starts the operation when the caller’s signal has already aborted', () => {
    const op = vi.fn(() => 1);
    const d = runAbortable(op, { signal: AbortSignal.abort('before') });
    expect(op).not.toHaveBeenCalled();
    const failure = failureResultOf(d, CancelledError);
    expect((failure.value as Error).cause).toBe('before');
  });

  it('cancels when the caller’s signal aborts mid-flight, aborting the operation too', () => {
    const outer = new AbortController();
    let inner: AbortSignal | undefined;
    const d = runAbortable(
      (signal) => {
        inner = signal;
        return new Promise<never>(() => undefined);
      },
      { signal: outer.signal },
    );
    outer.abort('user');
    expect(inner?.aborted).toBe(true);
    failureResultOf(d, CancelledError);
  });

  it('fires with the operation’s result, and fails with what it throws', async () => {
    expect(await runAbortable(() => Promise.resolve('ok'))).toBe('ok');
    const d = runAbortable(() => {
      throw new RangeError('bad');
    });
    failureResultOf(d, RangeError);
  });
});

describe('abortSignalFor', () => {
  it('aborts with the CancelledError when the Deferred is cancelled', () => {
    const d = new Deferred<void>();
    const signal = abortSignalFor(d);
    d.cancel();
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(CancelledError);
    failureResultOf(d, CancelledError);
  });

  it('does not abort on success or, by default, on other failures', () => {
    const ok = new Deferred<number>();
    const okSignal = abortSignalFor(ok);
    ok.callback(1);
    expect(okSignal.aborted).toBe(false);
    const bad = new Deferred<number>();
    const badSignal = abortSignalFor(bad);
    bad.errback(new RangeError('x'));
    expect(badSignal.aborted).toBe(false);
    failureResultOf(bad, RangeError);
  });

  it('aborts on any failure with onFailure', () => {
    const d = new Deferred<number>();
    const signal = abortSignalFor(d, { onFailure: true });
    const error = new RangeError('x');
    d.errback(error);
    expect(signal.reason).toBe(error);
    failureResultOf(d, RangeError);
  });
});

describe('timeoutSignal', () => {
  it('aborts exactly at the deadline on the given clock', () => {
    const clock = new Clock();
    const { signal } = timeoutSignal(clock, 30);
    clock.advance(29.999);
    expect(signal.aborted).toBe(false);
    clock.advance(0.001);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(TimeoutError);
    expect((signal.reason as TimeoutError).timeout).toBe(30);
  });

  it('leaves no pending call once disposed', () => {
    const clock = new Clock();
    const timeout = timeoutSignal(clock, 30);
    timeout.dispose();
    timeout.dispose();
    expect(clock.getDelayedCalls()).toHaveLength(0);
    clock.advance(60);
    expect(timeout.signal.aborted).toBe(false);
  });
});
