/**
 * Addresses of connection endpoints (Twisted's `twisted.internet.address`):
 * plain value objects, compared with `equals`.
 *
 * @module
 */

/** Any endpoint address: a TCP/UDP host and port, a UNIX socket path, ... */
export interface IAddress {
  /** A readable form, e.g. `IPv4Address(TCP, '127.0.0.1', 8080)`. */
  toString(): string;
  /** Whether `other` is the same address. */
  equals(other: unknown): boolean;
}

/** The transport kind of an IP address. */
export type IPTransportType = 'TCP' | 'UDP';

/** An IPv4 host and port. */
export class IPv4Address implements IAddress {
  /** `'TCP'` or `'UDP'`. */
  readonly type: IPTransportType;
  /** Dotted-quad host, e.g. `'127.0.0.1'`. */
  readonly host: string;
  /** Port number (0-65535). */
  readonly port: number;

  constructor(type: IPTransportType, host: string, port: number) {
    this.type = type;
    this.host = host;
    this.port = port;
  }

  equals(other: unknown): boolean {
    return (
      other instanceof IPv4Address &&
      other.type === this.type &&
      other.host === this.host &&
      other.port === this.port
    );
  }

  toString(): string {
    return `IPv4Address(${this.type}, '${this.host}', ${String(this.port)})`;
  }
}

/** An IPv6 host and port, with the flow label and scope of `sockaddr_in6`. */
export class IPv6Address implements IAddress {
  /** `'TCP'` or `'UDP'`. */
  readonly type: IPTransportType;
  /** The host, e.g. `'::1'` (a zone, if any, is in `scopeID`). */
  readonly host: string;
  /** Port number (0-65535). */
  readonly port: number;
  /** The IPv6 flow label (0 unless set). */
  readonly flowInfo: number;
  /** The zone/scope (interface) id, 0 or a name, for link-local addresses. */
  readonly scopeID: number | string;

  constructor(
    type: IPTransportType,
    host: string,
    port: number,
    flowInfo = 0,
    scopeID: number | string = 0,
  ) {
    this.type = type;
    this.host = host;
    this.port = port;
    this.flowInfo = flowInfo;
    this.scopeID = scopeID;
  }

  equals(other: unknown): boolean {
    return (
      other instanceof IPv6Address &&
      other.type === this.type &&
      other.host === this.host &&
      other.port === this.port &&
      other.flowInfo === this.flowInfo &&
      other.scopeID === this.scopeID
    );
  }

  toString(): string {
    return `IPv6Address(${this.type}, '${this.host}', ${String(this.port)})`;
  }
}

/** A UNIX-domain socket path (or `null` for an unnamed socket). */
export class UNIXAddress implements IAddress {
  /** The socket's path, or `null` when unnamed (e.g. the client side). */
  readonly name: string | null;

  constructor(name: string | null) {
    this.name = name;
  }

  equals(other: unknown): boolean {
    return other instanceof UNIXAddress && other.name === this.name;
  }

  toString(): string {
    return `UNIXAddress(${this.name === null ? 'null' : `'${this.name}'`})`;
  }
}

/** A host name and port, before resolution (what a client endpoint was asked to reach). */
export class HostnameAddress implements IAddress {
  /** The name as given. */
  readonly hostname: string;
  /** Port number. */
  readonly port: number;

  constructor(hostname: string, port: number) {
    this.hostname = hostname;
    this.port = port;
  }

  equals(other: unknown): boolean {
    return (
      other instanceof HostnameAddress &&
      other.hostname === this.hostname &&
      other.port === this.port
    );
  }

  toString(): string {
    return `HostnameAddress('${this.hostname}', ${String(this.port)})`;
  }
}

/** The address class for an IP literal: {@link IPv6Address} if it contains ':', else {@link IPv4Address}. */
export function ipAddress(
  type: IPTransportType,
  host: string,
  port: number,
): IPv4Address | IPv6Address {
  return host.includes(':') ? new IPv6Address(type, host, port) : new IPv4Address(type, host, port);
}
