// NodeResolver: dns.lookup({ all: true }) behind IHostnameResolver. Literals need no lookup; real
// lookups of localhost and of a `.invalid` name (which fails locally, RFC 6761); timeouts and
// failures through a fake lookup function on a Clock.
import { promises as dns } from 'node:dns';
import type { LookupAddress } from 'node:dns';

import { describe, expect, it } from 'vitest';

import {
  DNSLookupError,
  DNSLookupTimeoutError,
  IPv4Address,
  IPv6Address,
} from '../../src/core/index.js';
import type { IResolutionReceiver } from '../../src/core/index.js';
import { NodeResolver, reactor } from '../../src/node/index.js';
import type { LookupFunction } from '../../src/node/index.js';
import {
  assertNoResult,
  Clock,
  failureResultOf,
  successResultOf,
} from '../../src/testing/index.js';
import { freshReactor } from './socket-helpers.js';

/** A lookup function that records its calls and answers only when told. */
function fakeLookup(): {
  lookup: LookupFunction;
  calls: { name: string; family: unknown }[];
  answer(err: NodeJS.ErrnoException | null, addresses?: LookupAddress[]): void;
} {
  const calls: { name: string; family: unknown }[] = [];
  let pending: ((err: NodeJS.ErrnoException | null, a: LookupAddress[]) => void) | null = null;
  return {
    calls,
    lookup(name, options, callback) {
      calls.push({ name, family: options.family });
      pending = callback;
    },
    answer(err, addresses = []) {
      pending?.(err, addresses);
    },
  };
}

function collect(): IResolutionReceiver & { out: string[] } {
  const out: string[] = [];
  return {
    out,
    resolutionBegan() {
      out.push('began');
    },
    addressResolved(a) {
      out.push(a.host);
    },
    resolutionFailed(e) {
      out.push(`failed:${e.name}:${String(e.code)}`);
    },
    resolutionComplete() {
      out.push('complete');
    },
  };
}

