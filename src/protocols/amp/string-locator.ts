/**
 * `SimpleStringLocator`: AMP's low-level, string-based dispatch (Twisted's
 * `SimpleStringLocator`): a command `NAME` is answered by the method
 * `amp_NAME(box)`, which gets the raw {@link AmpBox} and returns one.
 *
 * @module
 */
import { type Deferred, maybeDeferred } from '../../core/defer.js';
import { AmpBox } from './box.js';
import type { Responder, ResponderLocator } from './dispatcher.js';
import { BadLocalReturn } from './errors.js';

/** A method answering a command from its raw box: an answer box, or a Deferred or promise of one. */
export type BoxResponderMethod = (box: AmpBox) => AmpBox | Deferred<AmpBox> | PromiseLike<AmpBox>;

/**
 * The responder for the command `name` made of `target`'s method named
 * `prefix` + `name` in upper case (ASCII letters only, as Python's
 * `bytes.upper()`: `hello` and `Hello` both find `amp_HELLO`), called with
 * `target` as `this`; `undefined` if there is no such method.
 *
 * The responder fails with {@link BadLocalReturn} when the method returns
 * (or its Deferred or promise fires with) anything but an {@link AmpBox};
 * the dispatcher then answers `UNKNOWN` and closes, as for any undeclared
 * error. Errors the method throws are answered as the dispatcher answers
 * any responder's: a {@link RemoteAmpError} with its code, anything else
 * `UNKNOWN`.
 *
 * Used by {@link SimpleStringLocator} and as {@link AMP}'s fallback; use
 * it to give any object string dispatch.
 */
export function locateStringResponder(
  target: object,
  name: string,
  prefix: string = 'amp_',
): Responder | undefined {
  // Upper-cased names never match Object.prototype's members (all have lower-case letters).
  const key = prefix + name.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
  const method = (target as Readonly<Record<string, unknown>>)[key];
  if (typeof method !== 'function') return undefined;
  const fn = method as BoxResponderMethod;
  return (box) =>
    maybeDeferred(() => fn.call(target, box)).addCallback((answer): AmpBox => {
      if (answer instanceof AmpBox) return answer;
      throw new BadLocalReturn(`${key} returned ${describe(answer)}, not an AmpBox`);
    });
}

/**
 * A {@link ResponderLocator} answering each command with the method named
 * `amp_` + the command's name in upper case (Twisted's
 * `SimpleStringLocator`): subclass it and add the methods. Each method gets
 * the raw command box (values are bytes; `box.getString(key)` decodes
 * UTF-8) and returns the answer box. A command with no such method is
 * answered `UNHANDLED`, as always.
 *
 * {@link AMP} does the same lookup on itself for commands no typed
 * responder was registered for, so an `AMP` subclass can have `amp_NAME`
 * methods directly; this class is for a locator kept apart from the
 * connection (`new AMP({ locator })`), or for a {@link BoxDispatcher} used
 * alone.
 *
 * @example
 * ```ts
 * class Greeter extends SimpleStringLocator {
 *   amp_HELLO(box: AmpBox): AmpBox {
 *     return AmpBox.of({ hello: box.get('hello') ?? '' });
 *   }
 * }
 * const amp = new AMP({ locator: new Greeter() });
 * // A peer's callRemoteString('hello', { hello: 'world' }) is answered { hello: 'world' }.
 * ```
 */
export class SimpleStringLocator implements ResponderLocator {
  /** The prefix of responder method names (Twisted's `baseDispatchPrefix`). */
  baseDispatchPrefix = 'amp_';

  /** The method `baseDispatchPrefix` + `NAME` as a responder, if this object has one. */
  locateResponder(name: string): Responder | undefined {
    return locateStringResponder(this, name, this.baseDispatchPrefix);
  }
}

/** A short description of a value that is not a box. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'object' ? Object.prototype.toString.call(value) : typeof value;
}
