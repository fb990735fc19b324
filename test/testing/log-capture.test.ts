import { afterEach, describe, expect, it, vi } from 'vitest';

import { Deferred, globalLogPublisher, Logger, LogPublisher } from '../../src/core/index.js';
import { capturedLogs, LogCapture } from '../../src/testing/index.js';

const log = new Logger('test.capture');

describe('LogCapture', () => {
  it('records the events published while it is active, until stop', () => {
    const capture = new LogCapture();
    log.info('one {n}', { n: 1 });
    log.failure('two', new Error('boom'));
    capture.stop();
    log.info('three');
    expect(capture.messages).toEqual(['one 1', 'two']);
    expect(capture.events.map((e) => e.log_level)).toEqual(['info', 'critical']);
    expect(capture.failures.map((f) => f.getErrorMessage())).toEqual(['boom']);
  });

  it('stops when disposed, for `using`', () => {
    const before = globalLogPublisher.observers.length;
    {
      using capture = new LogCapture();
      expect(globalLogPublisher.observers.length).toBe(before + 1);
      log.warn('inside');
      expect(capture.messages).toEqual(['inside']);
    }
    expect(globalLogPublisher.observers.length).toBe(before);
  });

  it('forgets captured events on clear and keeps capturing', () => {
    const capture = new LogCapture();
    log.info('old');
    capture.clear();
    log.info('new');
    capture.stop();
    expect(capture.messages).toEqual(['new']);
  });

  it('captures another publisher when given one', () => {
    const publisher = new LogPublisher();
    const capture = new LogCapture(publisher);
    new Logger('x', undefined, publisher).info('private');
    log.info('global');
    capture.stop();
    expect(capture.messages).toEqual(['private']);
  });
});

describe('capturedLogs', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('returns the events logged while calling fn, without printing captured errors', () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const events = capturedLogs(() => {
      log.error('captured, not printed');
    });
    expect(events.map((e) => e.log_format)).toEqual(['captured, not printed']);
    expect(printed).not.toHaveBeenCalled();
  });

  it('waits for a returned promise or Deferred before stopping', async () => {
    const d = new Deferred<void>();
    const pending = capturedLogs(async () => {
      await d;
      log.info('after the Deferred fired');
    });
    log.info('before');
    d.callback(undefined);
    const events = await pending;
    expect(events.map((e) => e.log_format)).toEqual(['before', 'after the Deferred fired']);
  });

  it('stops capturing and rethrows when fn throws or rejects', async () => {
    const before = globalLogPublisher.observers.length;
    expect(() =>
      capturedLogs(() => {
        throw new RangeError('sync');
      }),
    ).toThrow(RangeError);
    await expect(capturedLogs(() => Promise.reject(new TypeError('async')))).rejects.toThrow(
      TypeError,
    );
    expect(globalLogPublisher.observers.length).toBe(before);
  });

  it('returns an active LogCapture when called without fn', () => {
    using capture = capturedLogs();
    log.info('x');
    expect(capture).toBeInstanceOf(LogCapture);
    expect(capture.messages).toEqual(['x']);
  });
});
