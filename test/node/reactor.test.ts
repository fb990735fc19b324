// NodeReactor on Node's real loop. Time here is real, so delays are a few milliseconds and the
// only timing assertion is "not before it was due". Whole-process behaviour (react's exit status,
// signals, nothing keeping the process alive after shutdown) is tested in child processes running
// the fixtures in ./fixtures, compiled once by tsconfig.fixtures.json.
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

import { describe, expect, it, onTestFinished } from 'vitest';

import { Deferred } from '../../src/core/defer.js';
import { globalLogPublisher, type LogEvent } from '../../src/core/index.js';
import { NodeReactor, reactor as defaultReactor } from '../../src/node/reactor.js';
import { describeIReactorTime } from '../support/reactor-time-contract.js';
import { runNode } from '../support/child-process.js';
import { compiledFixtures, fixturesOutput } from '../support/compiled-fixtures.js';

/** A promise resolved by a call the reactor itself runs `seconds` from now. */
function reactorSleep(reactor: NodeReactor, seconds: number): Promise<void> {
  return new Promise((resolve) => {
    reactor.callLater(seconds, () => {
      resolve();
    });
  });
}

/** How many host resources of `type` ('Timeout', 'Immediate', ...) the process holds now. */
function activeResources(type: string): number {
  return process.getActiveResourcesInfo().filter((r) => r === type).length;
}

/** A fresh reactor that is cancelled clean at the end of the test. */
function freshReactor(): NodeReactor {
  const reactor = new NodeReactor();
  onTestFinished(() => {
    for (const call of reactor.getDelayedCalls()) call.cancel();
  });
  return reactor;
}

describeIReactorTime(
  'NodeReactor',
  () => {
    const reactor = new NodeReactor();
    return {
      time: reactor,
      // Waits on a call of the reactor's own, then lets every call due by the target run, as
      // Clock.advance does (a call scheduled meanwhile with delay 0 waits for the next iteration).
      async advance(seconds) {
        const target = reactor.seconds() + seconds;
        await reactorSleep(reactor, seconds);
        while (reactor.getDelayedCalls().some((c) => c.getTime() <= target)) {
          await reactorSleep(reactor, 0);
        }
      },
    };
  },
  { unit: 0.002 },
);

