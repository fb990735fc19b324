/**
 * TLS options (plain data, `weft/core`'s {@link ClientTLSOptions} and
 * {@link ServerTLSOptions}) made into Node secure contexts: PEM files read
 * asynchronously, one context per options object, cached.
 *
 * @module
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecureContext, SecureContextOptions } from 'node:tls';
import { createSecureContext } from 'node:tls';
import type {
  ClientTLSOptions,
  PEMSource,
  ServerTLSOptions,
  TLSCommonOptions,
  TLSKeyPair,
} from '../core/interfaces/tls.js';
import { TLSOptionsError } from '../core/tls-errors.js';
import { errorCode } from './errors.js';

/** Client options with their secure context. */
export interface ClientTLSContext {
  /** The options as given. */
  readonly options: ClientTLSOptions;
  /** Trust roots, minimum and maximum version, and the client certificate if any. */
  readonly context: SecureContext;
}

/** Server options with their secure contexts. */
export interface ServerTLSContext {
  /** The options as given. */
  readonly options: ServerTLSOptions;
  /** The default certificate, the trust roots for client certificates, the versions. */
  readonly context: SecureContext;
  /** The context of each SNI name (as the options give it, wildcards included). */
  readonly sni: ReadonlyMap<string, SecureContext>;
}

type Loaded<T> = T | Promise<T>;

const clientCache = new WeakMap<ClientTLSOptions, Loaded<ClientTLSContext>>();
const serverCache = new WeakMap<ServerTLSOptions, Loaded<ServerTLSContext>>();

function isPEMText(source: string): boolean {
  return source.includes('-----BEGIN');
}

/** Sources that name files, which must be read first. */
function pathsIn(sources: readonly (PEMSource | undefined)[]): string[] {
  return sources.filter((s): s is string => typeof s === 'string' && !isPEMText(s));
}

function listOf(source: PEMSource | readonly PEMSource[] | undefined): readonly PEMSource[] {
  if (source === undefined) return [];
  return typeof source === 'string' || source instanceof Uint8Array ? [source] : source;
}

/** Every PEM source the options name, for reading files up front. */
function sourcesOf(options: TLSCommonOptions, pairs: readonly (TLSKeyPair | undefined)[]) {
  const all: PEMSource[] = [...listOf(options.trustRoot)];
  for (const pair of pairs) {
    if (pair === undefined) continue;
    all.push(...listOf(pair.certificate), pair.privateKey);
  }
  return all;
}

/** File contents by path, read once per load. */
type Files = ReadonlyMap<string, Buffer>;

function pem(source: PEMSource, files: Files): string | Buffer {
  if (typeof source !== 'string')
    return Buffer.from(source.buffer, source.byteOffset, source.length);
  if (isPEMText(source)) return source;
  const data = files.get(source);
  if (data === undefined) throw new TypeError(`PEM file ${source} was not read`);
  return data;
}

function joined(sources: readonly PEMSource[], files: Files): string | Buffer {
  const parts = sources.map((s) => pem(s, files));
  if (parts.length === 1) return parts[0] as string | Buffer;
  return parts.map((p) => (typeof p === 'string' ? p : p.toString('latin1'))).join('\n');
}

/** The handshake limit in seconds. @throws {TLSOptionsError} for a negative value or NaN. */
export function handshakeTimeoutOf(options: TLSCommonOptions): number {
  const timeout = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
  if (!(timeout >= 0)) {
    throw new TLSOptionsError(
      `handshakeTimeout must be a number of seconds >= 0, got ${String(timeout)}`,
    );
  }
  return timeout;
}

