// Helpers for the hosted-server tests: an HTTP client over any createConnection, and a driver
// that pumps an in-memory IOPump pair while Node's own stream machinery runs.
import type { ClientRequest, IncomingHttpHeaders, RequestOptions } from 'node:http';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';

import type { IOPump } from '../../../src/testing/iosim.js';

/** What {@link get} resolves to. */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTP request (GET unless `options.method`), resolving with the whole response. */
export function get(
  options: RequestOptions,
  body?: string,
  onRequest?: (req: ClientRequest) => void,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    onRequest?.(req);
    req.end(body);
  });
}

/** `createConnection` returning `socket` (typed as http.request wants it). */
export function using(socket: Duplex): RequestOptions['createConnection'] {
  return () => socket;
}

/**
 * Flushes `pump` on every turn of the event loop until the returned function is called, or
 * for at most `limitMs` milliseconds of real time, so a forgotten driver cannot spin for ever.
 * The bound is in time, not turns: an idle loop turns ~500 000 times a second here, so a turn
 * bound would stop the pump in the middle of tests that wait on Node's own real-time checks.
 */
export function drive(pump: IOPump, limitMs = 10_000): () => void {
  let on = true;
  const deadline = performance.now() + limitMs;
  const tick = (): void => {
    if (!on || performance.now() > deadline) return;
    pump.flush();
    setImmediate(tick);
  };
  setImmediate(tick);
  return () => {
    on = false;
  };
}

/**
 * Resolves once `condition()` holds, checked once per event-loop turn; rejects after `limitMs`
 * milliseconds of real time (a time bound, as {@link drive}'s, since idle turns are very fast).
 */
export function until(condition: () => boolean, limitMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = performance.now() + limitMs;
    const check = (): void => {
      if (condition()) resolve();
      else if (performance.now() > deadline) reject(new Error('condition never held'));
      else setImmediate(check);
    };
    check();
  });
}
