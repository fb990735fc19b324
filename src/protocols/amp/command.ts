/**
 * AMP commands, declared as plain typed objects (Twisted's `Command`
 * subclasses, without a metaclass): the type checker reads the argument and
 * response types from the declaration.
 *
 * @module
 */
import type { ArgumentMap, ArgumentValues } from './arguments.js';
import type { AmpBox } from './box.js';

/**
 * What AMP does around a command besides sending it and answering it:
 * - `'plain'`: nothing;
 * - `'startTLS'`: the connection switches to TLS after the answer
 *   (see {@link StartTLS});
 * - `'protocolSwitch'`: the connection is handed to another protocol after
 *   the answer (see {@link protocolSwitchCommand}).
 */
export type CommandKind = 'plain' | 'startTLS' | 'protocolSwitch';

/** A class of error that may travel as an AMP error: built from the peer's description. */
export type AmpErrorClass = new (description: string) => Error;

/**
 * Wire error codes to error classes (`{ ZERO_DIVISION: DivisionByZero }`):
 * a responder throwing an instance of a class here answers with its code,
 * and a caller receiving that code gets `new Class(description)`. When
 * several classes match a thrown error, the first listed wins.
 */
export type ErrorMap = Readonly<Record<string, AmpErrorClass>>;

/**
 * A command: its name on the wire, its argument and response schemas, the
 * errors it may answer with, and whether it wants an answer.
 *
 * Declare one with {@link command}, which keeps the literal types.
 */
export interface Command<
  A extends ArgumentMap = ArgumentMap,
  R extends ArgumentMap = ArgumentMap,
  N extends boolean = boolean,
> {
  /** The `_command` value (ASCII in practice). */
  readonly name: string;
  /** The arguments, by wire name. */
  readonly arguments: A;
  /** The response's values, by wire name. */
  readonly response: R;
  /** Errors a responder may answer with; the connection stays up. */
  readonly errors: ErrorMap;
  /** Errors a responder may answer with, closing the connection after sending. */
  readonly fatalErrors: ErrorMap;
  /**
   * Whether `callRemote` asks for an answer (sends `_ask`) and returns a
   * Deferred. When false, it sends no `_ask` and returns nothing; responders
   * still produce a response, as a peer may ask anyway.
   */
  readonly requiresAnswer: N;
  /** What AMP does around the command (default `'plain'`); set by the functions that make such commands. */
  readonly kind?: CommandKind;
  /**
   * Makes the box a responder's answer is written into, from the
   * responder's values (Twisted's `responseType`): a box that does
   * something once sent, such as starting TLS. Default: a plain box.
   */
  readonly responseType?: (values: Readonly<Record<string, unknown>>) => AmpBox;
}

/** The schema of a command without arguments (or without response values). */
export type NoArguments = Readonly<Record<string, never>>;

/**
 * The schema `A` with the local arguments `L` added: `L` alone when `A` is
 * {@link NoArguments} (whose index signature would swallow `L`'s keys).
 */
export type WithLocal<A extends ArgumentMap, L extends ArgumentMap> = string extends keyof A
  ? L
  : A & L;

/** What {@link command} takes: `name` and whichever other fields differ from their defaults. */
export interface CommandSpec<A extends ArgumentMap, R extends ArgumentMap, N extends boolean> {
  /** The `_command` value. */
  readonly name: string;
  /** The arguments (default none). */
  readonly arguments?: A;
  /** The response values (default none). */
  readonly response?: R;
  /** Recoverable errors (default none). */
  readonly errors?: ErrorMap;
  /** Errors that close the connection (default none). */
  readonly fatalErrors?: ErrorMap;
  /** Whether an answer is asked for (default true). */
  readonly requiresAnswer?: N;
}

/** The arguments object a command takes. */
export type ArgumentsOf<C> = C extends Command<infer A> ? ArgumentValues<A> : never;
/** The response object a command answers with. */
export type ResponseOf<C> = C extends Command<ArgumentMap, infer R> ? ArgumentValues<R> : never;

/**
 * Declares a command. The argument and response types come from the
 * schemas, so `callRemote(Sum, { a: 1, b: 2 })` is typed
 * `Deferred<{ total: number }>` and a wrong argument does not compile.
 *
 * @throws {TypeError} if the name is empty, or an error code is listed in
 *   both `errors` and `fatalErrors`.
 *
 * @example
 * ```ts
 * class DivisionByZero extends Error {}
 * const Divide = command({
 *   name: 'Divide',
 *   arguments: { numerator: new Integer(), denominator: new Integer() },
 *   response: { result: new Float() },
 *   errors: { ZERO_DIVISION: DivisionByZero },
 * });
 * ```
 */
export function command<
  const A extends ArgumentMap = NoArguments,
  const R extends ArgumentMap = NoArguments,
  const N extends boolean = true,
>(spec: CommandSpec<A, R, N>): Command<A, R, N> {
  if (spec.name === '') throw new TypeError('a command needs a name');
  const errors = spec.errors ?? {};
  const fatalErrors = spec.fatalErrors ?? {};
  for (const code of Object.keys(fatalErrors)) {
    if (Object.hasOwn(errors, code)) {
      throw new TypeError(`error code ${code} is both in errors and fatalErrors`);
    }
  }
  return Object.freeze({
    name: spec.name,
    arguments: spec.arguments ?? ({} as A),
    response: spec.response ?? ({} as R),
    errors,
    fatalErrors,
    requiresAnswer: spec.requiresAnswer ?? (true as N),
  });
}
