// ProtocolWrapper and WrappingFactory (Twisted's twisted/test/test_policies.py WrapperTests, plus
// the transparency weft adds: half-close, abort, TLS feature detection, producers by identity).
import { describe, expect, it } from 'vitest';

import {
  ClientFactory,
  ConnectionAborted,
  ConnectionDone,
  Factory,
  IPv4Address,
  isHalfCloseableProtocol,
  Protocol,
} from '../../../src/core/index.js';
import type {
  Failure,
  IAddress,
  IConnector,
  IHalfCloseableProtocol,
  IProtocol,
  IPushProducer,
} from '../../../src/core/index.js';
import {
  ProtocolWrapper,
  WrappingFactory,
  wrappedLogPrefix,
} from '../../../src/protocols/policies/index.js';
import {
  AccumulatingProtocol,
  connectedServerAndClient,
  StringTransport,
  StringTransportWithDisconnection,
} from '../../../src/testing/index.js';

const encoder = new TextEncoder();
const text = (s: string): Uint8Array => encoder.encode(s);
const ADDR = new IPv4Address('TCP', '127.0.0.1', 4321);

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport.write(data);
  }
}

/** Records half-close callbacks. */
class HalfCloser extends AccumulatingProtocol implements IHalfCloseableProtocol {
  readonly events: string[] = [];
  readConnectionLost(): void {
    this.events.push('readConnectionLost');
    this.transport.write('bye');
    this.transport.loseConnection();
  }
  writeConnectionLost(): void {
    this.events.push('writeConnectionLost');
  }
}

class Pusher implements IPushProducer {
  readonly calls: string[] = [];
  pauseProducing(): void {
    this.calls.push('pause');
  }
  resumeProducing(): void {
    this.calls.push('resume');
  }
  stopProducing(): void {
    this.calls.push('stop');
  }
}

function wrapped<P extends IProtocol>(
  protocol: P,
): {
  factory: WrappingFactory;
  wrapper: ProtocolWrapper;
  transport: StringTransportWithDisconnection;
  protocol: P;
} {
  const inner = new Factory();
  inner.buildProtocol = () => protocol;
  const factory = new WrappingFactory(inner);
  const wrapper = factory.buildProtocol(ADDR);
  if (wrapper === null) throw new Error('refused');
  const transport = new StringTransportWithDisconnection();
  transport.protocol = wrapper;
  wrapper.makeConnection(transport);
  return { factory, wrapper, transport, protocol };
}

