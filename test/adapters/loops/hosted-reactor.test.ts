import { describe, expect, it } from 'vitest';

import { HostedReactor } from '../../../adapters/loops/hosted-reactor.js';
import { Deferred } from '../../../src/core/defer.js';
import { describeIReactorTime } from '../../support/reactor-time-contract.js';

/** A reactor on a hand-moved clock, and the wake-up requests it made. */
function hosted(): {
  reactor: HostedReactor;
  wakeups: (number | null)[];
  set: (t: number) => void;
} {
  let now = 0;
  const wakeups: (number | null)[] = [];
  const reactor = new HostedReactor({
    now: () => now,
    onWakeup: (delay) => {
      wakeups.push(delay);
    },
  });
  return {
    reactor,
    wakeups,
    set: (t) => {
      now = t;
    },
  };
}

describeIReactorTime('HostedReactor', () => {
  const { reactor, set } = hosted();
  let now = 0;
  return {
    time: reactor,
    advance: (seconds) => {
      now += seconds;
      set(now);
      reactor.iterate();
      reactor.runPending();
    },
  };
});

describe('HostedReactor', () => {
  describe('iterate', () => {
    it('runs only the calls due at the host time it is called at', () => {
      const { reactor, set } = hosted();
      const ran: string[] = [];
      reactor.callLater(1, () => ran.push('a'));
      reactor.callLater(2, () => ran.push('b'));
      set(1.5);
      reactor.iterate();
      expect(ran).toEqual(['a']);
      set(2);
      reactor.iterate();
      expect(ran).toEqual(['a', 'b']);
    });

    it('returns the seconds until the next call is due, or null when none is', () => {
      const { reactor, set } = hosted();
      reactor.callLater(3, () => undefined);
      set(1);
      expect(reactor.iterate()).toBe(2);
      set(3);
      expect(reactor.iterate()).toBeNull();
    });

    it('leaves calls scheduled for now by a running call to the next iteration', () => {
      const { reactor } = hosted();
      const ran: string[] = [];
      reactor.callLater(0, () => {
        ran.push('first');
        reactor.callLater(0, () => ran.push('second'));
      });
      expect(reactor.iterate()).toBe(0);
      expect(ran).toEqual(['first']);
      reactor.iterate();
      expect(ran).toEqual(['first', 'second']);
    });
  });

  describe('onWakeup', () => {
    it('tells the host the delay to the soonest call whenever it changes', () => {
      const { reactor, wakeups } = hosted();
      const later = reactor.callLater(5, () => undefined);
      reactor.callLater(2, () => undefined);
      expect(wakeups.slice(-2)).toEqual([5, 2]);
      expect(reactor.wakeup).toBe(2);
      later.cancel();
      expect(reactor.wakeup).toBe(2);
    });

    it('asks for an immediate turn after stop(), and for none once shut down', () => {
      const { reactor } = hosted();
      const done = reactor.run();
      reactor.iterate();
      reactor.stop();
      expect(reactor.wakeup).toBe(0);
      reactor.iterate();
      expect(done.called).toBe(true);
      expect(reactor.wakeup).toBeNull();
    });
  });

  describe('runPending', () => {
    it('settles a chain of callLater(0) calls, bounded by maxIterations', () => {
      const { reactor } = hosted();
      let n = 0;
      const again = (): void => {
        n += 1;
        reactor.callLater(0, again);
      };
      reactor.callLater(0, again);
      expect(reactor.runPending(5)).toBe(5);
      expect(n).toBe(5);
    });

    it('does nothing when nothing is due', () => {
      const { reactor } = hosted();
      reactor.callLater(1, () => undefined);
      expect(reactor.runPending()).toBe(0);
    });
  });

  describe('run and stop', () => {
    it('waits for before-shutdown Deferreds across host iterations', () => {
      const { reactor } = hosted();
      const done = reactor.run();
      reactor.iterate();
      const gate = new Deferred<void>();
      const order: string[] = [];
      reactor.addSystemEventTrigger('before', 'shutdown', () => gate);
      reactor.addSystemEventTrigger('after', 'shutdown', () => order.push('after'));
      reactor.stop();
      reactor.runPending();
      expect(done.called).toBe(false);
      gate.callback(undefined);
      expect(order).toEqual(['after']);
      expect(done.called).toBe(true);
      expect(reactor.running).toBe(false);
    });
  });

  it('uses performance.now() in seconds when no clock is given', () => {
    const reactor = new HostedReactor();
    const before = performance.now() / 1000;
    const t = reactor.seconds();
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(performance.now() / 1000);
  });
});