describe('NodeReactor', () => {
  describe('seconds', () => {
    it('is monotonic and follows performance.now()', async () => {
      const reactor = new NodeReactor();
      const readings: number[] = [];
      for (let i = 0; i < 1000; i++) readings.push(reactor.seconds());
      expect([...readings].sort((a, b) => a - b)).toEqual(readings);
      const before = performance.now() / 1000;
      const now = reactor.seconds();
      const after = performance.now() / 1000;
      expect(now).toBeGreaterThanOrEqual(before);
      expect(now).toBeLessThanOrEqual(after);
      await reactorSleep(reactor, 0.002);
      expect(reactor.seconds()).toBeGreaterThanOrEqual(now + 0.002);
    });
  });

  describe('callLater', () => {
    it.each([0.001, 0.005, 0.02])(
      'runs a %s s call no earlier than that on the real clock',
      async (delay) => {
        const reactor = freshReactor();
        const start = performance.now() / 1000;
        const ranAt = await new Promise<number>((resolve) => {
          reactor.callLater(delay, () => {
            resolve(performance.now() / 1000);
          });
        });
        expect(ranAt).toBeGreaterThanOrEqual(start + delay);
      },
    );

    it('runs without run(): Node’s loop is the loop', async () => {
      const reactor = freshReactor();
      await reactorSleep(reactor, 0);
      expect(reactor.running).toBe(false);
    });

    it('arms one host timer for ten thousand calls, and runs them first-in first-out', async () => {
      const reactor = freshReactor();
      const ran: number[] = [];
      const timersBefore = activeResources('Timeout');
      for (let i = 0; i < 10_000; i++) {
        reactor.callLater(0.005, () => {
          ran.push(i);
        });
      }
      expect(activeResources('Timeout') - timersBefore).toBe(1);
      await reactorSleep(reactor, 0.005); // due no earlier than the last of them, so runs after it
      expect(ran).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    });

    it('releases the host timer when every pending call is cancelled', () => {
      const reactor = freshReactor();
      const timersBefore = activeResources('Timeout');
      const calls = Array.from({ length: 100 }, (_, i) =>
        reactor.callLater(10 + i, () => undefined),
      );
      expect(activeResources('Timeout')).toBe(timersBefore + 1);
      for (const call of calls) call.cancel();
      expect(activeResources('Timeout')).toBe(timersBefore);
    });

    it('logs an error thrown by a call and runs the calls after it', async () => {
      const reactor = freshReactor();
      const events: LogEvent[] = [];
      const observer = (event: LogEvent): void => {
        events.push(event);
      };
      globalLogPublisher.addObserver(observer);
      onTestFinished(() => {
        globalLogPublisher.removeObserver(observer);
      });
      const boom = new Error('boom');
      reactor.callLater(0, () => {
        throw boom;
      });
      await reactorSleep(reactor, 0);
      expect(events.map((e) => e.log_failure?.value)).toEqual([boom]);
    });
  });

  describe('callLater(0) fairness', () => {
    /**
     * Runs a callLater(0) loop until `done()` or `limit` iterations; resolves with the count.
     * Each iteration schedules the next from inside the reactor.
     */
    function spin(reactor: NodeReactor, limit: number, done: () => boolean): Promise<number> {
      return new Promise((resolve) => {
        let count = 0;
        const step = (): void => {
          count++;
          if (done() || count >= limit) resolve(count);
          else reactor.callLater(0, step);
        };
        reactor.callLater(0, step);
      });
    }

    it('lets a setImmediate queued during the loop run before the next iteration but one', async () => {
      const reactor = freshReactor();
      let queuedAt = -1;
      let ranAt = -1;
      let count = 0;
      const iterations = await spin(reactor, 100, () => {
        count++;
        if (count === 10) {
          queuedAt = count;
          setImmediate(() => {
            ranAt = count;
          });
        }
        return ranAt >= 0;
      });
      expect(iterations).toBeLessThan(100);
      expect(ranAt - queuedAt).toBeGreaterThanOrEqual(0);
      expect(ranAt - queuedAt).toBeLessThanOrEqual(1);
    });

    it('lets a host timer fire while the loop runs', async () => {
      const reactor = freshReactor();
      let fired = false;
      setTimeout(() => {
        fired = true;
      }, 1);
      const iterations = await spin(reactor, 1_000_000, () => fired);
      expect(fired).toBe(true);
      expect(iterations).toBeLessThan(1_000_000);
    });

    it('lets loopback TCP I/O through while the loop runs', async () => {
      const reactor = freshReactor();
      const server: Server = createServer((socket) => {
        socket.on('data', (data) => {
          socket.end(data);
        });
      });
      onTestFinished(() => {
        server.close();
      });
      await new Promise<void>((resolve) => {
        server.listen(0, '127.0.0.1', resolve);
      });
      const { port } = server.address() as AddressInfo;
      let echoed = '';
      const client: Socket = connect(port, '127.0.0.1', () => {
        client.write('ping');
      });
      client.setEncoding('utf8');
      client.on('data', (data: string) => {
        echoed += data;
      });
      onTestFinished(() => {
        client.destroy();
      });
      const iterations = await spin(reactor, 1_000_000, () => echoed === 'ping');
      expect(echoed).toBe('ping');
      expect(iterations).toBeLessThan(1_000_000);
    });
  });

  describe('run and stop', () => {
    it('goes through startup and shutdown, installing SIGINT/SIGTERM handlers only while running', async () => {
      const reactor = freshReactor();
      const events: string[] = [];
      const note = (label: string) => (): void => {
        events.push(`${label} running=${String(reactor.running)}`);
      };
      const sigint = process.listenerCount('SIGINT');
      const sigterm = process.listenerCount('SIGTERM');
      reactor.addSystemEventTrigger('before', 'startup', note('startup before'));
      reactor.addSystemEventTrigger('before', 'shutdown', () => {
        note('shutdown before')();
        const flushed = new Deferred<void>();
        reactor.callLater(0.002, () => {
          flushed.callback(undefined);
        });
        return flushed;
      });
      reactor.addSystemEventTrigger('during', 'shutdown', note('shutdown during'));
      reactor.addSystemEventTrigger('after', 'shutdown', note('shutdown after'));
      reactor.callWhenRunning(note('running'));
      reactor.callLater(0.002, () => {
        reactor.stop();
        events.push('stop returned');
      });
      const done = reactor.run();
      expect(process.listenerCount('SIGINT')).toBe(sigint + 1);
      expect(process.listenerCount('SIGTERM')).toBe(sigterm + 1);
      await done;
      expect(events).toEqual([
        'startup before running=false',
        'running running=true',
        'stop returned',
        'shutdown before running=true',
        'shutdown during running=false',
        'shutdown after running=false',
      ]);
      expect(process.listenerCount('SIGINT')).toBe(sigint);
      expect(process.listenerCount('SIGTERM')).toBe(sigterm);
    });

    it('installs no signal handlers with installSignalHandlers: false', async () => {
      const reactor = freshReactor();
      const sigint = process.listenerCount('SIGINT');
      const sigterm = process.listenerCount('SIGTERM');
      const done = reactor.run({ installSignalHandlers: false });
      expect(process.listenerCount('SIGINT')).toBe(sigint);
      expect(process.listenerCount('SIGTERM')).toBe(sigterm);
      reactor.stop();
      await done;
    });

    it('stops on its signal handler, and ignores the signal again while stopping', async () => {
      const reactor = freshReactor();
      const before = new Set(process.listeners('SIGTERM'));
      const done = reactor.run();
      const handler = process.listeners('SIGTERM').find((l) => !before.has(l));
      expect(handler).toBeTypeOf('function');
      (handler as () => void)();
      expect(() => {
        (handler as () => void)();
      }).not.toThrow();
      await done;
      expect(reactor.running).toBe(false);
    });

    it('runs the rest of the iteration before shutdown when stop() is called inside a call', async () => {
      const reactor = freshReactor();
      const events: string[] = [];
      reactor.addSystemEventTrigger('before', 'shutdown', () => {
        events.push('shutdown');
      });
      const done = reactor.run({ installSignalHandlers: false });
      reactor.callLater(0, () => {
        reactor.stop();
        events.push('stopped inside a call');
      });
      reactor.callLater(0, () => {
        events.push('same iteration');
      });
      await done;
      expect(events).toEqual(['stopped inside a call', 'same iteration', 'shutdown']);
    });

    it('after shutdown, holds no host timer and runs no call, pending or new', async () => {
      const reactor = freshReactor();
      const ran: string[] = [];
      reactor.callLater(3600, () => ran.push('pending'));
      const done = reactor.run();
      reactor.stop();
      await done;
      const timers = activeResources('Timeout');
      const immediates = activeResources('Immediate');
      reactor.callLater(0, () => ran.push('new'));
      reactor.callLater(0.001, () => ran.push('new'));
      expect(activeResources('Timeout')).toBe(timers);
      expect(activeResources('Immediate')).toBe(immediates);
      // A short real wait (the reactor's own calls cannot be used: it has shut down).
      await new Promise<void>((resolve) => {
        setTimeout(resolve, 5);
      });
      expect(ran).toEqual([]);
    });
  });

  describe('reactor (the default instance)', () => {
    it('is a NodeReactor that is not running and was not started by importing it', () => {
      expect(defaultReactor).toBeInstanceOf(NodeReactor);
      expect(defaultReactor.running).toBe(false);
    });
  });
});

