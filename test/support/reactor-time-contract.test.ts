// The IReactorTime contract run against the deterministic implementations: Clock and
// MemoryReactorClock. NodeReactor runs the same suite in test/node/reactor.test.ts.
import { Clock } from '../../src/testing/clock.js';
import { MemoryReactorClock } from '../../src/testing/memory-reactor.js';
import { describeIReactorTime } from './reactor-time-contract.js';

describeIReactorTime('Clock', () => {
  const clock = new Clock();
  return {
    time: clock,
    advance: (seconds) => {
      clock.advance(seconds);
    },
  };
});

describeIReactorTime('MemoryReactorClock', () => {
  const reactor = new MemoryReactorClock();
  return {
    time: reactor,
    advance: (seconds) => {
      reactor.advance(seconds);
    },
  };
});
