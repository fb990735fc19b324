// Promise helpers shared by the promise-interop tests.

/** A promise with its resolve and reject exposed. */
export function controlled<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Lets every pending promise job run (a macrotask turn), so `await`-driven code started by a
 * test has run as far as it can without new input.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
