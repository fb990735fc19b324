/**
 * `StartTLS`: the AMP command that switches a connection to TLS (Twisted's
 * `amp.StartTLS`), and how its local arguments become TLS options.
 *
 * @module
 */
import type {
  ClientTLSOptions,
  ITLSTransport,
  PEMSource,
  ServerTLSOptions,
  TLSKeyPair,
} from '../../core/interfaces/tls.js';
import type { ITransport } from '../../core/interfaces/transport.js';
import { LocalArgument, type ArgumentMap, type ArgumentValues } from './arguments.js';
import { AmpBox } from './box.js';
import {
  command,
  type Command,
  type CommandSpec,
  type NoArguments,
  type WithLocal,
} from './command.js';
import { OnlyOneTLS, TLS_ERROR_CODE, TLSNotAvailable } from './errors.js';

/**
 * The local arguments of a StartTLS command, taken by the caller and
 * returned by the responder; none goes on the wire (Twisted's
 * `tls_localCertificate` and `tls_verifyAuthorities`, plus weft's
 * `tls_hostname`).
 */
// A type, not an interface: only type literals are assignable to ArgumentMap's index signature.
// eslint-disable-next-line @typescript-eslint/consistent-type-definitions
export type StartTLSArguments = {
  /**
   * This side's certificate and key (Twisted's `PrivateCertificate`).
   * Required on the TLS server side (the side that accepted the TCP
   * connection); on the client side it is sent if the server asks for one.
   */
  readonly tls_localCertificate: LocalArgument<TLSKeyPair, true>;
  /**
   * The certificate authorities the peer's certificate must chain to, PEM.
   * When given, the peer must present a certificate that does (a TLS server
   * then requires a client certificate); when left out, the peer is not
   * verified, as in Twisted.
   */
  readonly tls_verifyAuthorities: LocalArgument<PEMSource | readonly PEMSource[], true>;
  /**
   * The TLS client side only: the name the server's certificate must be
   * valid for, also sent as SNI (default: the peer's IP address). Twisted
   * checks no name; weft does when it verifies.
   */
  readonly tls_hostname: LocalArgument<string, true>;
};

/** The values of {@link StartTLSArguments}. */
export type StartTLSValues = ArgumentValues<StartTLSArguments>;

/** A StartTLS command: {@link StartTLSArguments} added to its own arguments and response. */
export type StartTLSCommand<
  A extends ArgumentMap = StartTLSArguments,
  R extends ArgumentMap = StartTLSArguments,
> = Command<A, R, true>;

const TLS_ARGUMENTS: StartTLSArguments = Object.freeze({
  tls_localCertificate: new LocalArgument<TLSKeyPair, true>({ optional: true }),
  tls_verifyAuthorities: new LocalArgument<PEMSource | readonly PEMSource[], true>({
    optional: true,
  }),
  tls_hostname: new LocalArgument<string, true>({ optional: true }),
});

/**
 * An answer box that starts TLS once sent (Twisted's `_TLSBox`): it holds
 * the responder's TLS options, which never go on the wire.
 */
export class TLSBox extends AmpBox {
  /** The TLS options this side starts TLS with. */
  options: ClientTLSOptions | ServerTLSOptions = tlsOptions({});
}

/**
 * The TLS options for StartTLS's local arguments, usable in either TLS role
 * (Twisted's `PrivateCertificate.options(*authorities)`):
 * `tls_localCertificate` is the server's certificate or the client's
 * certificate; `tls_verifyAuthorities` turns verification of the peer on
 * (`trustRoot`, a client certificate required by a server); without it the
 * peer is not verified.
 *
 * @example
 * ```ts
 * declare const ca: string;
 * const options = tlsOptions({ tls_verifyAuthorities: ca });
 * // { verify: true, trustRoot: ca, clientAuthentication: 'require' }
 * ```
 */
export function tlsOptions(values: StartTLSValues): ClientTLSOptions | ServerTLSOptions {
  const local = values.tls_localCertificate;
  const authorities = values.tls_verifyAuthorities;
  const hostname = values.tls_hostname;
  return {
    ...(local === undefined
      ? {}
      : {
          certificate: local.certificate,
          privateKey: local.privateKey,
          ...(local.passphrase === undefined ? {} : { passphrase: local.passphrase }),
          clientCertificate: local,
        }),
    verify: authorities !== undefined,
    ...(authorities === undefined
      ? {}
      : { trustRoot: authorities, clientAuthentication: 'require' as const }),
    ...(hostname === undefined ? {} : { hostname }),
  };
}

/**
 * Declares a StartTLS command (Twisted's "use, or subclass, me"): `spec`'s
 * own arguments and response plus {@link StartTLSArguments}. The caller
 * holds every box it sends after the command until the answer, then starts
 * TLS and sends them encrypted; the responder sends its answer in clear,
 * then starts TLS with the options its responder returned. A failed
 * StartTLS (an error answer) starts nothing.
 *
 * @throws {TypeError} as {@link command}, and if `requiresAnswer` is false.
 */
export function startTLSCommand<
  const A extends ArgumentMap = NoArguments,
  const R extends ArgumentMap = NoArguments,
>(
  spec: CommandSpec<A, R, true>,
): StartTLSCommand<WithLocal<A, StartTLSArguments>, WithLocal<R, StartTLSArguments>> {
  if ((spec.requiresAnswer as boolean | undefined) === false)
    throw new TypeError('a StartTLS command requires an answer');
  const base = command({
    ...spec,
    arguments: { ...spec.arguments, ...TLS_ARGUMENTS } as WithLocal<A, StartTLSArguments>,
    response: { ...spec.response, ...TLS_ARGUMENTS } as WithLocal<R, StartTLSArguments>,
    errors: { [TLS_ERROR_CODE]: TLSNotAvailable, ...spec.errors },
    requiresAnswer: true,
  });
  return Object.freeze({
    ...base,
    kind: 'startTLS' as const,
    responseType: (values: Readonly<Record<string, unknown>>): AmpBox => {
      const box = new TLSBox();
      box.options = tlsOptions(values);
      return box;
    },
  });
}

/**
 * Twisted's `amp.StartTLS`: switches the connection to TLS. Nothing answers
 * it until a responder is registered (Twisted answers with a throwaway
 * self-signed certificate it makes on the spot; weft has no way to make one
 * without a crypto library, so it answers `UNHANDLED`).
 *
 * @example
 * ```ts
 * declare const amp: AMP;
 * declare const ca: string;
 * amp.callRemote(StartTLS, { tls_verifyAuthorities: ca }).addCallback(() => {
 *   // Everything sent from here on is encrypted.
 * });
 * ```
 */
export const StartTLS: StartTLSCommand = startTLSCommand({ name: 'StartTLS' });

/** Whether `transport` can start TLS (has `startTLS`): feature detection, as Twisted's `ITLSTransport.providedBy`. */
export function isTLSTransport(transport: ITransport | undefined): transport is ITLSTransport {
  return typeof (transport as Partial<ITLSTransport> | undefined)?.startTLS === 'function';
}

/**
 * Why TLS cannot start on `transport` (an error to fail or answer with), or
 * `null` if it can.
 */
export function tlsProblem(
  transport: ITransport | undefined,
  started: boolean,
): TLSNotAvailable | OnlyOneTLS | null {
  if (started) return new OnlyOneTLS('TLS may only be started once per connection');
  if (!isTLSTransport(transport)) {
    return new TLSNotAvailable('TLS not available: this connection cannot start TLS');
  }
  return null;
}
