/**
 * Connected pairs for the transport contract (`transport-contract.ts`), and
 * how tests drive them: {@link pumpedPair} over an in-memory `IOPump`,
 * {@link eventDrivenPair} over real sockets. Both give the same
 * `settle()`/`until()` surface, so one test body runs deterministically on
 * either.
 */
import { performance } from 'node:perf_hooks';

import type { IOPump } from '../../src/testing/iosim.js';
import type { Peer } from './transport-peers.js';
import { onPoke, pokeCount } from './transport-peers.js';

/** A connected server/client pair of protocols, and how to drive it. */
export interface TransportPair<S extends Peer, C extends Peer> {
  /** The accepting end's protocol. */
  readonly server: S;
  /** The connecting end's protocol. */
  readonly client: C;
  /**
   * Drives the pair until nothing more happens: `IOPump.flush()` in memory;
   * on sockets, until a run of event-loop turns passes with no callback of
   * the suite. Fails if it never gets quiet within the pair's bound.
   */
  settle(): Promise<void>;
  /**
   * Drives the pair until `condition()` holds. Fails, naming `what` and the
   * state of both ends, if the pair goes quiet first (in memory) or the
   * pair's bound passes (on sockets).
   */
  until(condition: () => boolean, what: string): Promise<void>;
  /** Aborts whatever is still open, waits until both ends have had `connectionLost`, and frees the pair. */
  close(): Promise<void>;
}

/** Makes a connected pair: a server protocol of class `server`, a client of class `client`, both made. */
export type MakePair = <S extends Peer, C extends Peer>(
  server: new () => S,
  client: new () => C,
) => Promise<TransportPair<S, C>>;

function pairState(server: Peer, client: Peer): string {
  return `server: ${server.summary()}; client: ${client.summary()}`;
}

/** How many rounds an in-memory `until` pumps before giving up. */
const MAX_PUMP_ROUNDS = 100_000;

/**
 * A pair over an {@link IOPump}: `settle` flushes, `until` pumps round by
 * round and fails as soon as a round does nothing while the condition is
 * still false.
 */
export function pumpedPair<S extends Peer, C extends Peer>(
  server: S,
  client: C,
  pump: IOPump,
): TransportPair<S, C> {
  return {
    server,
    client,
    settle(): Promise<void> {
      pump.flush();
      return Promise.resolve();
    },
    until(condition, what): Promise<void> {
      for (let round = 0; !condition(); round++) {
        if (round === MAX_PUMP_ROUNDS) {
          return Promise.reject(
            new Error(
              `still pumping after ${String(MAX_PUMP_ROUNDS)} rounds, waiting until ${what} ` +
                `(${pairState(server, client)})`,
            ),
          );
        }
        if (!pump.pump() && !condition()) {
          return Promise.reject(
            new Error(`the pair went quiet before ${what} (${pairState(server, client)})`),
          );
        }
      }
      return Promise.resolve();
    },
    close(): Promise<void> {
      for (const p of [server, client]) if (!p.isLost) p.transport.abortConnection();
      pump.flush();
      return Promise.resolve();
    },
  };
}

/** Options of {@link eventDrivenPair}. */
export interface EventDrivenPairOptions {
  /** How long one `until`, `settle` or `close` may take, in milliseconds. Default 10 000. */
  readonly limitMs?: number;
  /** Event-loop turns without a callback that count as quiet. Default 20. */
  readonly quietTurns?: number;
  /**
   * Milliseconds without a callback that must also pass before `settle` counts the pair as quiet.
   * Default 0. For pairs whose bytes pass through other processes (which a loaded machine may not
   * run for many of this process's turns), so that quiet means the relays are done too.
   */
  readonly quietMs?: number;
  /** Frees what the pair holds (listening port, reactor, files) once both ends are lost. */
  readonly release: () => Promise<void>;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}

/** Resolves once `condition()` holds, re-checked at each {@link poke}; rejects after `limitMs`. */
function whenPoked(condition: () => boolean, limitMs: number, failure: () => Error): Promise<void> {
  if (condition()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      let done: boolean;
      try {
        done = condition();
      } catch (e) {
        stop();
        reject(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      if (done) {
        stop();
        resolve();
      }
    };
    // The bound, not a sleep: it only ever fails the wait.
    const timer = setTimeout(() => {
      stop();
      reject(failure());
    }, limitMs);
    const unsubscribe = onPoke(check);
    function stop(): void {
      clearTimeout(timer);
      unsubscribe();
    }
  });
}

/**
 * Resolves once `condition()` holds, re-checked each time a callback of the
 * suite runs; rejects naming `what` after `limitMs`, or with what
 * `condition` throws. For setting up event-driven pairs.
 */
export function waitForPoke(
  condition: () => boolean,
  what: string,
  limitMs = 10_000,
): Promise<void> {
  return whenPoked(
    condition,
    limitMs,
    () => new Error(`gave up after ${String(limitMs)} ms waiting until ${what}`),
  );
}

/**
 * A pair over real sockets: `until` re-checks its condition at each
 * callback of the suite's protocols and producers, within `limitMs`.
 */
export function eventDrivenPair<S extends Peer, C extends Peer>(
  server: S,
  client: C,
  options: EventDrivenPairOptions,
): TransportPair<S, C> {
  const limitMs = options.limitMs ?? 10_000;
  const quietTurns = options.quietTurns ?? 20;
  const quietMs = options.quietMs ?? 0;
  const until = (condition: () => boolean, what: string): Promise<void> =>
    whenPoked(
      condition,
      limitMs,
      () =>
        new Error(
          `gave up after ${String(limitMs)} ms waiting until ${what} (${pairState(server, client)})`,
        ),
    );
  return {
    server,
    client,
    until,
    async settle(): Promise<void> {
      const deadline = performance.now() + limitMs;
      let quiet = 0;
      let quietSince = performance.now();
      while (quiet < quietTurns || performance.now() - quietSince < quietMs) {
        const before = pokeCount();
        await nextTurn();
        if (pokeCount() === before) {
          quiet += 1;
        } else {
          quiet = 0;
          quietSince = performance.now();
        }
        if (performance.now() > deadline) {
          throw new Error(
            `never went quiet within ${String(limitMs)} ms (${pairState(server, client)})`,
          );
        }
      }
    },
    async close(): Promise<void> {
      for (const p of [server, client]) if (!p.isLost) p.transport.abortConnection();
      await until(() => server.isLost && client.isLost, 'both ends are lost after closing');
      await options.release();
    },
  };
}