/** Seconds a TLS handshake may take unless the options say otherwise. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 30;

function contextOf(
  options: TLSCommonOptions,
  pair: TLSKeyPair | undefined,
  files: Files,
  what: string,
  dhParameters?: PEMSource,
): SecureContext {
  handshakeTimeoutOf(options);
  const roots = listOf(options.trustRoot);
  const secure: SecureContextOptions = {
    ...(dhParameters === undefined ? {} : { dhparam: pem(dhParameters, files) }),
    minVersion: options.minimumVersion ?? 'TLSv1.2',
    maxVersion: options.maximumVersion ?? 'TLSv1.3',
    ...(roots.length === 0 ? {} : { ca: roots.map((s) => pem(s, files)) }),
    ...(pair === undefined
      ? {}
      : {
          cert: joined(listOf(pair.certificate), files),
          key: pem(pair.privateKey, files),
          ...(pair.passphrase === undefined ? {} : { passphrase: pair.passphrase }),
        }),
  };
  try {
    return createSecureContext(secure);
  } catch (e) {
    throw optionsError(`Cannot use the ${what}`, e);
  }
}

function optionsError(what: string, e: unknown): TLSOptionsError {
  if (e instanceof TLSOptionsError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new TLSOptionsError(`${what}: ${message}`, { code: errorCode(e), cause: e });
}

/** A file's contents; for a directory, its `*.pem` files (any case), joined, in name order. */
async function readPEM(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    if (errorCode(e) !== 'EISDIR') throw e;
  }
  const names = (await readdir(path)).filter((n) => n.toLowerCase().endsWith('.pem')).sort();
  const parts: Buffer[] = [];
  for (const name of names) {
    try {
      parts.push(await readFile(join(path, name)), Buffer.from('\n'));
    } catch {
      // As Twisted's trustRoots directory: a file that cannot be read is skipped.
    }
  }
  return Buffer.concat(parts);
}

/** Reads `paths`: synchronously nothing when there are none, else a promise of the contents. */
function readAll(paths: readonly string[]): Loaded<Files> {
  if (paths.length === 0) return new Map();
  return Promise.all(
    paths.map(async (path) => {
      try {
        return [path, await readPEM(path)] as const;
      } catch (e) {
        throw optionsError(`Cannot read the PEM file ${path}`, e);
      }
    }),
  ).then((entries) => new Map(entries));
}

/**
 * Loads once per options object: synchronously when every source is PEM
 * text or bytes, else through a promise (a failed load is not cached, so a
 * later use tries again).
 */
function cached<O extends object, T>(
  cache: WeakMap<O, Loaded<T>>,
  options: O,
  paths: readonly string[],
  make: (files: Files) => T,
): Loaded<T> {
  const known = cache.get(options);
  if (known !== undefined) return known;
  const files = readAll(paths);
  if (!(files instanceof Promise)) {
    const value = make(files);
    cache.set(options, value);
    return value;
  }
  const loading = files.then(make);
  cache.set(options, loading);
  loading.then(
    (value) => cache.set(options, value),
    () => cache.delete(options),
  );
  return loading;
}

/**
 * The secure context for client `options`.
 *
 * @throws {TLSOptionsError} (or rejects with it) when a source cannot be read or used.
 */
export function clientContext(options: ClientTLSOptions): Loaded<ClientTLSContext> {
  const paths = pathsIn(sourcesOf(options, [options.clientCertificate]));
  return cached(clientCache, options, paths, (files) => ({
    options,
    context: contextOf(options, options.clientCertificate, files, 'client TLS options'),
  }));
}

/**
 * The secure contexts for server `options`.
 *
 * @throws {TLSOptionsError} (or rejects with it) when a source cannot be read or used.
 */
export function serverContext(options: ServerTLSOptions): Loaded<ServerTLSContext> {
  const named = Object.entries(options.sni ?? {});
  const paths = pathsIn([
    ...sourcesOf(options, [options, ...named.map(([, pair]) => pair)]),
    options.dhParameters,
  ]);
  return cached(serverCache, options, paths, (files) => ({
    options,
    context: contextOf(options, options, files, 'server TLS options', options.dhParameters),
    sni: new Map(
      named.map(([name, pair]) => [
        name.toLowerCase(),
        contextOf(options, pair, files, `SNI certificate for ${name}`),
      ]),
    ),
  }));
}

/**
 * The context for the SNI name `servername`: an exact entry, else a
 * wildcard one label wide, else `undefined` (the default certificate).
 */
export function sniContext(
  loaded: ServerTLSContext,
  servername: string,
): SecureContext | undefined {
  const name = servername.toLowerCase();
  const exact = loaded.sni.get(name);
  if (exact !== undefined) return exact;
  const dot = name.indexOf('.');
  return dot < 0 ? undefined : loaded.sni.get(`*${name.slice(dot)}`);
}
