import { beforeEach, describe, expect, it, vi } from 'vitest';

import { ReactorAlreadyInstalledError, ReactorNotInstalledError } from '../../src/core/index.js';
import { Clock } from '../../src/testing/index.js';

// The global reactor is module state: each test loads a fresh copy of the core
// (errors still match: weft's `instanceof` works across copies).
type Core = typeof import('../../src/core/index.js');
let core: Core;

beforeEach(async () => {
  vi.resetModules();
  core = await import('../../src/core/index.js');
});

describe('getGlobalReactor', () => {
  it('throws ReactorNotInstalledError, saying how to install one or pass a clock', () => {
    expect(() => core.getGlobalReactor()).toThrow(ReactorNotInstalledError);
    expect(() => core.getGlobalReactor()).toThrow(/import 'weft'.*clock/s);
  });

  it('returns the installed reactor', () => {
    const clock = new Clock();
    core.installReactor(clock);
    expect(core.getGlobalReactor()).toBe(clock);
  });
});

describe('installReactor', () => {
  it('accepts the same reactor again', () => {
    const clock = new Clock();
    core.installReactor(clock);
    expect(() => {
      core.installReactor(clock);
    }).not.toThrow();
  });

  it('throws ReactorAlreadyInstalledError for a different reactor, keeping the first', () => {
    const first = new Clock();
    core.installReactor(first);
    expect(() => {
      core.installReactor(new Clock());
    }).toThrow(ReactorAlreadyInstalledError);
    expect(core.getGlobalReactor()).toBe(first);
  });
});

describe('the global reactor as default clock', () => {
  it('is what LoopingCall.start uses, and stores, when clock is unset', () => {
    const clock = new Clock();
    core.installReactor(clock);
    const times: number[] = [];
    const loop = new core.LoopingCall(() => times.push(clock.seconds()));
    loop.start(1);
    expect(loop.clock).toBe(clock);
    clock.advance(1);
    expect(times).toEqual([0, 1]);
    loop.stop();
  });

  it('is required by LoopingCall.start when clock is unset, which then stays stopped', () => {
    const loop = new core.LoopingCall(() => undefined);
    expect(() => loop.start(1)).toThrow(ReactorNotInstalledError);
    expect(loop.running).toBe(false);
  });

  it('is what coiterate and a Cooperator without a clock use', () => {
    const clock = new Clock();
    core.installReactor(clock);
    const d = core.coiterate([1, 2, 3]);
    const coop = new core.Cooperator();
    const e = coop.coiterate([4]);
    expect(clock.getDelayedCalls()).toHaveLength(2);
    clock.advance(0);
    expect(d.called && e.called).toBe(true);
  });

  it('is required by coiterate without a clock', () => {
    expect(() => core.coiterate([1])).toThrow(ReactorNotInstalledError);
  });
});
