/**
 * `serverFromString` and `clientFromString`: endpoints from descriptions
 * such as `'tcp:8080:interface=127.0.0.1'`, with a registry of parsers
 * keyed by endpoint type (Twisted's `IStreamServerEndpointStringParser` and
 * `IStreamClientEndpointStringParserWithReactor` plugins).
 *
 * @module
 */
import {
  bindEndpointArguments,
  parseEndpointDescription,
  parseFlagArgument,
  parseIntegerArgument,
  parseOctalArgument,
  parsePortArgument,
  parseSecondsArgument,
  requireEndpointArgument,
} from '../core/endpoint-parser.js';
import {
  EndpointArgumentError,
  EndpointStringError,
  UnknownEndpointTypeError,
} from '../core/endpoint-errors.js';
import type { IStreamClientEndpoint, IStreamServerEndpoint } from '../core/interfaces/endpoint.js';
import type { IReactorProcess } from '../core/interfaces/process.js';
import type { IReactorTCP, IReactorTime, IReactorUNIX } from '../core/interfaces/reactor.js';
import type { IReactorPluggableNameResolver } from '../core/interfaces/resolver.js';
import type { TCPClientEndpointOptions } from './endpoints.js';
import { sslServerParser, tlsClientParser } from './tls-endpoint-strings.js';
import { ProcessEndpoint } from './process-endpoint.js';
import {
  TCP4ClientEndpoint,
  TCP4ServerEndpoint,
  TCP6ClientEndpoint,
  TCP6ServerEndpoint,
  UNIXClientEndpoint,
  UNIXServerEndpoint,
} from './endpoints.js';

/** What the built-in endpoint types need of a reactor: TCP, UNIX, time and a name resolver. */
export type EndpointReactor = IReactorTCP &
  IReactorUNIX &
  IReactorTime &
  IReactorPluggableNameResolver;

/**
 * Makes server endpoints of one type from descriptions. `prefix` is the
 * type, matched exactly (server types are case-sensitive, as in Twisted).
 */
export interface IStreamServerEndpointStringParser {
  /** The endpoint type, e.g. `'tcp'`. */
  readonly prefix: string;
  /**
   * The endpoint for the arguments after the type. `description` is the
   * whole string, for errors. Throw `EndpointArgumentError` (see
   * `bindEndpointArguments`) for bad arguments.
   */
  parseStreamServer(
    reactor: EndpointReactor,
    args: readonly string[],
    kwargs: Readonly<Record<string, string>>,
    description: string,
  ): IStreamServerEndpoint;
}

/**
 * Makes client endpoints of one type from descriptions. `prefix` is matched
 * without regard to case (`TCP:`, `tcp:`, `Tcp:` are one type, as in
 * Twisted).
 */
export interface IStreamClientEndpointStringParser {
  /** The endpoint type, e.g. `'tcp'`. */
  readonly prefix: string;
  /** The endpoint for the arguments after the type; as `parseStreamServer`. */
  parseStreamClient(
    reactor: EndpointReactor,
    args: readonly string[],
    kwargs: Readonly<Record<string, string>>,
    description: string,
  ): IStreamClientEndpoint;
}

const serverParsers = new Map<string, IStreamServerEndpointStringParser>();
const clientParsers = new Map<string, IStreamClientEndpointStringParser>();

/**
 * Registers `parser` for its `prefix` in {@link serverFromString},
 * replacing any parser registered for it; returns the one replaced. This is
 * how a plugin adds its own endpoint types.
 */
export function registerServerEndpointParser(
  parser: IStreamServerEndpointStringParser,
): IStreamServerEndpointStringParser | undefined {
  const previous = serverParsers.get(parser.prefix);
  serverParsers.set(parser.prefix, parser);
  return previous;
}

