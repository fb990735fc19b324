// serverFromString / clientFromString: Twisted's keys and defaults for tcp, tcp6 and unix, checked
// through what the endpoints ask a MemoryReactorClock for; typed errors for bad strings; the
// registry other endpoint types (TLS) plug into.
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';

import {
  EndpointArgumentError,
  EndpointStringError,
  Factory,
  Protocol,
  quoteStringArgument,
  UnknownEndpointTypeError,
  WeftError,
} from '../../src/core/index.js';
import type { IStreamClientEndpoint, IStreamServerEndpoint } from '../../src/core/index.js';
import {
  clientFromString,
  registerClientEndpointParser,
  registerServerEndpointParser,
  serverFromString,
  TCP4ClientEndpoint,
  TCP4ServerEndpoint,
  TCP6ClientEndpoint,
  TCP6ServerEndpoint,
  UNIXClientEndpoint,
  UNIXServerEndpoint,
  unregisterClientEndpointParser,
  unregisterServerEndpointParser,
} from '../../src/node/index.js';
import { MemoryReactorClock, successResultOf } from '../../src/testing/index.js';

const factory = Factory.forProtocol(Protocol);

function listened(description: string): MemoryReactorClock {
  const reactor = new MemoryReactorClock();
  successResultOf(serverFromString(reactor, description).listen(factory));
  return reactor;
}

function connected(description: string): MemoryReactorClock {
  const reactor = new MemoryReactorClock();
  void clientFromString(reactor, description).connect(factory);
  return reactor;
}

describe('serverFromString', () => {
  it('tcp:PORT listens on every IPv4 interface with backlog 50', () => {
    const reactor = new MemoryReactorClock();
    const endpoint = serverFromString(reactor, 'tcp:8080');
    expect(endpoint).toBeInstanceOf(TCP4ServerEndpoint);
    successResultOf(endpoint.listen(factory));
    expect(reactor.tcpServers).toEqual([[8080, factory, 50, '']]);
  });

  it('tcp takes interface= and backlog=, and port= by name', () => {
    expect(listened('tcp:8080:interface=127.0.0.1:backlog=7').tcpServers).toEqual([
      [8080, factory, 7, '127.0.0.1'],
    ]);
    expect(listened('tcp:port=81').tcpServers).toEqual([[81, factory, 50, '']]);
  });

  it('tcp6:PORT listens on :: by default; an escaped IPv6 interface is accepted', () => {
    expect(serverFromString(new MemoryReactorClock(), 'tcp6:80')).toBeInstanceOf(
      TCP6ServerEndpoint,
    );
    expect(listened('tcp6:80').tcpServers).toEqual([[80, factory, 50, '::']]);
    expect(listened('tcp6:80:interface=\\:\\:1:backlog=3').tcpServers).toEqual([
      [80, factory, 3, '::1'],
    ]);
  });

  it('unix:PATH listens with mode 0666 and backlog 50; mode= is octal', () => {
    expect(serverFromString(new MemoryReactorClock(), 'unix:/tmp/s')).toBeInstanceOf(
      UNIXServerEndpoint,
    );
    expect(listened('unix:/tmp/s').unixServers).toEqual([['/tmp/s', factory, 50, 0o666]]);
    expect(listened('unix:address=/tmp/a\\:b:mode=600:backlog=5:lockfile=0').unixServers).toEqual([
      ['/tmp/a:b', factory, 5, 0o600],
    ]);
  });

  it('is case-sensitive about the type, as Twisted', () => {
    expect(() => serverFromString(new MemoryReactorClock(), 'TCP:80')).toThrow(
      UnknownEndpointTypeError,
    );
  });

  it('throws typed errors: unknown type, missing or bad port, unknown key, no type', () => {
    const reactor = new MemoryReactorClock();
    const cases: [string, new (...a: never[]) => Error, RegExp][] = [
      ['quic:80', UnknownEndpointTypeError, /Unknown endpoint type: "quic"/],
      ['tcp', EndpointArgumentError, /Missing argument "port"/],
      ['tcp:http', EndpointArgumentError, /port must be an integer/],
      ['tcp:70000', EndpointArgumentError, /port must be an integer/],
      ['tcp:80:backlog=many', EndpointArgumentError, /backlog must be an integer/],
      ['tcp:80:colour=red', EndpointArgumentError, /Unknown argument "colour"/],
      ['tcp:80:81', EndpointArgumentError, /Too many positional/],
      ['unix:/s:mode=999', EndpointArgumentError, /mode must be an octal/],
      ['unix:/s:lockfile=1', EndpointArgumentError, /lockfile=1 is not supported/],
      ['', EndpointStringError, /No endpoint type/],
      ['tcp:80\\', EndpointStringError, /Unpaired backslash/],
    ];
    for (const [description, type, message] of cases) {
      expect(() => serverFromString(reactor, description), description).toThrow(type);
      expect(() => serverFromString(reactor, description), description).toThrow(message);
    }
  });
});