describe('ProtocolWrapper', () => {
  it('is the transport of the wrapped protocol, and passes bytes both ways unchanged', () => {
    const { wrapper, transport, protocol } = wrapped(new Echo());
    expect(protocol.transport).toBe(wrapper);
    wrapper.dataReceived(text('hello'));
    expect(transport.valueString()).toBe('hello');
    wrapper.writeSequence(['a', text('b')]);
    expect(transport.valueString()).toBe('helloab');
  });

  it('returns the real transport’s getPeer and getHost', () => {
    const transport = new StringTransport();
    const wrapper = new ProtocolWrapper(
      new WrappingFactory(new Factory()),
      new AccumulatingProtocol(),
    );
    wrapper.makeConnection(transport);
    expect(wrapper.getPeer()).toBe(transport.getPeer());
    expect(wrapper.getHost()).toBe(transport.getHost());
  });

  it('registers and unregisters the very producer object with the real transport', () => {
    const { wrapper, transport } = wrapped(new AccumulatingProtocol());
    const producer = new Pusher();
    wrapper.registerProducer(producer, true);
    expect(transport.producer).toBe(producer);
    expect(transport.streaming).toBe(true);
    wrapper.unregisterProducer();
    expect(transport.producer).toBeNull();
  });

  it('pauses, resumes and stops the real transport as a producer', () => {
    const { wrapper, transport } = wrapped(new AccumulatingProtocol());
    wrapper.pauseProducing();
    expect(transport.producerState).toBe('paused');
    wrapper.resumeProducing();
    expect(transport.producerState).toBe('producing');
    wrapper.stopProducing();
    expect(transport.producerState).toBe('stopped');
  });

  it('sets disconnecting on loseConnection and passes the same reason to the wrapped protocol', () => {
    const { wrapper, factory, protocol } = wrapped(new AccumulatingProtocol());
    expect(wrapper.disconnecting).toBe(false);
    expect(factory.protocols.has(wrapper)).toBe(true);
    wrapper.loseConnection();
    expect(wrapper.disconnecting).toBe(true);
    const accumulated = protocol;
    expect(accumulated.closed).toBe(true);
    expect(accumulated.closedReason?.value).toBeInstanceOf(ConnectionDone);
    expect(factory.protocols.size).toBe(0);
  });

  it('reports disconnecting when the real transport is closing', () => {
    const { wrapper, transport } = wrapped(new AccumulatingProtocol());
    transport.disconnecting = true;
    expect(wrapper.disconnecting).toBe(true);
  });

  it('has abortConnection and loseWriteConnection only when the real transport does', () => {
    const { wrapper, transport, protocol } = wrapped(new AccumulatingProtocol());
    expect(typeof wrapper.loseWriteConnection).toBe('function');
    wrapper.loseWriteConnection?.();
    expect(transport.writeDisconnected).toBe(true);
    wrapper.abortConnection?.();
    expect(wrapper.disconnecting).toBe(true);
    expect(protocol.closedReason?.value).toBeInstanceOf(ConnectionAborted);

    const minimal = new ProtocolWrapper(
      new WrappingFactory(new Factory()),
      new AccumulatingProtocol(),
    );
    minimal.makeConnection({
      disconnecting: false,
      write: () => undefined,
      writeSequence: () => undefined,
      loseConnection: () => undefined,
      getPeer: () => ADDR,
      getHost: () => ADDR,
      registerProducer: () => undefined,
      unregisterProducer: () => undefined,
      pauseProducing: () => undefined,
      resumeProducing: () => undefined,
      stopProducing: () => undefined,
    });
    expect('loseWriteConnection' in minimal).toBe(false);
    expect('abortConnection' in minimal).toBe(false);
    expect('startTLS' in minimal).toBe(false);
  });

  it('forwards startTLS and TCP options when the real transport has them', () => {
    const { wrapper } = wrapped(new AccumulatingProtocol());
    const transport = new (class extends StringTransport {
      readonly tlsCalls: unknown[] = [];
      startTLS(options: unknown): void {
        this.tlsCalls.push(options);
      }
    })();
    const tls = new ProtocolWrapper(wrapper.factory, new AccumulatingProtocol());
    tls.makeConnection(transport);
    tls.startTLS?.({ servername: 'example.com' });
    expect(transport.tlsCalls).toEqual([{ servername: 'example.com' }]);
    tls.setTcpNoDelay?.(true);
    expect(tls.getTcpNoDelay?.()).toBe(true);
    expect(transport.getTcpNoDelay()).toBe(true);
  });

  it('is half-closeable exactly when the wrapped protocol is', () => {
    expect(isHalfCloseableProtocol(wrapped(new AccumulatingProtocol()).wrapper)).toBe(false);
    const { wrapper, transport, protocol } = wrapped(new HalfCloser());
    expect(isHalfCloseableProtocol(wrapper)).toBe(true);
    wrapper.writeConnectionLost?.();
    wrapper.readConnectionLost?.();
    expect(protocol.events).toEqual(['writeConnectionLost', 'readConnectionLost']);
    expect(transport.valueString()).toBe('bye');
  });

  it('passes handshakeCompleted on when the wrapped protocol listens for it', () => {
    expect('handshakeCompleted' in wrapped(new AccumulatingProtocol()).wrapper).toBe(false);
    const listener = new (class extends AccumulatingProtocol {
      handshakes = 0;
      handshakeCompleted(): void {
        this.handshakes += 1;
      }
    })();
    const { wrapper } = wrapped(listener);
    wrapper.handshakeCompleted?.();
    expect(listener.handshakes).toBe(1);
  });

  it('carries half-close across an in-memory connection to a wrapped half-closeable server', () => {
    const server = new HalfCloser();
    const inner = new Factory();
    inner.buildProtocol = () => server;
    const { client, pump } = connectedServerAndClient(
      new WrappingFactory(inner),
      AccumulatingProtocol,
    );
    client.transport.write('hi');
    (client.transport as unknown as { loseWriteConnection(): void }).loseWriteConnection();
    pump.flush();
    expect(server.dataString()).toBe('hi');
    expect(server.events).toEqual(['readConnectionLost']);
    expect(client.dataString()).toBe('bye');
    expect(client.closed).toBe(true);
    expect(server.closed).toBe(true);
  });

  it('names itself after the wrapped protocol in logs', () => {
    const { wrapper } = wrapped(new AccumulatingProtocol());
    expect(wrapper.logPrefix()).toBe('AccumulatingProtocol (ProtocolWrapper)');
    const named = { logPrefix: () => 'Named' };
    expect(wrappedLogPrefix(wrapper, named)).toBe('Named (ProtocolWrapper)');
  });
});