/** Removes the server parser for `prefix`; returns it. */
export function unregisterServerEndpointParser(
  prefix: string,
): IStreamServerEndpointStringParser | undefined {
  const previous = serverParsers.get(prefix);
  serverParsers.delete(prefix);
  return previous;
}

/**
 * Registers `parser` for its `prefix` (any case) in {@link clientFromString},
 * replacing any parser registered for it; returns the one replaced.
 */
export function registerClientEndpointParser(
  parser: IStreamClientEndpointStringParser,
): IStreamClientEndpointStringParser | undefined {
  const key = parser.prefix.toLowerCase();
  const previous = clientParsers.get(key);
  clientParsers.set(key, parser);
  return previous;
}

/** Removes the client parser for `prefix` (any case); returns it. */
export function unregisterClientEndpointParser(
  prefix: string,
): IStreamClientEndpointStringParser | undefined {
  const key = prefix.toLowerCase();
  const previous = clientParsers.get(key);
  clientParsers.delete(key);
  return previous;
}

function splitType(description: string): {
  type: string;
  args: string[];
  kwargs: Record<string, string>;
} {
  const { args, kwargs } = parseEndpointDescription(description);
  const type = args.shift();
  if (type === undefined || type === '') {
    throw new EndpointStringError(description, 'No endpoint type (such as "tcp:") given');
  }
  return { type, args, kwargs };
}

/**
 * The server endpoint `description` describes (Twisted's
 * `serverFromString`). Built-in types (see docs/endpoints.md for every key):
 *
 * - `tcp:PORT[:interface=IP][:backlog=N]` → {@link TCP4ServerEndpoint}
 * - `tcp6:PORT[:interface=IP][:backlog=N]` → {@link TCP6ServerEndpoint} (interface `::` by default)
 * - `unix:PATH[:mode=OCTAL][:backlog=N][:lockfile=0]` → {@link UNIXServerEndpoint}
 * - `ssl:PORT[:privateKey=PATH][:certKey=PATH][:sslmethod=NAME][:interface=IP][:backlog=N]
 *   [:extraCertChain=PATH][:dhParameters=PATH][:handshakeTimeout=SECONDS]` →
 *   `SSL4ServerEndpoint` (`privateKey` defaults to `server.pem`, `certKey` to
 *   the `privateKey` file; a reactor without `listenSSL` is refused)
 *
 * Other types can be added with {@link registerServerEndpointParser}.
 *
 * @throws {UnknownEndpointTypeError} for a type with no parser.
 * @throws {EndpointArgumentError} for a missing, unknown or bad argument.
 * @throws {EndpointStringError} for bad syntax.
 *
 * @example
 * ```ts
 * import { Factory, Protocol, reactor, serverFromString } from 'weft';
 * const endpoint = serverFromString(reactor, 'tcp:0:interface=127.0.0.1');
 * const port = await endpoint.listen(Factory.forProtocol(Protocol));
 * await port.stopListening();
 * ```
 */
export function serverFromString(
  reactor: EndpointReactor,
  description: string,
): IStreamServerEndpoint {
  const { type, args, kwargs } = splitType(description);
  const parser = serverParsers.get(type);
  if (parser === undefined) throw new UnknownEndpointTypeError(description, type);
  return parser.parseStreamServer(reactor, args, kwargs, description);
}

