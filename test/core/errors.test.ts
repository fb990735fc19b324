import { describe, expect, it } from 'vitest';

import * as errors from '../../src/core/errors.js';
import {
  AlreadyCalledError,
  AlreadyCancelledError,
  BadFileError,
  BindError,
  CancelledError,
  CannotListenError,
  ConnectBindError,
  ConnectError,
  ConnectingCancelledError,
  ConnectingTimeoutError,
  ConnectionAborted,
  ConnectionClosed,
  ConnectionDone,
  ConnectionLost,
  ConnectionRefusedError,
  DNSLookupError,
  Failure,
  FailureGroup,
  FirstError,
  InvalidAddressError,
  MessageLengthError,
  NoCurrentExceptionError,
  NoProtocol,
  NoRouteError,
  NotACoroutineError,
  NotConnectingError,
  NotListeningError,
  QueueOverflow,
  QueueUnderflow,
  ReactorAlreadyRunning,
  ReactorNotRestartable,
  ReactorNotRunning,
  SSLError,
  TCPTimedOutError,
  TimeoutError,
  UnknownHostError,
  UserError,
  WeftError,
} from '../../src/core/index.js';

type AnyErrorClass = abstract new (...args: never[]) => Error;

/** One instance of every weft error class, built with the arguments its constructor needs. */
const samples: readonly (readonly [AnyErrorClass, Error])[] = [
  [WeftError, new WeftError('w')],
  [CancelledError, new CancelledError()],
  [AlreadyCalledError, new AlreadyCalledError()],
  [AlreadyCancelledError, new AlreadyCancelledError()],
  [TimeoutError, new TimeoutError(5)],
  [FirstError, new FirstError(new Failure(new Error('sub')), 2)],
  [FailureGroup, new FailureGroup([])],
  [QueueOverflow, new QueueOverflow()],
  [QueueUnderflow, new QueueUnderflow()],
  [NotACoroutineError, new NotACoroutineError('not one')],
  [NoCurrentExceptionError, new NoCurrentExceptionError()],
  [BindError, new BindError('b')],
  [CannotListenError, new CannotListenError('', 80)],
  [DNSLookupError, new DNSLookupError('d')],
  [ConnectError, new ConnectError()],
  [ConnectBindError, new ConnectBindError()],
  [UnknownHostError, new UnknownHostError()],
  [NoRouteError, new NoRouteError()],
  [ConnectionRefusedError, new ConnectionRefusedError()],
  [TCPTimedOutError, new TCPTimedOutError()],
  [BadFileError, new BadFileError()],
  [SSLError, new SSLError()],
  [UserError, new UserError()],
  [ConnectingTimeoutError, new ConnectingTimeoutError()],
  [ConnectingCancelledError, new ConnectingCancelledError('host:1')],
  [NoProtocol, new NoProtocol()],
  [ConnectionClosed, new ConnectionClosed()],
  [ConnectionLost, new ConnectionLost()],
  [ConnectionAborted, new ConnectionAborted()],
  [ConnectionDone, new ConnectionDone()],
  [NotConnectingError, new NotConnectingError()],
  [NotListeningError, new NotListeningError()],
  [ReactorNotRunning, new ReactorNotRunning()],
  [ReactorAlreadyRunning, new ReactorAlreadyRunning()],
  [ReactorNotRestartable, new ReactorNotRestartable()],
  [InvalidAddressError, new InvalidAddressError('x', 'bad')],
  [MessageLengthError, new MessageLengthError()],
];

/** Twisted's tree: each class and every ancestor (below WeftError) it must be an instance of. */
const ancestry: readonly (readonly [Error, readonly AnyErrorClass[]])[] = [
  [new ConnectionRefusedError(), [ConnectError]],
  [new ConnectBindError(), [ConnectError]],
  [new UnknownHostError(), [ConnectError]],
  [new NoRouteError(), [ConnectError]],
  [new TCPTimedOutError(), [ConnectError]],
  [new BadFileError(), [ConnectError]],
  [new SSLError(), [ConnectError]],
  [new NoProtocol(), [ConnectError]],
  [new UserError(), [ConnectError]],
  [new ConnectingTimeoutError(), [UserError, ConnectError, TimeoutError]],
  [new ConnectionLost(), [ConnectionClosed]],
  [new ConnectionAborted(), [ConnectionLost, ConnectionClosed]],
  [new ConnectionDone(), [ConnectionClosed]],
  [new CannotListenError('', 0), [BindError]],
  [new ConnectingCancelledError(null), [CancelledError]],
];