describe('WrappingFactory', () => {
  it('returns null when the wrapped factory refuses the connection', () => {
    const inner = new Factory();
    inner.buildProtocol = () => null;
    expect(new WrappingFactory(inner).buildProtocol(ADDR)).toBeNull();
  });

  it('passes the address to the wrapped factory', () => {
    const seen: IAddress[] = [];
    const inner = Factory.forProtocol(Echo);
    const build = inner.buildProtocol.bind(inner);
    inner.buildProtocol = (addr) => {
      seen.push(addr);
      return build(addr);
    };
    const wrapper = new WrappingFactory(inner).buildProtocol(ADDR);
    expect(seen).toEqual([ADDR]);
    expect(wrapper?.wrappedProtocol).toBeInstanceOf(Echo);
    expect((wrapper?.wrappedProtocol as Echo).factory).toBe(inner);
  });

  it('starts and stops the wrapped factory with its own start and stop', () => {
    const events: string[] = [];
    const inner = new (class extends Factory {
      override noisy = false;
      override startFactory(): void {
        events.push('start');
      }
      override stopFactory(): void {
        events.push('stop');
      }
    })();
    const factory = new WrappingFactory(inner);
    factory.doStart();
    factory.doStart();
    expect(events).toEqual(['start']);
    expect(factory.numPorts).toBe(2);
    factory.doStop();
    factory.doStop();
    expect(events).toEqual(['start', 'stop']);
    expect(inner.numPorts).toBe(0);
  });

  it('forwards the client callbacks when the wrapped factory has them', () => {
    const events: string[] = [];
    const inner = new (class extends ClientFactory {
      override startedConnecting(): void {
        events.push('started');
      }
      override clientConnectionFailed(_c: IConnector, reason: Failure): void {
        events.push(`failed ${(reason.value as Error).name}`);
      }
      override clientConnectionLost(_c: IConnector, reason: Failure): void {
        events.push(`lost ${(reason.value as Error).name}`);
      }
    })();
    const connector = {} as IConnector;
    const factory = new WrappingFactory(inner);
    factory.startedConnecting(connector);
    const done = wrapped(new AccumulatingProtocol()).protocol;
    done.transport.loseConnection();
    const reason = done.closedReason as Failure;
    factory.clientConnectionFailed(connector, reason);
    factory.clientConnectionLost(connector, reason);
    expect(events).toEqual(['started', 'failed ConnectionDone', 'lost ConnectionDone']);
    // A plain Factory has none of them: nothing is called and nothing throws.
    const plain = new WrappingFactory(new Factory());
    plain.startedConnecting(connector);
    plain.clientConnectionFailed(connector, reason);
    plain.clientConnectionLost(connector, reason);
  });

  it('keeps the connected wrappers in protocols', () => {
    const { factory, wrapper, transport } = wrapped(new AccumulatingProtocol());
    expect([...factory.protocols]).toEqual([wrapper]);
    transport.loseConnection();
    expect(factory.protocols.size).toBe(0);
  });

  it('composes: a wrapping factory wraps another', () => {
    const innerWrapping = new WrappingFactory(Factory.forProtocol(Echo));
    const outer = new WrappingFactory(innerWrapping);
    const { client, server, pump } = connectedServerAndClient(outer, AccumulatingProtocol);
    expect(server).toBeInstanceOf(ProtocolWrapper);
    expect(server.wrappedProtocol).toBeInstanceOf(ProtocolWrapper);
    client.transport.write('round trip');
    pump.flush();
    expect(client.dataString()).toBe('round trip');
    expect(innerWrapping.protocols.size).toBe(1);
    expect(outer.protocols.size).toBe(1);
    expect(outer.logPrefix()).toBe('Factory (WrappingFactory) (WrappingFactory)');
    client.transport.loseConnection();
    pump.flush();
    expect(innerWrapping.protocols.size).toBe(0);
    expect(outer.protocols.size).toBe(0);
  });
});
