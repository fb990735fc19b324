// MemoryResolver: the in-memory IHostnameResolver tests install on a reactor.
import { describe, expect, it } from 'vitest';

import { DNSLookupError, IPv4Address, IPv6Address } from '../../src/core/index.js';
import {
  assertNoResult,
  failureResultOf,
  MemoryReactorClock,
  MemoryResolver,
  successResultOf,
} from '../../src/testing/index.js';

function reactorWith(resolver: MemoryResolver): MemoryReactorClock {
  const reactor = new MemoryReactorClock();
  reactor.installNameResolver(resolver);
  return reactor;
}

describe('MemoryResolver', () => {
  it('answers names from its table in order, without regard to case, and literals as themselves', () => {
    const reactor = reactorWith(new MemoryResolver({ 'Example.TEST': ['10.0.0.1', '::1'] }));
    expect(successResultOf(reactor.resolve('example.test', { port: 5 }))).toEqual([
      new IPv4Address('TCP', '10.0.0.1', 5),
      new IPv6Address('TCP', '::1', 5),
    ]);
    expect(successResultOf(reactor.resolve('10.9.9.9'))).toEqual([
      new IPv4Address('TCP', '10.9.9.9', 0),
    ]);
  });

  it('fails unknown names with ENOTFOUND, and failed names with their code', () => {
    const resolver = new MemoryResolver();
    resolver.fail('flaky.test', 'EAI_AGAIN');
    const reactor = reactorWith(resolver);
    expect(failureResultOf(reactor.resolve('nowhere.test'), DNSLookupError).value).toMatchObject({
      code: 'ENOTFOUND',
    });
    expect(failureResultOf(reactor.resolve('flaky.test'), DNSLookupError).value).toMatchObject({
      code: 'EAI_AGAIN',
    });
  });

  it('records every request, and holds names until the test answers', () => {
    const resolver = new MemoryResolver();
    resolver.hold('slow.test');
    const reactor = reactorWith(resolver);
    const a = reactor.resolve('slow.test', { port: 80, addressTypes: [IPv6Address] });
    const b = reactor.resolve('slow.test');
    assertNoResult(a);
    expect(resolver.requests).toEqual([
      { name: 'slow.test', port: 80, addressTypes: [IPv6Address], transportSemantics: 'TCP' },
      { name: 'slow.test', port: 0, addressTypes: null, transportSemantics: 'TCP' },
    ]);
    resolver.pending[0]?.resolve(['10.0.0.1', '::2']);
    expect(successResultOf(a)).toEqual([new IPv6Address('TCP', '::2', 80)]);
    resolver.pending[1]?.fail('EAI_FAIL');
    expect(failureResultOf(b).value).toMatchObject({ code: 'EAI_FAIL' });
    expect(resolver.pending.map((p) => [p.done, p.cancelled])).toEqual([
      [true, false],
      [true, false],
    ]);
  });

  it('refuses table entries and answers that are not IP literals', () => {
    expect(() => new MemoryResolver({ a: ['not-an-ip'] })).toThrow(RangeError);
    const resolver = new MemoryResolver();
    resolver.hold('h');
    void reactorWith(resolver).resolve('h');
    expect(() => resolver.pending[0]?.resolve(['nope'])).toThrow(RangeError);
  });
});
