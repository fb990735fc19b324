/**
 * TLS on a reactor (Twisted's `IReactorSSL`, `ITLSTransport`,
 * `ISSLTransport`, `INegotiated`), and the options that describe a TLS
 * connection: certificates, verification, ALPN and SNI. The options are
 * plain data (no platform types), so endpoints and configuration files can
 * build them.
 *
 * @module
 */
import type { Deferred } from '../defer.js';
import type { IProtocolFactory } from './protocol.js';
import type { ConnectTCPOptions, ListenTCPOptions } from './reactor.js';
import type { IConnector, IListeningPort, IStreamTransport, ITCPTransport } from './transport.js';

/**
 * PEM data: the PEM text itself (a string containing `-----BEGIN`), its
 * bytes, or the path of a file holding it (any other string). Files are read
 * asynchronously, once per options object, when the options are first used.
 */
export type PEMSource = string | Uint8Array;

/** A TLS protocol version, by its OpenSSL name. */
export type TLSVersion = 'TLSv1.2' | 'TLSv1.3';

/** A certificate (with any intermediate certificates after it) and its private key. */
export interface TLSKeyPair {
  /**
   * The certificate, PEM: one source holding the leaf certificate followed
   * by its intermediates, or a list of sources (leaf first).
   */
  readonly certificate: PEMSource | readonly PEMSource[];
  /** The private key of the certificate, PEM. */
  readonly privateKey: PEMSource;
  /** The passphrase of an encrypted private key. */
  readonly passphrase?: string;
}

/** Options both ends of a TLS connection accept. */
export interface TLSCommonOptions {
  /**
   * The certificate authorities whose certificates are trusted to verify the
   * peer's certificate, PEM (one source may hold several certificates). A
   * path naming a directory stands for every `*.pem` file in it (Twisted's
   * `trustRoots=` directory); content that is not a certificate is ignored.
   * Default: the platform's trust store (Node's bundled Mozilla CA list,
   * Twisted's `platformTrust()`).
   */
  readonly trustRoot?: PEMSource | readonly PEMSource[];
  /**
   * ALPN protocol names this end accepts, most preferred first
   * (`['h2', 'http/1.1']`). The negotiated one is the transport's
   * `negotiatedProtocol`. A server picks the first of its own names that the
   * client also offered.
   */
  readonly acceptableProtocols?: readonly string[];
  /** Lowest protocol version accepted. Default `'TLSv1.2'`. */
  readonly minimumVersion?: TLSVersion;
  /** Highest protocol version offered. Default `'TLSv1.3'`. */
  readonly maximumVersion?: TLSVersion;
  /**
   * Seconds the TLS handshake may take, counted on the reactor's clock from
   * the moment TLS starts on the connection (the TCP or UNIX connection is
   * up, or `startTLS` was called). A handshake still unfinished then ends the
   * connection with `connectionLost(TLSHandshakeTimeoutError)`. Default 30;
   * `Infinity` turns the limit off. A negative value or `NaN` is refused
   * with `TLSOptionsError`.
   */
  readonly handshakeTimeout?: number;
}

/**
 * How a TLS client connects (Twisted's `optionsForClientTLS`).
 *
 * The server's certificate is verified by default: it must chain to
 * {@link TLSCommonOptions.trustRoot} (the platform's trust store unless
 * given) and be valid for {@link ClientTLSOptions.hostname}. A connection
 * that fails verification ends, after `connectionMade`, with
 * `connectionLost(CertificateVerificationError)`.
 */
export interface ClientTLSOptions extends TLSCommonOptions {
  /**
   * The name the server's certificate must be valid for, also sent as SNI.
   * Default: the host given to `connectSSL` (for `startTLS`, the peer's IP
   * address). An IP literal is checked against the certificate's IP
   * subjectAltNames and is not sent as SNI.
   */
  readonly hostname?: string;
  /**
   * `false` turns verification of the server's certificate off: any
   * certificate, for any name, is accepted. Only for tests and for peers
   * authenticated some other way. Default `true`.
   */
  readonly verify?: boolean;
  /** A certificate to present when the server asks for one. */
  readonly clientCertificate?: TLSKeyPair;
}

/**
 * Whether a TLS server asks its clients for a certificate:
 * - `'none'`: it does not ask.
 * - `'request'`: it asks; a client may send none, but a certificate it sends
 *   must verify against the server's `trustRoot`.
 * - `'require'`: a client must send a certificate that verifies.
 */
export type ClientAuthenticationMode = 'none' | 'request' | 'require';

/** How a TLS server accepts connections (Twisted's `CertificateOptions`). */
export interface ServerTLSOptions extends TLSCommonOptions, TLSKeyPair {
  /** Whether clients are asked for a certificate. Default `'none'`. */
  readonly clientAuthentication?: ClientAuthenticationMode;
  /**
   * Certificates chosen by the name the client asks for (SNI): keys are host
   * names, or wildcards of one label (`'*.example.com'`). A client asking for
   * no name, or for a name not listed, gets the default
   * {@link TLSKeyPair.certificate}.
   */
  readonly sni?: Readonly<Record<string, TLSKeyPair>>;
  /**
   * Diffie-Hellman parameters, PEM (`-----BEGIN DH PARAMETERS-----`, as
   * `openssl dhparam` writes them), which enable the finite-field `DHE`
   * cipher suites of TLS 1.2 (Twisted's `dhParameters`). Without them only
   * the elliptic-curve (`ECDHE`) suites give forward secrecy, which every
   * current client supports; TLS 1.3 does not use them. Passed to Node as
   * its `dhparam`.
   */
  readonly dhParameters?: PEMSource;
}

