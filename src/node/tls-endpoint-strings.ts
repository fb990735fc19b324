/**
 * The TLS endpoint string parsers: `ssl:` servers (Twisted's `_parseSSL`)
 * and `tls:` clients (Twisted's `_TLSClientEndpointParser`). Registered by
 * `endpoint-strings.ts` next to `tcp:` and `unix:`.
 *
 * Certificate, key and CA files named in a description are read when the
 * endpoint listens or connects (asynchronously), not while parsing as in
 * Twisted: a file that cannot be read or used fails `listen`/`connect` with
 * `TLSOptionsError`.
 *
 * @module
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import {
  bindEndpointArguments,
  parseIntegerArgument,
  parsePortArgument,
  parseSecondsArgument,
  requireEndpointArgument,
} from '../core/endpoint-parser.js';
import { EndpointArgumentError, EndpointStringError } from '../core/endpoint-errors.js';
import type { IStreamClientEndpoint } from '../core/interfaces/endpoint.js';
import type {
  ClientTLSOptions,
  IReactorSSL,
  ServerTLSOptions,
  TLSVersion,
} from '../core/interfaces/tls.js';
import type {
  EndpointReactor,
  IStreamClientEndpointStringParser,
  IStreamServerEndpointStringParser,
} from './endpoint-strings.js';
import { HostnameEndpoint } from './hostname-endpoint.js';
import { SSL4ServerEndpoint } from './tls-endpoints.js';
import { wrapClientTLS } from './tls-wrapping.js';

/** A parsed endpoint's arguments by name (what `bindEndpointArguments` returns). */
type Bound = ReadonlyMap<string, string>;

/**
 * Twisted's `sslmethod` values (pyOpenSSL method names) as weft's version
 * range: `undefined` for the default range (TLS 1.2 and 1.3), `null` for a
 * method that only allows versions weft refuses.
 */
const SSL_METHODS: ReadonlyMap<string, readonly [TLSVersion, TLSVersion] | undefined | null> =
  new Map<string, readonly [TLSVersion, TLSVersion] | undefined | null>([
    ['SSLv23_METHOD', undefined],
    ['TLS_METHOD', undefined],
    ['TLS_SERVER_METHOD', undefined],
    ['TLSv1_2_METHOD', ['TLSv1.2', 'TLSv1.2']],
    ['SSLv2_METHOD', null],
    ['SSLv3_METHOD', null],
    ['TLSv1_METHOD', null],
    ['TLSv1_1_METHOD', null],
  ]);

/** `{ minimumVersion, maximumVersion }` for `sslmethod=`, or `{}` for the default range. */
function versionsOf(
  description: string,
  method: string | undefined,
): { minimumVersion?: TLSVersion; maximumVersion?: TLSVersion } {
  if (method === undefined) return {};
  const range = SSL_METHODS.get(method);
  if (range === null) {
    throw new EndpointArgumentError(
      description,
      'sslmethod',
      `sslmethod=${method} allows only protocol versions weft refuses (it speaks TLS 1.2 and 1.3)`,
    );
  }
  if (range === undefined) {
    if (SSL_METHODS.has(method)) return {};
    throw new EndpointArgumentError(
      description,
      'sslmethod',
      `Unknown sslmethod ${JSON.stringify(method)} (accepted: SSLv23_METHOD, TLS_METHOD, ` +
        'TLS_SERVER_METHOD, TLSv1_2_METHOD)',
    );
  }
  return { minimumVersion: range[0], maximumVersion: range[1] };
}

/** `handshakeTimeout=` (a weft addition), or nothing for the default. */
function handshakeTimeoutOf(description: string, bound: Bound): { handshakeTimeout?: number } {
  const value = bound.get('handshakeTimeout');
  if (value === undefined) return {};
  return { handshakeTimeout: parseSecondsArgument(description, 'handshakeTimeout', value) };
}

function isReactorSSL(reactor: object): reactor is IReactorSSL {
  return typeof (reactor as { listenSSL?: unknown }).listenSSL === 'function';
}

/**
 * `ssl:PORT[:privateKey=PATH][:certKey=PATH][:sslmethod=NAME][:interface=IP][:backlog=N]
 * [:extraCertChain=PATH][:dhParameters=PATH][:handshakeTimeout=SECONDS]` →
 * {@link SSL4ServerEndpoint}. Positional arguments bind in that order, as in
 * Twisted. `privateKey` defaults to `server.pem`, `certKey` to the
 * `privateKey` file (one PEM file holding both).
 */
