// ClientService: Twisted's ClientServiceTests (twisted/application/test/test_internet.py, 22.4),
// case by case, on a Clock and a fake endpoint whose connection attempts the test settles by hand;
// then weft's additions (prepareConnection failures drop the connection, a loss during
// prepareConnection fails the attempt) and backoffPolicy against Twisted's numbers.
import { afterEach, describe, expect, it } from 'vitest';

import {
  backoffPolicy,
  CancelledError,
  ClientService,
  ConnectionDone,
  ConnectionLost,
  ConnectionRefusedError,
  Deferred,
  Factory,
  Failure,
  fail,
  getGlobalReactor,
  IPv4Address,
  Protocol,
} from '../../src/core/index.js';
import type {
  ClientServiceOptions,
  IAddress,
  IProtocol,
  IStreamClientEndpoint,
  ProtocolFactoryOf,
} from '../../src/core/index.js';
import { ClientMachine } from '../../src/core/client-machine.js';
import { Logger } from '../../src/core/logger.js';
import {
  assertNoResult,
  Clock,
  failureResultOf,
  LogCapture,
  StringTransport,
  successResultOf,
} from '../../src/testing/index.js';

/** Twisted's AT_LEAST_ONE_ATTEMPT: longer than any delay of the default policy's first retries. */
const AT_LEAST_ONE_ATTEMPT = 100.0;

/**
 * Twisted's `endpointForTesting`: each `connect` is queued, and connects (a protocol on a
 * StringTransport) when the test fires its Deferred, or at once with `fireImmediately`.
 */
class TestEndpoint implements IStreamClientEndpoint {
  readonly connectQueue: Deferred<undefined>[] = [];
  /** The reactor-facing protocols (ClientService's proxies), in order. */
  readonly constructedProtocols: IProtocol[] = [];
  /** The factories passed to connect (ClientService's wrappers). */
  readonly passedFactories: ProtocolFactoryOf<IProtocol>[] = [];
  fireImmediately: boolean;

  constructor(fireImmediately: boolean) {
    this.fireImmediately = fireImmediately;
  }

  connect<P extends IProtocol>(factory: ProtocolFactoryOf<P>): Deferred<P> {
    this.passedFactories.push(factory);
    const result = new Deferred<undefined>();
    this.connectQueue.push(result);
    const connected = result.addCallback(() => {
      const protocol = factory.buildProtocol(new IPv4Address('TCP', '10.0.0.1', 1234));
      if (protocol === null) throw new Error('no protocol');
      this.constructedProtocols.push(protocol);
      protocol.makeConnection(new StringTransport());
      return protocol;
    });
    if (this.fireImmediately) result.callback(undefined);
    return connected;
  }
}

/** Twisted's `RememberingFactory`: remembers the application protocols it builds. */
class RememberingFactory<P extends Protocol> extends Factory<P> {
  readonly applicationProtocols: P[] = [];
  override buildProtocol(addr: IAddress): P | null {
    const result = super.buildProtocol(addr);
    if (result !== null) this.applicationProtocols.push(result);
    return result;
  }
}

