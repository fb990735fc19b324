// Platform-free name resolution: IP-literal checks, the literal-only resolver a reactor starts
// with, HostResolution's delivery rules, and resolveToDeferred / reactor.resolve under a Clock.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  CancelledError,
  DNSLookupError,
  DNSLookupTimeoutError,
  HostResolution,
  IPLiteralResolver,
  IPv4Address,
  IPv6Address,
  isIPv4Literal,
  isIPv6Literal,
  literalAddress,
  resolveToDeferred,
  TimeoutError,
} from '../../src/core/index.js';
import type { IHostResolution, IResolutionReceiver } from '../../src/core/index.js';
import {
  assertNoResult,
  Clock,
  failureResultOf,
  MemoryReactorClock,
  MemoryResolver,
  successResultOf,
} from '../../src/testing/index.js';

/** A receiver recording every call. */
function recorder(): IResolutionReceiver & { calls: string[]; resolution: IHostResolution | null } {
  const out = {
    calls: [] as string[],
    resolution: null as IHostResolution | null,
    resolutionBegan(r: IHostResolution): void {
      out.resolution = r;
      out.calls.push(`began:${r.name}`);
    },
    addressResolved(a: IPv4Address | IPv6Address): void {
      out.calls.push(String(a));
    },
    resolutionFailed(e: DNSLookupError): void {
      out.calls.push(`failed:${String(e.code)}`);
    },
    resolutionComplete(): void {
      out.calls.push('complete');
    },
  };
  return out;
}