/**
 * The client endpoint `description` describes (Twisted's
 * `clientFromString`); the type is matched without regard to case.
 * Built-in types (see docs/endpoints.md for every key):
 *
 * - `tcp:HOST:PORT` or `tcp:host=HOST:port=PORT` (mixable)
 *   `[:timeout=SECONDS][:bindAddress=IP]` → {@link TCP4ClientEndpoint}
 * - `tcp6:...` (a weft addition, same keys) → {@link TCP6ClientEndpoint}
 * - `unix:PATH` or `unix:path=PATH` `[:timeout=SECONDS][:lockfile=0]` → {@link UNIXClientEndpoint}
 * - `tls:HOST:PORT[:timeout=SECONDS][:bindAddress=IP][:trustRoots=PATH][:certificate=PATH]
 *   [:privateKey=PATH][:endpoint=DESCRIPTION][:handshakeTimeout=SECONDS]` →
 *   `wrapClientTLS` over a `HostnameEndpoint`, verifying the server for `HOST`
 * - `process:EXECUTABLE[:ARG...]` `[:path=DIR][:stderr=log|drop][:env=inherit|empty]` → a
 *   `ProcessEndpoint` (a weft addition; the reactor must have `spawnProcess`)
 *
 * @throws {UnknownEndpointTypeError} for a type with no parser.
 * @throws {EndpointArgumentError} for a missing, unknown or bad argument.
 * @throws {EndpointStringError} for bad syntax.
 *
 * @example
 * ```ts
 * import { clientFromString, reactor } from 'weft';
 * const endpoint = clientFromString(reactor, 'tcp:host=127.0.0.1:port=8080:timeout=5');
 * console.log(endpoint);
 * ```
 */
export function clientFromString(
  reactor: EndpointReactor,
  description: string,
): IStreamClientEndpoint {
  const { type, args, kwargs } = splitType(description);
  const parser = clientParsers.get(type.toLowerCase());
  if (parser === undefined) throw new UnknownEndpointTypeError(description, type);
  return parser.parseStreamClient(reactor, args, kwargs, description);
}

/** Lock files (Twisted's `wantPID`/`checkPID`) are not supported: only `lockfile=0` is accepted. */
function refuseLockfile(description: string, bound: ReadonlyMap<string, string>): void {
  const value = bound.get('lockfile');
  if (value !== undefined && parseFlagArgument(description, 'lockfile', value)) {
    throw new EndpointArgumentError(
      description,
      'lockfile',
      'lockfile=1 is not supported: weft creates no lock files',
    );
  }
}

function backlogOf(description: string, bound: ReadonlyMap<string, string>): number {
  const value = bound.get('backlog');
  return value === undefined ? 50 : parseIntegerArgument(description, 'backlog', value);
}

function tcpServerParser(prefix: 'tcp' | 'tcp6'): IStreamServerEndpointStringParser {
  return {
    prefix,
    parseStreamServer(reactor, args, kwargs, description) {
      const bound = bindEndpointArguments(
        description,
        args,
        kwargs,
        ['port'],
        ['port', 'interface', 'backlog'],
      );
      const port = parsePortArgument(
        description,
        'port',
        requireEndpointArgument(description, bound, 'port'),
      );
      const iface = bound.get('interface');
      const options = {
        backlog: backlogOf(description, bound),
        ...(iface === undefined ? {} : { interface: iface }),
      };
      return prefix === 'tcp'
        ? new TCP4ServerEndpoint(reactor, port, options)
        : new TCP6ServerEndpoint(reactor, port, options);
    },
  };
}

const unixServerParser: IStreamServerEndpointStringParser = {
  prefix: 'unix',
  parseStreamServer(reactor, args, kwargs, description) {
    const bound = bindEndpointArguments(
      description,
      args,
      kwargs,
      ['address'],
      ['address', 'mode', 'backlog', 'lockfile'],
    );
    const address = requireEndpointArgument(description, bound, 'address');
    refuseLockfile(description, bound);
    const mode = bound.get('mode');
    return new UNIXServerEndpoint(reactor, address, {
      backlog: backlogOf(description, bound),
      mode: mode === undefined ? 0o666 : parseOctalArgument(description, 'mode', mode),
    });
  },
};