interface Made<P extends Protocol> {
  readonly endpoint: TestEndpoint;
  readonly factory: RememberingFactory<P>;
  readonly service: ClientService<P>;
  readonly clock: Clock;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Twisted's `makeReconnector`; on cleanup, stops the service and checks no call is left. */
function makeReconnector<P extends Protocol = Protocol>(
  options: {
    fireImmediately?: boolean;
    startService?: boolean;
    protocolType?: new () => P;
  } & ClientServiceOptions<P> = {},
): Made<P> {
  const clock = (options.clock as Clock | undefined) ?? new Clock();
  const endpoint = new TestEndpoint(options.fireImmediately ?? true);
  const factory = new RememberingFactory<P>();
  factory.noisy = false;
  factory.protocol = options.protocolType ?? (Protocol as unknown as new () => P);
  const service = new ClientService<P>(endpoint, factory, { ...options, clock });
  cleanups.push(() => {
    if (service.running) void service.stopService();
    // stopService leaves nothing scheduled.
    expect(clock.getDelayedCalls()).toEqual([]);
  });
  if (options.startService ?? true) service.startService();
  return { endpoint, factory, service, clock };
}

function lose(protocol: IProtocol | undefined, error: Error = new ConnectionLost()): void {
  if (protocol === undefined) throw new Error('no such protocol');
  protocol.connectionLost(new Failure(error));
}

function transportOf(protocol: Protocol | undefined): StringTransport {
  return protocol?.transport as StringTransport;
}

describe('ClientService (Twisted’s ClientServiceTests)', () => {
  it('makes a connection attempt when started', () => {
    const { endpoint } = makeReconnector({ fireImmediately: false });
    expect(endpoint.connectQueue).toHaveLength(1);
  });

  it('passes doStart/doStop on the factory given to the endpoint through to the application’s', () => {
    const { endpoint, factory } = makeReconnector();
    expect(factory.numPorts).toBe(0);
    endpoint.passedFactories[0]?.doStart();
    expect(factory.numPorts).toBe(1);
    endpoint.passedFactories[0]?.doStop();
    expect(factory.numPorts).toBe(0);
  });

  it('stopService while connected disconnects, and its Deferred fires once the connection is lost', () => {
    const { endpoint, factory, service } = makeReconnector();
    const stopped = service.stopService();
    assertNoResult(stopped);
    expect(transportOf(factory.applicationProtocols[0]).disconnecting).toBe(true);
    lose(endpoint.constructedProtocols[0]);
    successResultOf(stopped);
    expect(endpoint.connectQueue).toHaveLength(1);
  });

  it('startService after a stop waits for the old connection to be lost before connecting again', () => {
    const { endpoint, factory, service } = makeReconnector();
    const stopped = service.stopService();
    expect(transportOf(factory.applicationProtocols[0]).disconnecting).toBe(true);
    service.startService();
    assertNoResult(stopped);
    expect(service.state).toBe('restarting');
    expect(endpoint.constructedProtocols).toHaveLength(1);
    lose(endpoint.constructedProtocols[0]);
    expect(endpoint.constructedProtocols).toHaveLength(2);
    expect(service.state).toBe('connected');
  });

  it('startService while stopping connects again, and whenConnected asked meanwhile gets the new connection', () => {
    const { endpoint, factory, service } = makeReconnector({ fireImmediately: false });
    endpoint.connectQueue[0]?.callback(undefined);
    const stopped = service.stopService();
    assertNoResult(stopped);
    const next = service.whenConnected();
    assertNoResult(next);
    service.startService();
    assertNoResult(next);
    assertNoResult(stopped);
    expect(transportOf(factory.applicationProtocols[0]).disconnecting).toBe(true);
    lose(endpoint.constructedProtocols[0]);
    successResultOf(stopped);
    endpoint.connectQueue[1]?.callback(undefined);
    expect(endpoint.constructedProtocols).toHaveLength(2);
    expect(successResultOf(next)).toBe(factory.applicationProtocols[1]);
    assertNoResult(service.stopService());
  });

  it('startService once stopped connects again, and whenConnected succeeds again', () => {
    const { endpoint, factory, service } = makeReconnector({ fireImmediately: false });
    successResultOf(service.stopService());
    failureResultOf(service.whenConnected(), CancelledError);
    service.startService();
    endpoint.connectQueue.at(-1)?.callback(undefined);
    expect(successResultOf(service.whenConnected())).toBe(factory.applicationProtocols.at(-1));
  });

  it('gives the transport a protocol with the half-close and handshake methods the application’s has', () => {
    class FancyProtocol extends Protocol {
      readConnectionLost(): void {
        // half-closeable
      }
      writeConnectionLost(): void {
        // half-closeable
      }
      handshakeCompleted(): void {
        // a TLS handshake listener
      }
    }
    const { endpoint } = makeReconnector({ protocolType: FancyProtocol });
    const reactorFacing = endpoint.constructedProtocols[0] as Partial<FancyProtocol>;
    expect(typeof reactorFacing.readConnectionLost).toBe('function');
    expect(typeof reactorFacing.writeConnectionLost).toBe('function');
    expect(typeof reactorFacing.handshakeCompleted).toBe('function');
    const plain = makeReconnector().endpoint.constructedProtocols[0] as Partial<FancyProtocol>;
    expect(plain.readConnectionLost).toBeUndefined();
    expect(plain.handshakeCompleted).toBeUndefined();
  });

  it('stopService while retrying cancels the attempt in progress', () => {
    const { endpoint, service, clock } = makeReconnector({ fireImmediately: false });
    endpoint.connectQueue[0]?.errback(new Error('refused'));
    clock.advance(AT_LEAST_ONE_ATTEMPT);
    expect(endpoint.connectQueue).toHaveLength(2);
    const stopped = service.stopService();
    endpoint.connectQueue[1]?.errback(new Error('too late')); // swallowed: it was cancelled
    successResultOf(stopped);
  });

  it('stopService while first connecting cancels the attempt and is stopped at once', () => {
    const { endpoint, service } = makeReconnector({ fireImmediately: false });
    expect(endpoint.connectQueue).toHaveLength(1);
    assertNoResult(endpoint.connectQueue[0] as Deferred<undefined>);
    successResultOf(service.stopService());
    expect(service.state).toBe('stopped');
    expect(endpoint.connectQueue[0]?.called).toBe(true); // cancelled
  });

  it('once connected, whenConnected gives the application’s protocol and nothing is scheduled', () => {
    const { factory, service, clock } = makeReconnector();
    const awaiting = service.whenConnected();
    expect(clock.getDelayedCalls()).toEqual([]);
    expect(successResultOf(awaiting)).toBe(factory.applicationProtocols[0]);
  });

  it('after a failed attempt, tries again after a delay', () => {
    const { endpoint, service, clock } = makeReconnector({ fireImmediately: false });
    endpoint.connectQueue[0]?.errback(new Error('refused'));
    const whenConnected = service.whenConnected();
    assertNoResult(whenConnected);
    whenConnected.addErrback((f) => f.trap(CancelledError)); // the cleanup stops the service
    clock.advance(AT_LEAST_ONE_ATTEMPT);
    expect(endpoint.connectQueue).toHaveLength(2);
  });

  it('after the connection is lost, forgets it and connects again after a delay', () => {
    const { endpoint, factory, service, clock } = makeReconnector({ fireImmediately: false });
    endpoint.connectQueue[0]?.callback(undefined);
    expect(endpoint.connectQueue).toHaveLength(1);
    expect(successResultOf(service.whenConnected())).toBe(factory.applicationProtocols[0]);
    lose(endpoint.constructedProtocols[0]);
    expect(service.state).toBe('waiting');
    clock.advance(AT_LEAST_ONE_ATTEMPT);
    expect(endpoint.connectQueue).toHaveLength(2);
    endpoint.connectQueue[1]?.callback(undefined);
    expect(successResultOf(service.whenConnected())).toBe(factory.applicationProtocols[1]);
  });

  it('a connection lost while stopping fires the stop Deferred; whenConnected then fails with CancelledError', () => {
    const { endpoint, service } = makeReconnector();
    const stopped = service.stopService();
    lose(endpoint.constructedProtocols[0], new ConnectionDone());
    failureResultOf(service.whenConnected(), CancelledError);
    expect(stopped.called).toBe(true);
    expect(service.state).toBe('stopped');
  });

  it('startService while running logs a warning and makes no other attempt', () => {
    const { endpoint, service } = makeReconnector({ fireImmediately: false, startService: false });
    expect(endpoint.connectQueue).toHaveLength(0);
    service.startService();
    expect(endpoint.connectQueue).toHaveLength(1);
    const logs = new LogCapture();
    try {
      service.startService();
    } finally {
      logs.stop();
    }
    expect(endpoint.connectQueue).toHaveLength(1);
    expect(logs.messages[0]).toContain('Duplicate ClientService.startService');
  });

  it('whenConnected asked before the connection fires for each caller with the same protocol', () => {
    const { endpoint, factory, service } = makeReconnector({ fireImmediately: false });
    const a = service.whenConnected();
    const b = service.whenConnected();
    const c = service.whenConnected({ failAfterFailures: 1 });
    for (const d of [a, b, c]) assertNoResult(d);
    endpoint.connectQueue[0]?.callback(undefined);
    const resultA = successResultOf(a);
    expect(successResultOf(b)).toBe(resultA);
    expect(successResultOf(c)).toBe(resultA);
    expect(resultA).toBe(factory.applicationProtocols[0]);
  });

  it('whenConnected({ failAfterFailures: n }) fails with the n-th failure in a row', () => {
    const { endpoint, factory, service, clock } = makeReconnector({ fireImmediately: false });
    const a0 = service.whenConnected();
    const a1 = service.whenConnected({ failAfterFailures: 1 });
    const a2 = service.whenConnected({ failAfterFailures: 2 });
    const a3 = service.whenConnected({ failAfterFailures: 3 });
    for (const d of [a0, a1, a2, a3]) assertNoResult(d);

    const f1 = new Failure(new ConnectionRefusedError());
    endpoint.connectQueue[0]?.errback(f1);
    assertNoResult(a0);
    expect(failureResultOf(a1, ConnectionRefusedError)).toBe(f1);
    assertNoResult(a2);
    assertNoResult(a3);

    clock.advance(AT_LEAST_ONE_ATTEMPT);
    expect(endpoint.connectQueue).toHaveLength(2);
    const f2 = new Failure(new ConnectionRefusedError());
    endpoint.connectQueue[1]?.errback(f2);
    assertNoResult(a0);
    expect(failureResultOf(a2, ConnectionRefusedError)).toBe(f2);
    assertNoResult(a3);

    clock.advance(AT_LEAST_ONE_ATTEMPT);
    expect(endpoint.connectQueue).toHaveLength(3);
    endpoint.connectQueue[2]?.callback(undefined);
    const resultA0 = successResultOf(a0);
    expect(successResultOf(a3)).toBe(resultA0);
    expect(resultA0).toBe(factory.applicationProtocols[0]);
    // Asked once connected, it has fired already, whatever failAfterFailures says.
    expect(successResultOf(service.whenConnected({ failAfterFailures: 1 }))).toBe(resultA0);
  });

  it('every pending whenConnected fails with CancelledError when the service stops', () => {
    const { service, clock } = makeReconnector({ fireImmediately: false });
    const a = service.whenConnected();
    const b = service.whenConnected();
    const c = service.whenConnected({ failAfterFailures: 1 });
    void service.stopService();
    clock.advance(AT_LEAST_ONE_ATTEMPT);
    for (const d of [a, b, c]) failureResultOf(d, CancelledError);
  });

  it('stopService while waiting to retry cancels the retry and is stopped at once', () => {
    const { endpoint, service, clock } = makeReconnector({ fireImmediately: false });
    endpoint.connectQueue[0]?.errback(new Error('no connection'));
    expect(clock.getDelayedCalls()).toHaveLength(1);
    const stopped = service.stopService();
    expect(clock.getDelayedCalls()).toEqual([]);
    successResultOf(stopped);
  });

  it('stopService before startService returns a Deferred already fired with undefined', () => {
    const { service } = makeReconnector({ fireImmediately: false, startService: false });
    successResultOf(service.stopService());
  });

  it('whenConnected fails with CancelledError if the service is stopped between attempts, and after', () => {
    const { endpoint, service } = makeReconnector({ fireImmediately: false });
    const before = service.whenConnected();
    endpoint.connectQueue[0]?.errback(new Error('no connection'));
    void service.stopService();
    const after = service.whenConnected();
    failureResultOf(before, CancelledError);
    failureResultOf(after, CancelledError);
  });

  it('stopService twice while disconnecting gives two Deferreds, both fired once disconnected', () => {
    const { endpoint, service } = makeReconnector({ fireImmediately: false });
    endpoint.connectQueue[0]?.callback(undefined);
    const first = service.stopService();
    const second = service.stopService();
    assertNoResult(first);
    assertNoResult(second);
    lose(endpoint.constructedProtocols[0]);
    successResultOf(first);
    successResultOf(second);
  });

  it('stopService after a restart while disconnecting fires once disconnected, without reconnecting', () => {
    const { endpoint, service } = makeReconnector({ fireImmediately: false });
    endpoint.connectQueue[0]?.callback(undefined);
    const first = service.stopService();
    service.startService();
    const second = service.stopService();
    lose(endpoint.constructedProtocols[0]);
    successResultOf(first);
    successResultOf(second);
    expect(endpoint.connectQueue).toHaveLength(1);
  });

  it('stopService on a stopped service returns a Deferred already fired with undefined', () => {
    const { service } = makeReconnector({ fireImmediately: false });
    successResultOf(service.stopService());
    successResultOf(service.stopService());
  });

  describe('prepareConnection', () => {
    it('is called once the service starts and connects, with the application’s protocol', () => {
      const prepared: Protocol[] = [];
      const { factory } = makeReconnector({ prepareConnection: (p) => prepared.push(p) });
      expect(prepared).toEqual([factory.applicationProtocols[0]]);
    });

    it('is called only once a connection is made, not for failed attempts', () => {
      let prepares = 0;
      const { endpoint, clock } = makeReconnector({
        fireImmediately: false,
        prepareConnection: () => (prepares += 1),
      });
      endpoint.connectQueue[0]?.errback(new Error('connection attempt failed'));
      expect(prepares).toBe(0);
      clock.advance(AT_LEAST_ONE_ATTEMPT);
      endpoint.connectQueue[1]?.callback(undefined);
      expect(prepares).toBe(1);
    });

    it('is called again on each reconnection', () => {
      let prepares = 0;
      const { endpoint, clock } = makeReconnector({ prepareConnection: () => (prepares += 1) });
      expect(prepares).toBe(1);
      lose(endpoint.constructedProtocols[0]);
      clock.advance(AT_LEAST_ONE_ATTEMPT);
      expect(prepares).toBe(2);
    });

    it('has its return value ignored: whenConnected gives the protocol', () => {
      const sentinel = { sentinel: true };
      const { factory, service } = makeReconnector({ prepareConnection: () => sentinel });
      expect(successResultOf(service.whenConnected())).toBe(factory.applicationProtocols[0]);
    });

    it('may return a Deferred: whenConnected waits for it', () => {
      const preparing = new Deferred<undefined>();
      const { factory, service } = makeReconnector({ prepareConnection: () => preparing });
      const whenConnected = service.whenConnected();
      assertNoResult(whenConnected);
      expect(service.state).toBe('connecting');
      preparing.callback(undefined);
      expect(successResultOf(whenConnected)).toBe(factory.applicationProtocols[0]);
    });

    it('throwing counts as a failed attempt (and fails whenConnected after failAfterFailures)', () => {
      class PrepareError extends Error {}
      const { service, clock } = makeReconnector({
        prepareConnection: () => {
          throw new PrepareError();
        },
      });
      const whenConnected = service.whenConnected({ failAfterFailures: 2 });
      assertNoResult(whenConnected);
      clock.advance(AT_LEAST_ONE_ATTEMPT);
      assertNoResult(whenConnected);
      clock.advance(AT_LEAST_ONE_ATTEMPT);
      failureResultOf(whenConnected, PrepareError);
    });

    // weft's addition: Twisted 22.4 leaves the rejected connection open, and its later loss then
    // reaches a state machine with no transition for it.
    it('failing drops the connection it rejected; that connection’s loss later changes nothing', () => {
      const { endpoint, factory, service, clock } = makeReconnector({
        prepareConnection: () => fail(new Error('unhealthy')),
      });
      expect(transportOf(factory.applicationProtocols[0]).disconnecting).toBe(true);
      expect(service.state).toBe('waiting');
      lose(endpoint.constructedProtocols[0]);
      expect(service.state).toBe('waiting');
      expect(clock.getDelayedCalls()).toHaveLength(1);
      clock.advance(AT_LEAST_ONE_ATTEMPT);
      expect(endpoint.connectQueue).toHaveLength(2);
    });

    it('a connection lost while it runs fails the attempt with the loss and cancels what it returned', () => {
      let cancelled = 0;
      const preparing = new Deferred<undefined>(() => (cancelled += 1));
      const { endpoint, service } = makeReconnector({ prepareConnection: () => preparing });
      const whenConnected = service.whenConnected({ failAfterFailures: 1 });
      lose(endpoint.constructedProtocols[0], new ConnectionDone());
      failureResultOf(whenConnected, ConnectionDone);
      expect(cancelled).toBe(1);
      expect(service.state).toBe('waiting');
    });

    it('stopService while it runs cancels it, drops the connection, and fires once that is lost', () => {
      let cancelled = 0;
      const preparing = new Deferred<undefined>(() => (cancelled += 1));
      const { endpoint, factory, service } = makeReconnector({
        prepareConnection: () => preparing,
      });
      const whenConnected = service.whenConnected();
      const stopped = service.stopService();
      expect(cancelled).toBe(1);
      expect(service.state).toBe('disconnecting');
      expect(transportOf(factory.applicationProtocols[0]).disconnecting).toBe(true);
      assertNoResult(stopped);
      assertNoResult(whenConnected);
      lose(endpoint.constructedProtocols[0]);
      successResultOf(stopped);
      failureResultOf(whenConnected, CancelledError);
    });
  });

  describe('failed attempts', () => {
    it('are counted for the retry policy, from 1, and reset by a connection', () => {
      const asked: number[] = [];
      const { endpoint, clock } = makeReconnector({
        fireImmediately: false,
        retryPolicy: (n) => {
          asked.push(n);
          return 10;
        },
      });
      endpoint.connectQueue[0]?.errback(new ConnectionRefusedError());
      clock.advance(9.999);
      expect(endpoint.connectQueue).toHaveLength(1);
      clock.advance(0.001);
      endpoint.connectQueue[1]?.errback(new ConnectionRefusedError());
      clock.advance(10);
      endpoint.connectQueue[2]?.callback(undefined);
      lose(endpoint.constructedProtocols[0]);
      expect(asked).toEqual([1, 2, 1]);
    });

    it('include an endpoint whose connect throws', () => {
      const endpoint: IStreamClientEndpoint = {
        connect() {
          throw new ConnectionRefusedError();
        },
      };
      const clock = new Clock();
      const service = new ClientService(endpoint, Factory.forProtocol(Protocol), { clock });
      const whenConnected = service.whenConnected({ failAfterFailures: 1 });
      service.startService();
      failureResultOf(whenConnected, ConnectionRefusedError);
      expect(service.state).toBe('waiting');
      successResultOf(service.stopService());
    });
  });

  it('a connection closed by the application’s protocol is lost like any other: it reconnects', () => {
    const { endpoint, factory, service, clock } = makeReconnector();
    const first = factory.applicationProtocols[0];
    first?.transport.loseConnection();
    lose(endpoint.constructedProtocols[0], new ConnectionDone());
    expect(service.state).toBe('waiting');
    clock.advance(AT_LEAST_ONE_ATTEMPT);
    expect(successResultOf(service.whenConnected())).toBe(factory.applicationProtocols[1]);
  });
});

describe('ClientService edges', () => {
  it('stopService whose cancelled attempt connects anyway (a canceller that fires) drops that connection', () => {
    const made: Protocol[] = [];
    const endpoint: IStreamClientEndpoint = {
      connect<P extends IProtocol>(factory: ProtocolFactoryOf<P>): Deferred<P> {
        return new Deferred<P>((d) => {
          const protocol = factory.buildProtocol(new IPv4Address('TCP', '10.0.0.1', 1));
          if (protocol === null) return;
          protocol.makeConnection(new StringTransport());
          made.push((protocol as unknown as { wrappedProtocol: Protocol }).wrappedProtocol);
          d.callback(protocol);
        });
      },
    };
    const clock = new Clock();
    const service = new ClientService(endpoint, Factory.forProtocol(Protocol), { clock });
    service.startService();
    const stopped = service.stopService();
    expect(made).toHaveLength(1);
    expect(transportOf(made[0]).disconnecting).toBe(true);
    assertNoResult(stopped);
    made[0]?.connectionLost(new Failure(new ConnectionDone())); // the application's protocol
    assertNoResult(stopped); // only the reactor-facing proxy tells the service
  });

  it('schedules retries on the global reactor when given no clock', async () => {
    await import('../../src/node/reactor.js'); // installs the Node reactor globally
    const endpoint: IStreamClientEndpoint = { connect: () => fail(new ConnectionRefusedError()) };
    const service = new ClientService(endpoint, Factory.forProtocol(Protocol));
    const reactor = getGlobalReactor();
    const before = reactor.getDelayedCalls().length;
    service.startService();
    expect(reactor.getDelayedCalls()).toHaveLength(before + 1);
    successResultOf(service.stopService());
    expect(reactor.getDelayedCalls()).toHaveLength(before);
  });

  it('the state machine ignores start while already connecting, waiting or connected', () => {
    const endpoint = new TestEndpoint(false);
    const clock = new Clock();
    const machine = new ClientMachine({
      endpoint,
      factory: Factory.forProtocol(Protocol),
      retryPolicy: () => 1,
      clock: () => clock,
      prepareConnection: null,
      log: new Logger('test'),
    });
    machine.start();
    machine.start();
    expect(endpoint.connectQueue).toHaveLength(1);
    endpoint.connectQueue[0]?.errback(new ConnectionRefusedError());
    machine.start();
    expect(machine.state).toBe('waiting');
    clock.advance(1);
    endpoint.connectQueue[1]?.callback(undefined);
    machine.start();
    expect(machine.state).toBe('connected');
    expect(endpoint.connectQueue).toHaveLength(2);
  });

  it('a connection lost before the endpoint fires fails the attempt with the loss', () => {
    const endpoint: IStreamClientEndpoint = {
      connect<P extends IProtocol>(factory: ProtocolFactoryOf<P>): Deferred<P> {
        const protocol = factory.buildProtocol(new IPv4Address('TCP', '10.0.0.1', 1));
        if (protocol === null) throw new Error('no protocol');
        protocol.makeConnection(new StringTransport());
        protocol.connectionLost(new Failure(new ConnectionLost()));
        protocol.connectionLost(new Failure(new ConnectionLost())); // a second report changes nothing
        const d = new Deferred<P>();
        d.callback(protocol);
        return d;
      },
    };
    const clock = new Clock();
    const service = new ClientService(endpoint, Factory.forProtocol(Protocol), { clock });
    const whenConnected = service.whenConnected({ failAfterFailures: 1 });
    service.startService();
    failureResultOf(whenConnected, ConnectionLost);
    expect(service.state).toBe('waiting');
    successResultOf(service.stopService());
  });

  it('the loss of a connection given up on earlier is ignored once a new attempt runs', () => {
    const { endpoint, service, clock } = makeReconnector({
      prepareConnection: () => {
        throw new Error('unhealthy');
      },
    });
    clock.advance(AT_LEAST_ONE_ATTEMPT);
    expect(endpoint.connectQueue).toHaveLength(2);
    lose(endpoint.constructedProtocols[0]);
    expect(service.state).toBe('waiting');
    expect(clock.getDelayedCalls()).toHaveLength(1);
  });
});

describe('backoffPolicy', () => {
  it('defaults to Twisted’s numbers: 1.0 × 1.5ⁿ, at most 60, plus Math.random()', () => {
    // Twisted 22.4: backoffPolicy(jitter=lambda: 0) gives these for n = 0, 1, 2, 3, 10, 11.
    const policy = backoffPolicy({ jitter: () => 0 });
    expect([0, 1, 2, 3, 10, 11].map(policy)).toEqual([1, 1.5, 2.25, 3.375, 57.6650390625, 60]);
    const jittered = backoffPolicy()(1);
    expect(jittered).toBeGreaterThanOrEqual(1.5);
    expect(jittered).toBeLessThan(2.5);
  });

  it('takes initialDelay, maxDelay, factor and jitter', () => {
    const policy = backoffPolicy({ initialDelay: 2, maxDelay: 20, factor: 3, jitter: () => 0.25 });
    expect([1, 2, 3].map(policy)).toEqual([6.25, 18.25, 20.25]);
  });

  it('caps the exponent at 100 and gives maxDelay where the power overflows', () => {
    expect(backoffPolicy({ factor: 1.01, maxDelay: Infinity, jitter: () => 0 })(1000)).toBe(
      1.01 ** 100,
    );
    expect(backoffPolicy({ initialDelay: 0, factor: 1e10, jitter: () => 0 })(50)).toBe(60);
  });
});