describe('isIPv4Literal / isIPv6Literal', () => {
  it('accepts dotted quads and IPv6 forms, and refuses names and near misses', () => {
    for (const v4 of ['0.0.0.0', '127.0.0.1', '255.255.255.255'])
      expect(isIPv4Literal(v4)).toBe(true);
    for (const bad of ['256.0.0.1', '1.2.3', '01.2.3.4', 'localhost', '1.2.3.4 ', '']) {
      expect(isIPv4Literal(bad), bad).toBe(false);
    }
    for (const v6 of [
      '::',
      '::1',
      '2001:db8::1',
      'fe80::1%eth0',
      '::ffff:1.2.3.4',
      '1:2:3:4:5:6:7:8',
    ]) {
      expect(isIPv6Literal(v6), v6).toBe(true);
    }
    for (const bad of [
      ':::',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      'g::1',
      'fe80::1%',
      'example.com',
      '1.2.3.4',
      '1.2.3.4::',
    ]) {
      expect(isIPv6Literal(bad), bad).toBe(false);
    }
  });

  it('agrees with the textual forms of random addresses (1,000 runs)', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.ipV6(), (v4, v6) => {
        expect(isIPv4Literal(v4)).toBe(true);
        expect(isIPv6Literal(v6)).toBe(true);
        expect(isIPv6Literal(v4)).toBe(false);
        expect(isIPv4Literal(v6)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('literalAddress makes the address class of the literal, or null', () => {
    expect(literalAddress('::1', 80)).toEqual(new IPv6Address('TCP', '::1', 80));
    expect(literalAddress('10.0.0.1', 53, 'UDP')).toEqual(new IPv4Address('UDP', '10.0.0.1', 53));
    expect(literalAddress('example.com', 80)).toBeNull();
  });
});

describe('HostResolution', () => {
  it('tells the receiver it began, then delivers addresses and completion once', () => {
    const r = recorder();
    const resolution = new HostResolution('h', r);
    resolution.complete([new IPv4Address('TCP', '10.0.0.1', 1)]);
    resolution.complete([]);
    resolution.fail(new DNSLookupError('x', { code: 'ENOTFOUND' }));
    expect(r.calls).toEqual(['began:h', "IPv4Address(TCP, '10.0.0.1', 1)", 'complete']);
  });

  it('delivers nothing after cancel, and runs onCancel once', () => {
    const r = recorder();
    let cancels = 0;
    const resolution = new HostResolution('h', r, () => (cancels += 1));
    resolution.cancel();
    resolution.cancel();
    resolution.fail(new DNSLookupError('x'));
    expect(r.calls).toEqual(['began:h']);
    expect(cancels).toBe(1);
    expect(resolution.done).toBe(true);
  });
});

describe('IPLiteralResolver', () => {
  it('resolves a literal to itself before returning, filtered by family', () => {
    const r = recorder();
    expect(new IPLiteralResolver().resolveHostName(r, '::1', 80)).toBe(r);
    expect(r.calls).toEqual(['began:::1', "IPv6Address(TCP, '::1', 80)", 'complete']);
    const only4 = recorder();
    new IPLiteralResolver().resolveHostName(only4, '::1', 80, [IPv4Address]);
    expect(only4.calls).toEqual(['began:::1', 'complete']);
  });

  it('fails a name with ENOTFOUND: it knows no names', () => {
    const r = recorder();
    new IPLiteralResolver().resolveHostName(r, 'example.com');
    expect(r.calls).toEqual(['began:example.com', 'failed:ENOTFOUND', 'complete']);
  });
});

describe('resolveToDeferred / ReactorBase.resolve', () => {
  it('fires with every address, in the resolver’s order, with the port asked for', () => {
    const reactor = new MemoryReactorClock();
    reactor.installNameResolver(new MemoryResolver({ 'h.test': ['10.0.0.1', '::1'] }));
    expect(successResultOf(reactor.resolve('h.test', { port: 80 }))).toEqual([
      new IPv4Address('TCP', '10.0.0.1', 80),
      new IPv6Address('TCP', '::1', 80),
    ]);
    expect(successResultOf(reactor.resolve('h.test', { addressTypes: [IPv6Address] }))).toEqual([
      new IPv6Address('TCP', '::1', 0),
    ]);
  });

  it('starts with the literal-only resolver, and installNameResolver returns the previous one', () => {
    const reactor = new MemoryReactorClock();
    const first = reactor.nameResolver;
    expect(first).toBeInstanceOf(IPLiteralResolver);
    successResultOf(reactor.resolve('127.0.0.1'));
    const mine = new MemoryResolver();
    expect(reactor.installNameResolver(mine)).toBe(first);
    expect(reactor.nameResolver).toBe(mine);
  });

  it('fails with the lookup’s DNSLookupError, or ENOTFOUND when nothing was found', () => {
    const reactor = new MemoryReactorClock();
    const resolver = new MemoryResolver({ 'v4.test': ['10.0.0.1'] });
    resolver.fail('flaky.test', 'EAI_AGAIN');
    reactor.installNameResolver(resolver);
    expect(failureResultOf(reactor.resolve('flaky.test'), DNSLookupError).value).toMatchObject({
      code: 'EAI_AGAIN',
    });
    const none = failureResultOf(reactor.resolve('v4.test', { addressTypes: [IPv6Address] }));
    expect(none.value).toMatchObject({
      code: 'ENOTFOUND',
      message: 'DNS lookup failed: v4.test: no addresses',
    });
  });

  it('fails with DNSLookupTimeoutError exactly at the timeout, abandoning the lookup', () => {
    const clock = new Clock();
    const resolver = new MemoryResolver();
    resolver.hold('never.test');
    const d = resolveToDeferred(resolver, clock, 'never.test', { timeout: 5 });
    clock.advance(4.999);
    assertNoResult(d);
    clock.advance(0.001);
    const err = failureResultOf(d, DNSLookupTimeoutError).value as DNSLookupTimeoutError;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toBeInstanceOf(DNSLookupError);
    expect(err.code).toBe('ETIMEOUT');
    expect(err.timeout).toBe(5);
    expect(resolver.pending[0]?.cancelled).toBe(true);
  });

  it('cancels its timer when the answer comes first', () => {
    const clock = new Clock();
    const resolver = new MemoryResolver();
    resolver.hold('slow.test');
    const d = resolveToDeferred(resolver, clock, 'slow.test', { timeout: 5 });
    resolver.pending[0]?.resolve(['10.0.0.1']);
    successResultOf(d);
    expect(clock.getDelayedCalls()).toEqual([]);
  });

  it('cancelling the Deferred cancels the resolution and its timer', () => {
    const clock = new Clock();
    const resolver = new MemoryResolver();
    resolver.hold('slow.test');
    const d = resolveToDeferred(resolver, clock, 'slow.test', { timeout: 5 });
    d.cancel();
    failureResultOf(d, CancelledError);
    expect(resolver.pending[0]?.cancelled).toBe(true);
    expect(clock.getDelayedCalls()).toEqual([]);
  });
});