export const sslServerParser: IStreamServerEndpointStringParser = {
  prefix: 'ssl',
  parseStreamServer(reactor, args, kwargs, description) {
    const names = [
      'port',
      'privateKey',
      'certKey',
      'sslmethod',
      'interface',
      'backlog',
      'extraCertChain',
      'dhParameters',
    ];
    const bound = bindEndpointArguments(description, args, kwargs, names, [
      ...names,
      'handshakeTimeout',
    ]);
    const port = parsePortArgument(
      description,
      'port',
      requireEndpointArgument(description, bound, 'port'),
    );
    const privateKey = bound.get('privateKey') ?? 'server.pem';
    const certKey = bound.get('certKey') ?? privateKey;
    const chain = bound.get('extraCertChain');
    const dhParameters = bound.get('dhParameters');
    const backlog = bound.get('backlog');
    const iface = bound.get('interface');
    const tlsOptions: ServerTLSOptions = {
      certificate: chain === undefined ? certKey : [certKey, chain],
      privateKey,
      ...versionsOf(description, bound.get('sslmethod')),
      ...(dhParameters === undefined ? {} : { dhParameters }),
      ...handshakeTimeoutOf(description, bound),
    };
    if (!isReactorSSL(reactor)) {
      throw new EndpointStringError(
        description,
        'This reactor does not support TLS (no listenSSL)',
      );
    }
    return new SSL4ServerEndpoint(reactor, port, tlsOptions, {
      backlog: backlog === undefined ? 50 : parseIntegerArgument(description, 'backlog', backlog),
      ...(iface === undefined ? {} : { interface: iface }),
    });
  },
};

/** A host name as IDNA ASCII (`'bücher.example'` → `'xn--bcher-kva.example'`); IP literals as given. */
function asciiHost(description: string, host: string): string {
  if (isIP(host) !== 0) return host;
  const ascii = domainToASCII(host);
  if (ascii === '') {
    throw new EndpointArgumentError(
      description,
      'host',
      `Invalid host name ${JSON.stringify(host)}`,
    );
  }
  return ascii;
}

/** The client certificate of `certificate=`/`privateKey=` (Twisted's `_privateCertFromPaths`). */
function clientCertificateOf(
  description: string,
  bound: Bound,
): Pick<ClientTLSOptions, 'clientCertificate'> {
  const certificate = bound.get('certificate');
  const privateKey = bound.get('privateKey');
  if (certificate === undefined) {
    if (privateKey === undefined) return {};
    throw new EndpointArgumentError(
      description,
      'privateKey',
      'privateKey= needs certificate= (the client certificate it belongs to)',
    );
  }
  // As Twisted: without privateKey=, the certificate file holds the key too.
  return { clientCertificate: { certificate, privateKey: privateKey ?? certificate } };
}

/**
 * `tls:HOST:PORT[:timeout=SECONDS][:bindAddress=IP][:trustRoots=PATH][:certificate=PATH]
 * [:privateKey=PATH][:endpoint=DESCRIPTION][:handshakeTimeout=SECONDS]` →
 * `wrapClientTLS` over a `HostnameEndpoint` (or over the client endpoint
 * `endpoint=` describes, `HOST` then being only the name verified). The
 * server's certificate is verified for `HOST`, against the certificates in
 * `trustRoots` (a PEM file or a directory of `*.pem` files) or the
 * platform's trust store.
 */
export function tlsClientParser(
  clientFromString: (reactor: EndpointReactor, description: string) => IStreamClientEndpoint,
): IStreamClientEndpointStringParser {
  return {
    prefix: 'tls',
    parseStreamClient(reactor, args, kwargs, description) {
      const bound = bindEndpointArguments(
        description,
        args,
        kwargs,
        ['host', 'port'],
        [
          'host',
          'port',
          'timeout',
          'bindAddress',
          'certificate',
          'privateKey',
          'trustRoots',
          'endpoint',
          'handshakeTimeout',
        ],
      );
      const host = asciiHost(description, requireEndpointArgument(description, bound, 'host'));
      const trustRoots = bound.get('trustRoots');
      const tlsOptions: ClientTLSOptions = {
        hostname: host,
        ...(trustRoots === undefined ? {} : { trustRoot: trustRoots }),
        ...clientCertificateOf(description, bound),
        ...handshakeTimeoutOf(description, bound),
      };
      const inner = bound.get('endpoint');
      if (inner !== undefined) return wrapClientTLS(tlsOptions, clientFromString(reactor, inner));
      const port = parsePortArgument(
        description,
        'port',
        requireEndpointArgument(description, bound, 'port'),
      );
      const timeout = bound.get('timeout');
      const bindHost = bound.get('bindAddress');
      const endpoint = new HostnameEndpoint(reactor, host, port, {
        timeout: timeout === undefined ? 30 : parseSecondsArgument(description, 'timeout', timeout),
        ...(bindHost === undefined ? {} : { bindAddress: [bindHost, 0] as const }),
      });
      return wrapClientTLS(tlsOptions, endpoint);
    },
  };
}
