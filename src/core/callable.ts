/**
 * Instances that are functions: the base of weft's observer and predicate
 * classes.
 *
 * Twisted's log observers are objects with `__call__`, so one value is both
 * something to pass to `addObserver` and something with methods
 * (`LimitedHistoryLogObserver.replayTo`, `LogPublisher.addObserver`). weft's
 * `ILogObserver` is a plain function type, so these classes' constructors
 * return a function whose prototype is the class's: `new X()` is callable,
 * `instanceof X`, and keeps its methods and `#private` fields (a derived
 * class's fields are installed on whatever `super()` returned).
 *
 * Subclasses must not declare members called `name`, `length`, `caller`,
 * `arguments`, `call`, `apply` or `bind`: every function has its own (or
 * inherits them from `Function.prototype`).
 *
 * @internal
 * @module
 */

/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/prefer-function-type --
 * The interface adds the call signature to the class's instance type (merging
 * needs an interface, not a function type); that is this helper's whole
 * purpose, and the constructor makes it true at runtime. */

/** The call signature every {@link Callable} instance has. */
export interface Callable<A extends unknown[], R> {
  (...args: A): R;
}

/** A class whose instances are functions calling their `invoke` method. */
export abstract class Callable<A extends unknown[], R> {
  constructor() {
    const fn = (...args: A): R => (fn as unknown as Callable<A, R>).invoke(...args);
    Object.setPrototypeOf(fn, new.target.prototype);
    // Observers are reported by name when they throw; make it the class's.
    Object.defineProperty(fn, 'name', { value: new.target.name, configurable: true });
    return fn as unknown as Callable<A, R>;
  }

  /** What calling the instance does. */
  protected abstract invoke(...args: A): R;
}
/* eslint-enable @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/prefer-function-type */

// Instances are functions, so keep `call`, `apply`, `bind` and `instanceof Function`.
Object.setPrototypeOf(Callable.prototype, Function.prototype);
