// Helpers for the hosted-server tests: an HTTP client over any createConnection, and a driver
// that pumps an in-memory IOPump pair while Node's own stream machinery runs.
import type { ClientRequest, IncomingHttpHeaders, RequestOptions } from 'node:http';
import { request } from 'node:http';
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
 * Flushes `pump` on every turn of the event loop until the returned function is called
 * (bounded by `limit` turns, so a forgotten driver cannot spin for ever).
 */
export function drive(pump: IOPump, limit = 200_000): () => void {
  let on = true;
  let turns = 0;
  const tick = (): void => {
    if (!on || turns++ > limit) return;
    pump.flush();
    setImmediate(tick);
  };
  setImmediate(tick);
  return () => {
    on = false;
  };
}

/** Resolves once `condition()` holds, checked once per event-loop turn (at most 10 000 turns). */
export function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let turns = 0;
    const check = (): void => {
      if (condition()) resolve();
      else if (turns++ > 10_000) reject(new Error('condition never held'));
      else setImmediate(check);
    };
    check();
  });
}
