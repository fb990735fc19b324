// An RxJS marble test driving weft code: a protocol with a LoopingCall heartbeat and an idle
// timeout runs on a TestScheduler's virtual time, through SchedulerTime.
//
// Run it with `npx tsc -p tsconfig.examples.json && node .build/examples/rxjs-marbles.js`. It
// runs 55 virtual seconds in a few milliseconds (1 frame = 1 ms, weft's 1 s = 1000 frames) and
// prints:
//
//   5 s: received "hello"
//   10 s: heartbeat 1
//   20 s: heartbeat 2
//   25 s: received "still here"
//   30 s: heartbeat 3
//   40 s: heartbeat 4
//   50 s: heartbeat 5
//   55 s: idle for 30 s, connection closed
//   the marble matched: 5s a 4999ms h 9999ms i 4999ms b 4999ms j 9999ms k 9999ms l 4999ms (t|)
import { pathToFileURL } from 'node:url';

import { Observable, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';

import { SchedulerTime } from '../adapters/rxjs/index.js';
import { IdleTimeout } from '../src/protocols/policies/index.js';
import { LoopingCall, Protocol, type IReactorTime } from '../src/index.js';
import { StringTransport } from '../src/testing/index.js';

/** Pings every 10 s, and closes after 30 s without input. */
class Session extends Protocol {
  readonly idle: IdleTimeout;
  readonly heartbeat: LoopingCall;
  onEvent: (event: string) => void = () => undefined;
  #beats = 0;

  constructor(time: IReactorTime) {
    super();
    this.idle = IdleTimeout.forProtocol(this, time);
    this.heartbeat = new LoopingCall(() => {
      this.#beats += 1;
      this.transport.write('ping\n');
      this.onEvent(`heartbeat ${String(this.#beats)}`);
    });
    this.heartbeat.clock = time;
  }

  override connectionMade(): void {
    this.idle.setTimeout(30);
    void this.heartbeat.start(10, false);
  }

  override dataReceived(data: Uint8Array): void {
    this.idle.resetTimeout();
    this.onEvent(`received "${new TextDecoder().decode(data)}"`);
  }

  timeoutConnection(): void {
    this.transport.loseConnection();
    this.stop();
    this.onEvent('idle for 30 s, connection closed');
  }

  stop(): void {
    this.idle.cancel();
    if (this.heartbeat.running) this.heartbeat.stop();
  }
}

export async function main(out: (line: string) => void = console.log): Promise<void> {
  const marble = '5s a 4999ms h 9999ms i 4999ms b 4999ms j 9999ms k 9999ms l 4999ms (t|)';
  const testScheduler = new TestScheduler((actual, expected) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      throw new Error(`marbles differ:\n${JSON.stringify(actual)}\n${JSON.stringify(expected)}`);
    }
  });
  testScheduler.run(({ cold, expectObservable }) => {
    const time = new SchedulerTime(testScheduler);
    // One connection per subscription; its events are the Observable's values.
    const session = (input: Observable<string>): Observable<string> =>
      new Observable<string>((subscriber) => {
        const protocol = new Session(time);
        protocol.onEvent = (event) => {
          subscriber.next(event);
          if (event.startsWith('idle')) subscriber.complete();
        };
        protocol.makeConnection(new StringTransport());
        const feed: Subscription = input.subscribe((text) => {
          protocol.dataReceived(new TextEncoder().encode(text));
        });
        return () => {
          feed.unsubscribe();
          protocol.stop();
        };
      });
    const input = cold('5s a 19999ms b', { a: 'hello', b: 'still here' });

    session(input).subscribe((event) => {
      out(`${String(testScheduler.now() / 1000)} s: ${event}`);
    });
    expectObservable(session(input)).toBe(marble, {
      a: 'received "hello"',
      b: 'received "still here"',
      h: 'heartbeat 1',
      i: 'heartbeat 2',
      j: 'heartbeat 3',
      k: 'heartbeat 4',
      l: 'heartbeat 5',
      t: 'idle for 30 s, connection closed',
    });
  });
  out(`the marble matched: ${marble}`);
  return Promise.resolve();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