/** Options of {@link ITLSTransport.startTLS}. */
export interface StartTLSOptions {
  /**
   * Whether this end is the TLS server. Default: the TCP role (a connection
   * accepted by a port is the server), as in Twisted.
   */
  readonly server?: boolean;
  /**
   * Bytes already received in clear that belong to the TLS stream: what the
   * protocol received after the message that started TLS, in the same
   * `dataReceived` call (for example the rest of a line receiver's buffer,
   * when the peer sent its first TLS record right behind its "go ahead"
   * line). They are decrypted before anything read later.
   */
  readonly received?: Uint8Array;
}

/** The peer's certificate, as a TLS transport reports it. */
export interface TLSPeerCertificate {
  /** Subject fields (`CN`, `O`, ...); a field that occurs twice has an array. */
  readonly subject: Readonly<Record<string, string | readonly string[]>>;
  /** Issuer fields, as {@link TLSPeerCertificate.subject}. */
  readonly issuer: Readonly<Record<string, string | readonly string[]>>;
  /** The subjectAltName extension as text (`'DNS:localhost, IP Address:127.0.0.1'`), if any. */
  readonly subjectAltName: string | undefined;
  /** Start of validity, as the certificate gives it (`'Nov 21 02:52:10 2026 GMT'`). */
  readonly validFrom: string;
  /** End of validity, as {@link TLSPeerCertificate.validFrom}. */
  readonly validTo: string;
  /** Serial number, upper-case hexadecimal. */
  readonly serialNumber: string;
  /** SHA-256 fingerprint, colon-separated upper-case hexadecimal. */
  readonly fingerprint256: string;
  /** The certificate, DER-encoded. */
  readonly raw: Uint8Array;
}

/**
 * A stream transport that can carry TLS: its connection can be upgraded in
 * place (STARTTLS), and once TLS is on it tells the peer's certificate and
 * the ALPN protocol. TCP transports provide it as {@link ITLSTransport};
 * UNIX stream transports provide it too.
 */
export interface IStartTLSTransport extends IStreamTransport {
  /**
   * Starts TLS on this connection now. Everything written before the call
   * is sent in clear (first), everything written after it is encrypted; the
   * bytes the peer sends after its own switch are decrypted, none lost or
   * reordered, including those already received (see
   * {@link StartTLSOptions.received}). The protocol stays the same; if it is
   * an `IHandshakeListener` it gets `handshakeCompleted()` once the
   * handshake is done. A failed handshake ends the connection with
   * `connectionLost(TLSHandshakeError)` (or `CertificateVerificationError`).
   *
   * `options` are {@link ServerTLSOptions} for the server role,
   * {@link ClientTLSOptions} for the client role.
   *
   * @throws {InvalidStateError} if TLS is already on, or the connection is closing.
   * @throws {TypeError} for the server role without a certificate and key.
   */
  startTLS(options: ClientTLSOptions | ServerTLSOptions, startOptions?: StartTLSOptions): void;
  /**
   * The peer's certificate, once the handshake has completed and if the peer
   * sent one; `null` otherwise (and on a connection without TLS).
   */
  getPeerCertificate(): TLSPeerCertificate | null;
  /** The ALPN protocol both ends agreed on, or `null` (none, or the handshake is not done). */
  readonly negotiatedProtocol: string | null;
}

/** Whether `transport` can start TLS ({@link IStartTLSTransport}). */
export function isStartTLSTransport(transport: unknown): transport is IStartTLSTransport {
  return (
    typeof transport === 'object' &&
    transport !== null &&
    typeof (transport as { startTLS?: unknown }).startTLS === 'function'
  );
}

/**
 * A TCP transport that can carry TLS (Twisted's `ITLSTransport`,
 * `ISSLTransport` and `INegotiated` together): see
 * {@link IStartTLSTransport}.
 */
export interface ITLSTransport
  extends ITCPTransport, Omit<IStartTLSTransport, 'getHost' | 'getPeer'> {}

/**
 * TLS connections on a reactor: TLS from the first byte, over TCP
 * (Twisted's `IReactorSSL`). Lifecycle and ordering are TCP's; the
 * protocol's `connectionMade` comes when the TCP connection is up, with
 * writes sent once the handshake completes.
 */
export interface IReactorSSL {
  /**
   * Listens on TCP `port` and speaks TLS as a server on each connection; as
   * `listenTCP` otherwise. The Deferred fails with `TLSOptionsError` when a
   * certificate or key cannot be read or used, or with `CannotListenError`.
   */
  listenSSL(
    port: number,
    factory: IProtocolFactory,
    options: ServerTLSOptions,
    listenOptions?: ListenTCPOptions,
  ): Deferred<IListeningPort>;
  /**
   * Connects to `host` at `port` and speaks TLS as a client; as `connectTCP`
   * otherwise. The server's certificate is verified against `host` unless
   * `options` say otherwise.
   */
  connectSSL(
    host: string,
    port: number,
    factory: IProtocolFactory,
    options: ClientTLSOptions,
    connectOptions?: ConnectTCPOptions,
  ): IConnector;
}
