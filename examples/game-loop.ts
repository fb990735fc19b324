// A fixed-step game loop hosting weft: the loop owns time, the reactor runs on game time.
//
// Run it with `npx tsc -p tsconfig.examples.json && node .build/examples/game-loop.js`. It
// simulates 3 seconds of a game at 10 ticks a second in a few milliseconds (no real waiting),
// and prints:
//
//   tick 5 (0.5 s): spawn wave 1
//   tick 10 (1.0 s): heartbeat 1
//   tick 15 (1.5 s): spawn wave 2
//   tick 20 (2.0 s): heartbeat 2
//   tick 25 (2.5 s): a library’s setTimeout(…, 2500) fired on game time
//   tick 25 (2.5 s): spawn wave 3
//   tick 30 (3.0 s): heartbeat 3
//   game over after 30 ticks; reactor stopped: true
import { pathToFileURL } from 'node:url';

import { withReactorTimers, HostedReactor } from '../adapters/loops/index.js';
import { LoopingCall } from '../src/index.js';

/** Ticks per second of the fixed-step loop. */
const TICK_RATE = 10;
/** Ticks are counted as integers so game time stays exact (no float drift). */
const tickTime = (tick: number): number => tick / TICK_RATE;

export async function main(out: (line: string) => void = console.log): Promise<void> {
  let tick = 0;
  const reactor = new HostedReactor({ now: () => tickTime(tick) });
  const say = (what: string): void => {
    out(`tick ${String(tick)} (${tickTime(tick).toFixed(1)} s): ${what}`);
  };

  // Game logic written against weft's reactor: a wave every second, first at 0.5 s...
  let wave = 0;
  const spawn = (): void => {
    wave += 1;
    say(`spawn wave ${String(wave)}`);
    if (wave < 3) reactor.callLater(1, spawn);
  };
  reactor.callLater(0.5, spawn);

  // ...a LoopingCall heartbeat on the same clock...
  let beats = 0;
  const heartbeat = new LoopingCall(() => {
    beats += 1;
    say(`heartbeat ${String(beats)}`);
    if (beats === 3) heartbeat.stop();
  });
  heartbeat.clock = reactor;
  heartbeat.start(1, false);

  // ...and a third-party module that only knows the global setTimeout, run on game time too.
  withReactorTimers(reactor, () => {
    setTimeout(() => {
      say('a library’s setTimeout(…, 2500) fired on game time');
    }, 2500);
  });

  const done = reactor.run();
  // The host loop: advance one fixed step, give the reactor its turn, render (omitted).
  while (tick < 3 * TICK_RATE) {
    tick += 1;
    reactor.iterate();
    reactor.runPending();
  }
  reactor.stop();
  reactor.runPending();
  await done;
  out(`game over after ${String(tick)} ticks; reactor stopped: ${String(!reactor.running)}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