describe('weft errors', () => {
  it('are exported from weft/core exactly as errors.ts defines them', () => {
    for (const [cls] of samples) {
      expect((errors as Record<string, unknown>)[cls.name]).toBe(cls);
    }
  });

  describe.each(samples.map(([cls, error]) => [cls.name, cls, error] as const))(
    '%s',
    (name, cls, error) => {
      it('is an Error and a WeftError, named after its class', () => {
        expect(error).toBeInstanceOf(Error);
        expect(error).toBeInstanceOf(WeftError);
        expect(error).toBeInstanceOf(cls);
        expect(error.name).toBe(name);
        expect(String(error).startsWith(name)).toBe(true);
        expect(error.stack?.startsWith(name)).toBe(true);
      });
    },
  );

  describe('tree', () => {
    it.each(ancestry.map(([error, parents]) => [error.name, error, parents] as const))(
      'makes %s an instance of each of its ancestors',
      (_name, error, parents) => {
        for (const parent of parents) expect(error).toBeInstanceOf(parent);
      },
    );

    it('keeps siblings apart: a ConnectionDone is not a ConnectionLost, nor the reverse', () => {
      expect(new ConnectionDone()).not.toBeInstanceOf(ConnectionLost);
      expect(new ConnectionLost()).not.toBeInstanceOf(ConnectionDone);
    });

    it('keeps DNSLookupError apart from ConnectError, as Twisted does', () => {
      expect(new DNSLookupError()).not.toBeInstanceOf(ConnectError);
    });

    it('does not make a plain TimeoutError a connecting error', () => {
      const error = new TimeoutError(1);
      expect(error).not.toBeInstanceOf(ConnectingTimeoutError);
      expect(error).not.toBeInstanceOf(UserError);
      expect(error).not.toBeInstanceOf(ConnectError);
    });

    it('does not make a parent an instance of its child', () => {
      expect(new ConnectError()).not.toBeInstanceOf(ConnectionRefusedError);
      expect(new ConnectionClosed()).not.toBeInstanceOf(ConnectionLost);
      expect(new WeftError()).not.toBeInstanceOf(CancelledError);
    });

    it('extends the tree to subclasses defined outside weft', () => {
      class AppConnectionLost extends ConnectionLost {}
      const error = new AppConnectionLost('app');
      expect(error).toBeInstanceOf(AppConnectionLost);
      expect(error).toBeInstanceOf(ConnectionLost);
      expect(error).toBeInstanceOf(ConnectionClosed);
      expect(new ConnectionLost()).not.toBeInstanceOf(AppConnectionLost);
    });
  });

  describe('code and cause', () => {
    it('keeps the platform code and chains the platform error as cause', () => {
      const platform = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      const error = new ConnectionRefusedError('refused', {
        code: 'ECONNREFUSED',
        cause: platform,
      });
      expect(error.code).toBe('ECONNREFUSED');
      expect(error.cause).toBe(platform);
      expect(error.message).toBe('refused');
    });

    it('leaves code undefined and defines no cause when none is given', () => {
      const error = new ConnectionLost();
      expect(error.code).toBeUndefined();
      expect('cause' in error).toBe(false);
    });

    it('gives CancelledError the code ABORT_ERR, as Node’s AbortError, and keeps its cause', () => {
      const error = new CancelledError(undefined, { cause: 'why' });
      expect(error.code).toBe('ABORT_ERR');
      expect(error.cause).toBe('why');
      expect(error.message).toBe('The operation was cancelled');
    });

    it('keeps ABORT_ERR when options pass an undefined code, as when wrapping an error without one', () => {
      expect(new CancelledError('m', { code: undefined }).code).toBe('ABORT_ERR');
      expect(new ConnectingCancelledError('a', { code: undefined, cause: 1 }).code).toBe(
        'ABORT_ERR',
      );
    });

    it('gives ConnectingCancelledError the address, ABORT_ERR and CancelledError’s tree', () => {
      const error = new ConnectingCancelledError({ host: 'h', port: 1 });
      expect(error.address).toEqual({ host: 'h', port: 1 });
      expect(error.code).toBe('ABORT_ERR');
      expect(error.message).toBe('Connecting was cancelled');
    });
  });

  describe('specific fields and messages', () => {
    it('gives TimeoutError the limit in seconds and a message saying it', () => {
      const error = new TimeoutError(2.5);
      expect(error.timeout).toBe(2.5);
      expect(error.message).toBe('Timed out after 2.5 seconds');
      expect(new TimeoutError().timeout).toBeUndefined();
      expect(new TimeoutError().message).toBe('Timed out');
      expect(new TimeoutError(1, 'custom').message).toBe('custom');
    });

    it('names TimeoutError like the DOMException of AbortSignal.timeout()', () => {
      expect(new TimeoutError().name).toBe('TimeoutError');
    });

    it('gives FirstError the sub-failure, its index and its value as cause', () => {
      const sub = new Failure(new RangeError('first failure'));
      const error = new FirstError(sub, 3);
      expect(error.subFailure).toBe(sub);
      expect(error.index).toBe(3);
      expect(error.cause).toBe(sub.value);
      expect(error.message).toBe('FirstError[#3, first failure]');
    });

    it('gives FailureGroup its failures in order', () => {
      const failures = [new Failure('a'), new Failure('b')];
      const error = new FailureGroup(failures);
      expect(error.failures).toBe(failures);
      expect(error.message).toBe('All 2 inputs failed');
    });

    it('gives CannotListenError the interface, port and the cause’s message', () => {
      const cause = Object.assign(new Error('address already in use'), { code: 'EADDRINUSE' });
      const error = new CannotListenError('127.0.0.1', 8080, { code: 'EADDRINUSE', cause });
      expect(error.interface).toBe('127.0.0.1');
      expect(error.port).toBe(8080);
      expect(error.code).toBe('EADDRINUSE');
      expect(error.message).toBe("Couldn't listen on 127.0.0.1:8080: address already in use");
      expect(new CannotListenError('', '/tmp/sock').message).toBe(
        "Couldn't listen on any:/tmp/sock",
      );
    });

    it('gives InvalidAddressError the address and a message naming it', () => {
      const error = new InvalidAddressError('::zz', 'not an IPv6 address');
      expect(error.address).toBe('::zz');
      expect(error.message).toBe('Invalid address ::zz: not an IPv6 address');
    });

    it('keeps Twisted’s default messages for the connection errors', () => {
      expect(new ConnectionLost().message).toBe(
        'Connection to the other side was lost in a non-clean fashion',
      );
      expect(new ConnectionDone().message).toBe('Connection was closed cleanly');
      expect(new UserError().message).toBe('User aborted connection');
      expect(new ConnectingTimeoutError().message).toBe('User timeout caused connection failure');
    });
  });

  describe('instanceof across copies of weft', () => {
    it('accepts errors from a second, separately loaded copy of the module', async () => {
      const spec = '../../src/core/errors.js?copy=2';
      const copy = (await import(/* @vite-ignore */ spec)) as typeof errors;
      // The loader gives a fresh module instance for the query string: the classes differ.
      expect(copy.ConnectError).not.toBe(ConnectError);
      const foreign = new copy.ConnectionRefusedError('from the copy');
      expect(foreign).toBeInstanceOf(ConnectionRefusedError);
      expect(foreign).toBeInstanceOf(ConnectError);
      expect(foreign).toBeInstanceOf(WeftError);
      expect(foreign).not.toBeInstanceOf(ConnectionLost);
      expect(new ConnectingTimeoutError()).toBeInstanceOf(copy.TimeoutError);
      expect(new ConnectionAborted()).toBeInstanceOf(copy.ConnectionClosed);
    });

    it('accepts any object carrying the brands of the class', () => {
      const brands = ['ConnectionAborted', 'ConnectionLost', 'ConnectionClosed', 'WeftError'];
      const branded = {
        [Symbol.for('weft.error.brands')]: brands.map((n) => Symbol.for(`weft.error.${n}`)),
      };
      expect(branded).toBeInstanceOf(ConnectionLost);
      expect(branded).toBeInstanceOf(ConnectionClosed);
      expect(branded).not.toBeInstanceOf(ConnectionDone);
    });

    it('rejects a plain Error, even one with the same name', () => {
      const plain = new Error('impostor');
      plain.name = 'ConnectionLost';
      expect(plain).not.toBeInstanceOf(ConnectionLost);
      expect(plain).not.toBeInstanceOf(WeftError);
    });

    it('rejects an object whose brands are not an array of symbols it knows', () => {
      const key = Symbol.for('weft.error.brands');
      expect({ [key]: 'weft.error.ConnectionLost' }).not.toBeInstanceOf(ConnectionLost);
      expect({ [key]: [Symbol('weft.error.ConnectionLost')] }).not.toBeInstanceOf(ConnectionLost);
    });

    it('rejects primitives in Symbol.hasInstance', () => {
      for (const value of [undefined, null, 0, 'ConnectionLost', true, Symbol('x'), 1n]) {
        expect(ConnectionLost[Symbol.hasInstance](value)).toBe(false);
        expect(WeftError[Symbol.hasInstance](value)).toBe(false);
      }
    });

    it('does not expose the brands as an enumerable property', () => {
      const error = new ConnectionLost();
      expect(Object.getOwnPropertySymbols(error)).toEqual([Symbol.for('weft.error.brands')]);
      expect(
        Object.prototype.propertyIsEnumerable.call(error, Symbol.for('weft.error.brands')),
      ).toBe(false);
    });
  });
});
