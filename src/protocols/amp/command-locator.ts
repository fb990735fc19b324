/**
 * `CommandLocator`: typed responders registered per command (Twisted's
 * `CommandLocator` and `@Command.responder`, without decorators).
 *
 * @module
 */
import type { Deferred } from '../../core/defer.js';
import { maybeDeferred } from '../../core/defer.js';
import { Failure } from '../../core/failure.js';
import { boxToValues, valuesToBox } from './arguments.js';
import type { AmpBox } from './box.js';
import type { ArgumentsOf, Command, ErrorMap, ResponseOf } from './command.js';
import type { Responder, ResponderLocator } from './dispatcher.js';
import { BadLocalReturn, RemoteAmpError } from './errors.js';

/**
 * A typed responder: gets the command's arguments, returns its response, a
 * Deferred of it or a promise of it; throws (or fails with) one of the
 * command's error classes to answer with its code.
 */
export type TypedResponder<C extends Command> = (
  args: ArgumentsOf<C>,
) => ResponseOf<C> | Deferred<ResponseOf<C>> | PromiseLike<ResponseOf<C>>;

/**
 * Responders by command name; each wraps its function with the command's
 * argument parsing and response serialization.
 *
 * @example
 * ```ts
 * const Sum = command({
 *   name: 'Sum',
 *   arguments: { a: new Integer(), b: new Integer() },
 *   response: { total: new Integer() },
 * });
 * const locator = new CommandLocator().respond(Sum, ({ a, b }) => ({ total: a + b }));
 * ```
 */
export class CommandLocator implements ResponderLocator {
  readonly #responders = new Map<string, Responder>();

  /**
   * Answers `command` with `fn` from now on (replacing any earlier
   * responder for the same name). Returns this locator.
   */
  respond<C extends Command>(command: C, fn: TypedResponder<C>): this {
    this.#responders.set(command.name, serializing(command, fn));
    return this;
  }

  /** The responder registered for `name`, if any. */
  locateResponder(name: string): Responder | undefined {
    return this.#responders.get(name);
  }
}

/**
 * `fn` wrapped as a box responder (Twisted's `_wrapWithSerialization`):
 * arguments parsed (a parse error is an undeclared error: `UNKNOWN`), the
 * result serialized (failing that is {@link BadLocalReturn}), and declared
 * errors turned into {@link RemoteAmpError}s with their codes.
 */
function serializing<C extends Command>(command: C, fn: TypedResponder<C>): Responder {
  return (box) => {
    const args = boxToValues(command.arguments, box) as ArgumentsOf<C>;
    return maybeDeferred(fn, args)
      .addCallback((values): AmpBox => {
        try {
          return valuesToBox(command.response, values, command.responseType?.(values));
        } catch (e) {
          throw new BadLocalReturn(
            `${command.name} responder returned a response that could not be serialized: ${describe(e)}`,
            { cause: e },
          );
        }
      })
      .addErrback((failure): Failure => {
        const known =
          declared(failure, command.errors, false) ?? declared(failure, command.fatalErrors, true);
        return known ?? failure;
      });
  };
}

/** A {@link RemoteAmpError} failure for `failure` if `errors` declares its class. */
function declared(failure: Failure, errors: ErrorMap, fatal: boolean): Failure | undefined {
  for (const [code, type] of Object.entries(errors)) {
    if (failure.check(type) !== null) {
      return new Failure(
        new RemoteAmpError(code, describe(failure.value), { fatal, local: failure }),
      );
    }
  }
  return undefined;
}

/** `str(exception)`: an error's message, or any other value as text. */
function describe(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}