function tcpClientParser(prefix: 'tcp' | 'tcp6'): IStreamClientEndpointStringParser {
  return {
    prefix,
    parseStreamClient(reactor, args, kwargs, description) {
      // As Twisted: one positional argument is the port when host= is given, else the host.
      const positional = args.length === 1 && 'host' in kwargs ? ['port'] : ['host', 'port'];
      const bound = bindEndpointArguments(description, args, kwargs, positional, [
        'host',
        'port',
        'timeout',
        'bindAddress',
      ]);
      const host = requireEndpointArgument(description, bound, 'host');
      const port = parsePortArgument(
        description,
        'port',
        requireEndpointArgument(description, bound, 'port'),
      );
      const timeout = bound.get('timeout');
      const bindHost = bound.get('bindAddress');
      const options: TCPClientEndpointOptions = {
        ...(timeout === undefined
          ? {}
          : { timeout: parseSecondsArgument(description, 'timeout', timeout) }),
        ...(bindHost === undefined ? {} : { bindAddress: [bindHost, 0] as const }),
      };
      return prefix === 'tcp'
        ? new TCP4ClientEndpoint(reactor, host, port, options)
        : new TCP6ClientEndpoint(reactor, host, port, options);
    },
  };
}

const unixClientParser: IStreamClientEndpointStringParser = {
  prefix: 'unix',
  parseStreamClient(reactor, args, kwargs, description) {
    const bound = bindEndpointArguments(
      description,
      args,
      kwargs,
      ['path'],
      ['path', 'timeout', 'lockfile'],
    );
    const path = requireEndpointArgument(description, bound, 'path');
    refuseLockfile(description, bound);
    const timeout = bound.get('timeout');
    return new UNIXClientEndpoint(
      reactor,
      path,
      timeout === undefined
        ? {}
        : { timeout: parseSecondsArgument(description, 'timeout', timeout) },
    );
  },
};

function canSpawn(reactor: object): reactor is IReactorProcess {
  return typeof (reactor as Partial<IReactorProcess>).spawnProcess === 'function';
}

/**
 * `process:EXECUTABLE[:ARG...]`: every positional argument after the
 * executable is one of the child's arguments (its `argv[0]` is the
 * executable). Unlike `spawnProcess`, whose default is an empty
 * environment, the child inherits this process's environment unless
 * `env=empty`, since a string cannot spell one out.
 */
const processClientParser: IStreamClientEndpointStringParser = {
  prefix: 'process',
  parseStreamClient(reactor, args, kwargs, description) {
    const bound = bindEndpointArguments(
      description,
      [],
      kwargs,
      [],
      ['executable', 'path', 'stderr', 'env'],
    );
    const [first, ...rest] = args;
    const executable = bound.get('executable') ?? first;
    if (executable === undefined || executable === '') {
      throw new EndpointArgumentError(description, 'executable', 'No executable given');
    }
    const childArgs = bound.has('executable') ? args : rest;
    const stderr = bound.get('stderr') ?? 'log';
    if (stderr !== 'log' && stderr !== 'drop') {
      throw new EndpointArgumentError(description, 'stderr', 'stderr must be log or drop');
    }
    const env = bound.get('env') ?? 'inherit';
    if (env !== 'inherit' && env !== 'empty') {
      throw new EndpointArgumentError(description, 'env', 'env must be inherit or empty');
    }
    if (!canSpawn(reactor)) {
      throw new EndpointStringError(description, 'This reactor cannot spawn processes');
    }
    const path = bound.get('path');
    return new ProcessEndpoint(reactor, executable, [executable, ...childArgs], {
      stderr,
      env: env === 'inherit' ? null : {},
      ...(path === undefined ? {} : { path }),
    });
  },
};

registerServerEndpointParser(tcpServerParser('tcp'));
registerServerEndpointParser(tcpServerParser('tcp6'));
registerServerEndpointParser(unixServerParser);
registerServerEndpointParser(sslServerParser);
registerClientEndpointParser(tcpClientParser('tcp'));
registerClientEndpointParser(tcpClientParser('tcp6'));
registerClientEndpointParser(unixClientParser);
registerClientEndpointParser(tlsClientParser(clientFromString));
registerClientEndpointParser(processClientParser);