describe('clientFromString', () => {
  it('tcp:HOST:PORT connects with timeout 30 and no bind address', () => {
    const reactor = new MemoryReactorClock();
    const endpoint = clientFromString(reactor, 'tcp:example.com:80');
    expect(endpoint).toBeInstanceOf(TCP4ClientEndpoint);
    void endpoint.connect(factory);
    expect(reactor.tcpClients.map(([h, p, , t, b]) => [h, p, t, b])).toEqual([
      ['example.com', 80, 30, null],
    ]);
  });

  it('tcp takes host= and port= by name, mixed with positions, timeout= and bindAddress=', () => {
    const records = [
      'tcp:host=example.com:port=80:timeout=5',
      'tcp:example.com:port=80:timeout=5',
      'tcp:80:host=example.com:timeout=5',
    ].map((d) => connected(d).tcpClients.map(([h, p, , t]) => [h, p, t]));
    for (const r of records) expect(r).toEqual([['example.com', 80, 5]]);
    const bound = connected('tcp:h:1:bindAddress=10.0.0.1:timeout=2.5').tcpClients[0];
    expect(bound?.[3]).toBe(2.5);
    expect(bound?.[4]).toEqual(['10.0.0.1', 0]);
  });

  it('matches the type in any case, as Twisted', () => {
    expect(clientFromString(new MemoryReactorClock(), 'TCP:h:1')).toBeInstanceOf(
      TCP4ClientEndpoint,
    );
    expect(clientFromString(new MemoryReactorClock(), 'Unix:/s')).toBeInstanceOf(
      UNIXClientEndpoint,
    );
  });

  it('tcp6 (a weft addition) makes a TCP6ClientEndpoint; an escaped literal connects at once', () => {
    const reactor = new MemoryReactorClock();
    const endpoint = clientFromString(reactor, 'tcp6:host=\\:\\:1:port=80');
    expect(endpoint).toBeInstanceOf(TCP6ClientEndpoint);
    void endpoint.connect(factory);
    expect(reactor.tcpClients.map(([h, p]) => [h, p])).toEqual([['::1', 80]]);
  });

  it('unix:PATH or path= connects with timeout 30, or the one given', () => {
    expect(connected('unix:/tmp/s').unixClients).toEqual([['/tmp/s', expect.anything(), 30]]);
    expect(connected('unix:path=/tmp/s:timeout=3:lockfile=0').unixClients).toEqual([
      ['/tmp/s', expect.anything(), 3],
    ]);
  });

  it('throws typed errors: unknown type, missing host or port, bad timeout, unknown key', () => {
    const reactor = new MemoryReactorClock();
    const cases: [string, new (...a: never[]) => Error, RegExp][] = [
      ['gopher:h:70', UnknownEndpointTypeError, /Unknown endpoint type: "gopher"/],
      ['tcp:h', EndpointArgumentError, /Missing argument "port"/],
      ['tcp:port=80', EndpointArgumentError, /Missing argument "host"/],
      ['tcp:h:eighty', EndpointArgumentError, /port must be an integer/],
      ['tcp:h:80:timeout=soon', EndpointArgumentError, /timeout must be a number of seconds/],
      ['tcp:h:80:tls=1', EndpointArgumentError, /Unknown argument "tls"/],
      ['unix', EndpointArgumentError, /Missing argument "path"/],
      ['unix:/s:lockfile=1', EndpointArgumentError, /lockfile=1 is not supported/],
    ];
    for (const [description, type, message] of cases) {
      expect(() => clientFromString(reactor, description), description).toThrow(type);
      expect(() => clientFromString(reactor, description), description).toThrow(message);
    }
  });

  it('either makes an endpoint or throws a WeftError for any string (2,000 runs)', () => {
    const reactor = new MemoryReactorClock();
    const piece = fc.constantFrom(
      'tcp',
      'unix',
      'tcp6',
      'ssl',
      'tls',
      'sslmethod',
      'trustRoots',
      'TCP',
      ':',
      '=',
      '\\',
      'host',
      'port',
      '80',
      'x',
      'timeout',
      '1.5',
      '',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const description = pieces.join('');
        for (const make of [clientFromString, serverFromString]) {
          try {
            make(reactor, description);
          } catch (e) {
            expect(e).toBeInstanceOf(WeftError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips any UNIX path through quoteStringArgument (1,000 runs)', () => {
    const reactor = new MemoryReactorClock();
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (path) => {
        const endpoint = clientFromString(reactor, `unix:path=${quoteStringArgument(path)}`);
        expect(endpoint).toBeInstanceOf(UNIXClientEndpoint);
        expect(endpoint).toHaveProperty('path', path);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('registerServerEndpointParser / registerClientEndpointParser', () => {
  it('adds endpoint types, replacing and removing them by prefix', () => {
    const made: [string, readonly string[], Record<string, string>][] = [];
    const server = {} as IStreamServerEndpoint;
    const client = {} as IStreamClientEndpoint;
    expect(
      registerServerEndpointParser({
        prefix: 'fake',
        parseStreamServer(_reactor, args, kwargs, description) {
          made.push([description, args, { ...kwargs }]);
          return server;
        },
      }),
    ).toBeUndefined();
    onTestFinished(() => {
      unregisterServerEndpointParser('fake');
    });
    registerClientEndpointParser({
      prefix: 'Fake',
      parseStreamClient(_reactor, args, kwargs, description) {
        made.push([description, args, { ...kwargs }]);
        return client;
      },
    });
    onTestFinished(() => {
      unregisterClientEndpointParser('fake');
    });
    const reactor = new MemoryReactorClock();
    expect(serverFromString(reactor, 'fake:1:k=v')).toBe(server);
    expect(clientFromString(reactor, 'FAKE:2')).toBe(client);
    expect(made).toEqual([
      ['fake:1:k=v', ['1'], { k: 'v' }],
      ['FAKE:2', ['2'], {}],
    ]);
    expect(unregisterServerEndpointParser('fake')?.prefix).toBe('fake');
    expect(() => serverFromString(reactor, 'fake:1')).toThrow(UnknownEndpointTypeError);
  });

  it('replaces a built-in parser and hands back the one replaced', () => {
    const original = registerClientEndpointParser({
      prefix: 'tcp',
      parseStreamClient() {
        return {} as IStreamClientEndpoint;
      },
    });
    expect(original?.prefix).toBe('tcp');
    if (original !== undefined) registerClientEndpointParser(original);
    expect(clientFromString(new MemoryReactorClock(), 'tcp:h:1')).toBeInstanceOf(
      TCP4ClientEndpoint,
    );
  });
});
