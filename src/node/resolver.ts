/**
 * Host-name resolution for outgoing connections.
 *
 * One function, so that a pluggable resolver can replace it later.
 *
 * @module
 */
import { lookup } from 'node:dns';
import { isIP } from 'node:net';
import { Deferred, succeed } from '../core/defer.js';
import { DNSLookupError } from '../core/errors.js';
import { dnsLookupErrorFrom } from './errors.js';

/** One address a host name resolved to. */
export interface ResolvedAddress {
  /** An IP literal, e.g. `'127.0.0.1'` or `'::1'`. */
  readonly address: string;
  /** 4 or 6. */
  readonly family: 4 | 6;
}

/**
 * The addresses of `host`, in the order the system resolver gives them.
 *
 * An IP literal resolves at once (the Deferred has already fired); a name is
 * looked up with `dns.lookup` (`getaddrinfo` on libuv's thread pool, so the
 * event loop never blocks), and the Deferred fires on a later turn. A failed
 * lookup fails with {@link DNSLookupError} carrying the resolver's code
 * (`'ENOTFOUND'`, `'EAI_AGAIN'`, ...); a lookup that finds nothing fails the
 * same way with code `'ENOTFOUND'`.
 */
export function resolveHost(host: string): Deferred<readonly ResolvedAddress[]> {
  const family = isIP(host);
  if (family !== 0) return succeed([{ address: host, family: family === 6 ? 6 : 4 }]);
  const d = new Deferred<readonly ResolvedAddress[]>();
  lookup(host, { all: true }, (err, addresses) => {
    if (err !== null) {
      d.errback(dnsLookupErrorFrom(host, err));
    } else if (addresses.length === 0) {
      d.errback(
        new DNSLookupError(`DNS lookup failed: ${host}: no addresses`, { code: 'ENOTFOUND' }),
      );
    } else {
      d.callback(addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })));
    }
  });
  return d;
}