describe('NodeResolver', () => {
  it('is the Node reactor’s resolver, on its clock', () => {
    expect(reactor.nameResolver).toBeInstanceOf(NodeResolver);
    expect(reactor.nameResolver).toHaveProperty('timeout', 30);
  });

  it('resolves IP literals at once, without a lookup', () => {
    const fake = fakeLookup();
    const resolver = new NodeResolver(new Clock(), { lookup: fake.lookup });
    const r = collect();
    resolver.resolveHostName(r, '::1', 80);
    resolver.resolveHostName(r, '127.0.0.1', 80, [IPv6Address]);
    expect(r.out).toEqual(['began', '::1', 'complete', 'began', 'complete']);
    expect(fake.calls).toEqual([]);
  });

  it('asks dns.lookup for the family wanted and keeps the order it answers in', () => {
    const fake = fakeLookup();
    const resolver = new NodeResolver(new Clock(), { lookup: fake.lookup });
    const r = collect();
    resolver.resolveHostName(r, 'h.test', 80);
    fake.answer(null, [
      { address: '::2', family: 6 },
      { address: '10.0.0.2', family: 4 },
    ]);
    resolver.resolveHostName(collect(), 'h.test', 80, [IPv4Address]);
    resolver.resolveHostName(collect(), 'h.test', 80, [IPv6Address]);
    resolver.resolveHostName(collect(), 'h.test', 80, [IPv4Address, IPv6Address]);
    expect(r.out).toEqual(['began', '::2', '10.0.0.2', 'complete']);
    expect(fake.calls.map((c) => c.family)).toEqual([0, 4, 6, 0]);
  });

  it('reports a failed lookup as DNSLookupError with the platform code', () => {
    const fake = fakeLookup();
    const resolver = new NodeResolver(new Clock(), { lookup: fake.lookup });
    const r = collect();
    resolver.resolveHostName(r, 'h.test');
    fake.answer(Object.assign(new Error('getaddrinfo EAI_AGAIN h.test'), { code: 'EAI_AGAIN' }));
    expect(r.out).toEqual(['began', 'failed:DNSLookupError:EAI_AGAIN', 'complete']);
  });

  it('times out after 30 s on its clock with DNSLookupTimeoutError, dropping a late answer', () => {
    const clock = new Clock();
    const fake = fakeLookup();
    const resolver = new NodeResolver(clock, { lookup: fake.lookup });
    const r = collect();
    resolver.resolveHostName(r, 'never.test');
    clock.advance(29.999);
    expect(r.out).toEqual(['began']);
    clock.advance(0.001);
    expect(r.out).toEqual(['began', 'failed:DNSLookupTimeoutError:ETIMEOUT', 'complete']);
    fake.answer(null, [{ address: '10.0.0.1', family: 4 }]);
    expect(r.out).toHaveLength(3);
  });

  it('takes another timeout, or none, and refuses a negative one', () => {
    const clock = new Clock();
    const fake = fakeLookup();
    const short = new NodeResolver(clock, { lookup: fake.lookup, timeout: 2 });
    const never = new NodeResolver(clock, { lookup: fake.lookup, timeout: Infinity });
    const a = collect();
    const b = collect();
    short.resolveHostName(a, 'x.test');
    never.resolveHostName(b, 'y.test');
    expect(clock.getDelayedCalls()).toHaveLength(1);
    clock.advance(2);
    expect(a.out).toContain('failed:DNSLookupTimeoutError:ETIMEOUT');
    expect(b.out).toEqual(['began']);
    expect(() => new NodeResolver(clock, { timeout: -1 })).toThrow(RangeError);
  });

  it('cancelling drops the answer and stops the timer; cancelling from resolutionBegan never looks up', () => {
    const clock = new Clock();
    const fake = fakeLookup();
    const resolver = new NodeResolver(clock, { lookup: fake.lookup });
    const r = collect();
    let handle: { cancel(): void } | null = null;
    resolver.resolveHostName({ ...r, resolutionBegan: (h) => (handle = h) }, 'h.test');
    (handle as { cancel(): void } | null)?.cancel();
    fake.answer(null, [{ address: '10.0.0.1', family: 4 }]);
    expect(r.out).toEqual([]);
    expect(clock.getDelayedCalls()).toEqual([]);
    const early = collect();
    resolver.resolveHostName(
      {
        ...early,
        resolutionBegan: (h) => {
          h.cancel();
        },
      },
      'other.test',
    );
    expect(fake.calls.map((c) => c.name)).toEqual(['h.test']);
    expect(clock.getDelayedCalls()).toEqual([]);
  });

  it('through reactor.resolve, turns a synchronous throw from lookup into DNSLookupError', () => {
    const clock = new Clock();
    const resolver = new NodeResolver(clock, {
      lookup() {
        throw Object.assign(new TypeError('bad'), { code: 'ERR_INVALID_ARG_VALUE' });
      },
    });
    const r = collect();
    resolver.resolveHostName(r, 'h.test');
    expect(r.out).toEqual(['began', 'failed:DNSLookupError:ERR_INVALID_ARG_VALUE', 'complete']);
  });

  it('resolves localhost to the same addresses, in both families if it has them, as the system', async () => {
    const reactor = freshReactor();
    const expected = (await dns.lookup('localhost', { all: true })).map((a) => a.address);
    const found = await reactor.resolve('localhost', { port: 8080 }).asPromise();
    expect(found.map((a) => a.host)).toEqual(expected);
    for (const a of found) {
      expect(a).toBeInstanceOf(a.host.includes(':') ? IPv6Address : IPv4Address);
      expect(a.port).toBe(8080);
    }
  });

  it('fails a real lookup of a .invalid name with DNSLookupError ENOTFOUND (or EAI_AGAIN offline)', async () => {
    const reactor = freshReactor();
    const d = reactor.resolve('weft-test.invalid', { timeout: 10 });
    assertNoResult(d);
    const err = await d.asPromise().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DNSLookupError);
    expect(err).not.toBeInstanceOf(DNSLookupTimeoutError);
    expect(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME']).toContain((err as DNSLookupError).code);
    expect((err as DNSLookupError).cause).toBeInstanceOf(Error);
  });

  it('resolves a literal through the reactor at once', () => {
    successResultOf(freshReactor().resolve('::1'));
    failureResultOf(freshReactor().resolve('::1', { addressTypes: [IPv4Address] }), DNSLookupError);
  });
});
