/**
 * `Failure`: a thrown value travelling down a Deferred's errback chain.
 *
 * @module
 */
import { NoCurrentExceptionError } from './errors.js';

/** A class that `Failure.check`/`trap` can match: any constructor, or an error's `name`. */
export type ErrorType = (abstract new (...args: never[]) => unknown) | string;

/** Failures re-thrown by {@link Failure.raiseException}, so catching the value finds the same Failure. */
const raised = new WeakMap<object, Failure>();

function typeOf(value: unknown): ErrorType {
  if (typeof value === 'object' && value !== null) {
    const ctor = (value as { constructor?: unknown }).constructor;
    if (typeof ctor === 'function') return ctor as abstract new () => unknown;
    return 'Object';
  }
  return typeof value;
}

function typeName(type: ErrorType): string {
  return typeof type === 'string' ? type : type.name;
}

/** Names matching `value` for string checks: its `name` and each class name up its prototype chain. */
function namesOf(value: unknown): string[] {
  const out: string[] = [];
  if (typeof value !== 'object' || value === null) {
    out.push(typeof value);
    return out;
  }
  const own = (value as { name?: unknown }).name;
  if (typeof own === 'string') out.push(own);
  for (let p: unknown = Object.getPrototypeOf(value); p !== null; p = Object.getPrototypeOf(p)) {
    const ctor = (p as { constructor?: unknown }).constructor;
    if (typeof ctor === 'function') out.push(ctor.name);
    const protoName = Object.getOwnPropertyDescriptor(p, 'name')?.value as unknown;
    if (typeof protoName === 'string') out.push(protoName);
  }
  return out;
}

/**
 * A thrown value (usually an `Error`) wrapped for the errback chain, as in
 * Twisted's `twisted.python.failure.Failure`.
 *
 * Errbacks receive a Failure; `trap` and `check` select by class; an errback
 * that returns a Failure (or throws) keeps the chain on the error path.
 *
 * @example
 * ```ts
 * const d = new Deferred<string>();
 * d.addErrback((f) => {
 *   f.trap(ConnectionRefusedError); // anything else passes on unchanged
 *   return 'offline';
 * });
 * ```
 */
export class Failure {
  /** The thrown value: usually an `Error`, but JavaScript can throw anything. */
  readonly value: unknown;
  /** The value's class (its constructor), or `typeof` for a primitive. */
  readonly type: ErrorType;
  /** Where a non-`Error` value was wrapped, since it carries no stack of its own. */
  readonly #stack: string | undefined;

  /**
   * Wraps `value`; wrapping a Failure copies it.
   *
   * @throws {NoCurrentExceptionError} when called with no argument at all:
   *   JavaScript has no "current exception" to take instead.
   */
  constructor(...args: [value: unknown]) {
    if ((args as unknown[]).length === 0) throw new NoCurrentExceptionError();
    const value = args[0];
    if (value instanceof Failure) {
      this.value = value.value;
      this.type = value.type;
      this.#stack = value.#stack;
      return;
    }
    this.value = value;
    this.type = typeOf(value);
    this.#stack = value instanceof Error ? undefined : new Error().stack;
  }

  /**
   * The Failure for a caught value: the same Failure when the value was thrown
   * by {@link Failure.raiseException} or {@link Failure.trap}, else a new one.
   */
  static from(value: unknown): Failure {
    if (value instanceof Failure) return value;
    if (typeof value === 'object' && value !== null) {
      const known = raised.get(value);
      if (known !== undefined) return known;
    }
    return new Failure(value);
  }

  /**
   * The first of `types` the value is an instance of (or whose name it bears),
   * or `null`.
   */
  check<const T extends readonly ErrorType[]>(...types: T): T[number] | null {
    let names: string[] | undefined;
    for (const type of types) {
      if (typeof type === 'string') {
        names ??= namesOf(this.value);
        if (names.includes(type)) return type;
      } else if (this.value instanceof type) {
        return type;
      } else if (this.type === type) {
        return type;
      }
    }
    return null;
  }

  /**
   * Like {@link Failure.check}, but re-throws the original value when nothing
   * matches, so an errback that traps the wrong kind passes the failure on.
   */
  trap<const T extends readonly ErrorType[]>(...types: T): T[number] {
    const match = this.check(...types);
    if (match === null) return this.raiseException();
    return match;
  }

  /** Throws the original value; catching it and calling {@link Failure.from} gives this Failure back. */
  raiseException(): never {
    const value = this.value;
    if (typeof value === 'object' && value !== null) raised.set(value, this);
    throw value;
  }

  /**
   * Throws the original value into generator `gen` (as `gen.throw`), so that
   * catching it there and calling {@link Failure.from} gives this Failure back.
   */
  throwExceptionIntoGenerator<Y, R, N>(gen: Generator<Y, R, N>): IteratorResult<Y, R> {
    const value = this.value;
    if (typeof value === 'object' && value !== null) raised.set(value, this);
    return gen.throw(value);
  }

  /** The value's message: `Error.message`, or the value as a string. */
  getErrorMessage(): string {
    const value = this.value;
    if (value instanceof Error) return value.message;
    if (typeof value === 'object' && value !== null) {
      const message = (value as { message?: unknown }).message;
      if (typeof message === 'string') return message;
    }
    try {
      return String(value);
    } catch {
      return `<unprintable ${typeName(this.type)}>`;
    }
  }

  /**
   * A readable traceback: the error's stack (which starts with its name and
   * message) and the chain of `cause`s; for a non-`Error` value, its type,
   * its text and where it was wrapped.
   */
  getTraceback(): string {
    const lines: string[] = [];
    const seen = new Set<unknown>();
    let value: unknown = this.value;
    let first = true;
    while (value !== undefined && !seen.has(value)) {
      seen.add(value);
      if (!first) lines.push('Caused by:');
      if (value instanceof Error) {
        lines.push(value.stack ?? `${value.name}: ${value.message}`);
        value = value.cause;
      } else {
        const text = first ? this.getErrorMessage() : new Failure(value).getErrorMessage();
        lines.push(`${typeName(first ? this.type : typeOf(value))}: ${text}`);
        if (first && this.#stack !== undefined) {
          lines.push(this.#stack.split('\n').slice(1).join('\n'));
        }
        value = undefined;
      }
      first = false;
    }
    return lines.join('\n');
  }

  /** One line: the type's name and the message. */
  getBriefTraceback(): string {
    return `${typeName(this.type)}: ${this.getErrorMessage()}`;
  }

  /** Kept for Twisted compatibility; JavaScript errors hold no frames to clean. Does nothing. */
  cleanFailure(): void {
    // Nothing to release: stacks are strings.
  }

  /** `[Failure instance: <traceback>]`, as Twisted prints it. */
  toString(): string {
    return `[Failure instance: ${this.getTraceback()}]`;
  }
}