// ----- whole processes ----------------------------------------------------------------------------

const compiled = fixturesOutput('run');

function fixture(name: string): string {
  return compiled(`test/node/fixtures/${name}.js`);
}

const FIXTURES = ['react-main', 'signal-shutdown', 'stop-with-pending-call'];

describe('NodeReactor in a whole process', () => {
  compiledFixtures(
    'run',
    FIXTURES.map((name) => `test/node/fixtures/${name}.js`),
  );

  describe('react', () => {
    it('exits with status 0 once main succeeds', async () => {
      const status = await runNode(fixture('react-main'), ['resolve']).exited;
      expect(status.stdout).toBe('main resolved\nreact finished with 0\n');
      expect(status.code).toBe(0);
    });

    it('exits with status 1 and prints the traceback on stderr when main fails', async () => {
      const status = await runNode(fixture('react-main'), ['reject']).exited;
      expect(status.code).toBe(1);
      expect(status.stdout).toBe('react finished with 1\n');
      expect(status.stderr).toContain('main function encountered error');
      expect(status.stderr).toContain('Error: main went wrong');
      expect(status.stderr).toMatch(/\n\s+at .*react-main\.js/);
    });

    it("exits with a SystemExit's status, printing nothing on stderr", async () => {
      const status = await runNode(fixture('react-main'), ['system-exit']).exited;
      expect(status.code).toBe(3);
      expect(status.stderr).toBe('');
    });

    it("waits for main's Deferred, shuts down, then exits", async () => {
      const status = await runNode(fixture('react-main'), ['later']).exited;
      expect(status.stdout).toBe('main done\nshut down\nreact finished with 0\n');
      expect(status.code).toBe(0);
    });
  });

  describe.each(['SIGTERM', 'SIGINT'] as const)('on %s', (signal) => {
    it('runs the shutdown triggers, waits for their Deferreds, and exits with status 0', async () => {
      const child = runNode(fixture('signal-shutdown'));
      await child.waitForOutput(/ready\n/);
      child.kill(signal);
      const status = await child.exited;
      expect(status.stdout).toBe('ready\nshutting down\nflushed\nbye\nstopped\n');
      expect(status.code).toBe(0);
      expect(status.signal).toBeNull();
    });
  });

  describe('after shutdown', () => {
    it('lets the process exit at once although a call an hour away is still scheduled', async () => {
      const status = await runNode(fixture('stop-with-pending-call')).exited;
      expect(status.stdout).toBe('stopped\n');
      expect(status.code).toBe(0);
    });
  });
});
