/**
 * Coordination with Deferreds: `DeferredLock`, `DeferredSemaphore` and
 * `DeferredQueue`.
 *
 * @module
 */
import { Deferred, maybeDeferred } from './defer.js';
import { QueueOverflow, QueueUnderflow } from './errors.js';

function removeWaiter<T>(waiting: Deferred<T>[], d: Deferred<T>): void {
  const i = waiting.indexOf(d);
  if (i >= 0) waiting.splice(i, 1);
}

/**
 * Shared base of {@link DeferredLock} and {@link DeferredSemaphore}: a FIFO of
 * waiters and a `run` helper.
 */
abstract class DeferredTokens<Self> {
  /** Deferreds waiting to acquire, oldest first. */
  protected readonly waiting: Deferred<Self>[] = [];
  /** Set while {@link DeferredTokens.serveWaiters} runs, so that it is not re-entered. */
  #serving = false;

  /** Takes a token now if one is free; otherwise returns false. */
  protected abstract take(): boolean;

  /**
   * Acquires: the returned Deferred fires with this object, at once if free,
   * else when released to it (first come, first served). Cancelling a waiting
   * acquire removes it from the queue.
   */
  acquire(): Deferred<Self> {
    const d = new Deferred<Self>((waiter) => {
      removeWaiter(this.waiting, waiter);
    });
    // A token can be free while others wait only inside serveWaiters (a
    // holder released from a waiter's callback): they come first.
    if (this.waiting.length === 0 && this.take()) d.callback(this as unknown as Self);
    else this.waiting.push(d);
    return d;
  }

  /** Releases one hold. */
  abstract release(): void;

  /**
   * Acquires, calls `fn(...args)`, and releases when its result (a value, a
   * Deferred or a promise) settles, either way. Fires with that result.
   */
  run<R, A extends unknown[]>(
    fn: (...args: A) => R | PromiseLike<R>,
    ...args: A
  ): Deferred<Awaited<R>> {
    return this.acquire().addCallback(() =>
      maybeDeferred(fn, ...args).addBoth((result) => {
        this.release();
        return result;
      }),
    );
  }

  /**
   * Hands free tokens straight to the oldest waiters. Iterative: a release
   * made inside a waiter's callback (as `run` does for a synchronous
   * function) only frees the token, and this loop serves the next waiter once
   * that callback returns, so thousands of queued holders do not grow the
   * stack.
   */
  protected serveWaiters(): void {
    if (this.#serving) return;
    this.#serving = true;
    try {
      while (this.waiting.length > 0 && this.take()) {
        (this.waiting.shift() as Deferred<Self>).callback(this as unknown as Self);
      }
    } finally {
      this.#serving = false;
    }
  }
}

/**
 * A lock for Deferred-based code: one holder at a time, waiters served in
 * order.
 *
 * @example
 * ```ts
 * const log: string[] = [];
 * // Stands for any async write that must not interleave with another.
 * const writeRecord = async (record: string) => {
 *   log.push(`${record} begins`);
 *   await Promise.resolve();
 *   log.push(`${record} ends`);
 * };
 * const lock = new DeferredLock();
 * for (const r of ['one', 'two']) lock.run(() => writeRecord(r)); // never two writeRecord at once
 * ```
 */
export class DeferredLock extends DeferredTokens<DeferredLock> {
  /** Whether someone holds the lock. */
  locked = false;

  protected take(): boolean {
    if (this.locked) return false;
    this.locked = true;
    return true;
  }

  /**
   * Releases the lock, handing it directly to the next waiter (the lock stays
   * locked) if there is one. Called from a waiter's callback, the hand-off
   * happens as that callback returns.
   *
   * @throws {RangeError} if the lock is not held.
   */
  release(): void {
    if (!this.locked) throw new RangeError('Tried to release an unlocked lock');
    this.locked = false;
    this.serveWaiters();
  }
}

/**
 * A semaphore for Deferred-based code: at most `tokens` holders at a time.
 *
 * @example
 * ```ts
 * const urls = ['/a', '/b', '/c', '/d', '/e'].map((p) => new URL(p, 'http://127.0.0.1:8080'));
 * const fetchPage = async (url: URL) => (await fetch(url)).text();
 * const sem = new DeferredSemaphore(3);
 * const pages = urls.map((u) => sem.run(fetchPage, u)); // 3 fetches at a time
 * ```
 */
export class DeferredSemaphore extends DeferredTokens<DeferredSemaphore> {
  /** The number of holders allowed at once. */
  readonly limit: number;
  /** Tokens currently free. */
  tokens: number;

  /** @throws {RangeError} if `tokens` is not an integer of at least 1. */
  constructor(tokens: number) {
    super();
    if (!Number.isInteger(tokens) || tokens < 1) {
      throw new RangeError(`DeferredSemaphore needs at least one token, got ${String(tokens)}`);
    }
    this.limit = tokens;
    this.tokens = tokens;
  }

  protected take(): boolean {
    if (this.tokens <= 0) return false;
    this.tokens -= 1;
    return true;
  }

  /**
   * Returns a token, handing it directly to the next waiter if there is one.
   *
   * @throws {RangeError} if every token is already free.
   */
  release(): void {
    if (this.tokens >= this.limit) {
      throw new RangeError('Semaphore released more often than acquired');
    }
    this.tokens += 1;
    this.serveWaiters();
  }
}

/**
 * A queue whose `get()` returns a Deferred: items put are handed to waiting
 * getters in order, or buffered.
 *
 * Both sides are bounded when asked: `size` items buffered at most
 * (`put` beyond throws {@link QueueOverflow}), `backlog` getters waiting at
 * most (`get` beyond throws {@link QueueUnderflow}). Unbounded by default.
 */
export class DeferredQueue<T> {
  /** Buffered items, oldest first. */
  readonly pending: T[] = [];
  /** Getters waiting for an item, oldest first. */
  readonly waiting: Deferred<T>[] = [];
  /** Most items buffered at once (`Infinity`: unbounded). */
  readonly size: number;
  /** Most getters waiting at once (`Infinity`: unbounded). */
  readonly backlog: number;

  constructor(size: number = Infinity, backlog: number = Infinity) {
    this.size = size;
    this.backlog = backlog;
  }

  /**
   * Gives `item` to the oldest waiting getter (synchronously), or buffers it.
   *
   * @throws {QueueOverflow} when `size` items are already buffered.
   */
  put(item: T): void {
    const getter = this.waiting.shift();
    if (getter !== undefined) {
      getter.callback(item);
    } else if (this.pending.length < this.size) {
      this.pending.push(item);
    } else {
      throw new QueueOverflow();
    }
  }

  /**
   * The next item: an already-fired Deferred if one is buffered, else one that
   * fires when an item is put. Cancelling a waiting get removes it.
   *
   * @throws {QueueUnderflow} when `backlog` getters are already waiting.
   */
  get(): Deferred<T> {
    if (this.pending.length > 0) {
      const d = new Deferred<T>();
      d.callback(this.pending.shift() as T);
      return d;
    }
    if (this.waiting.length >= this.backlog) throw new QueueUnderflow();
    const d = new Deferred<T>((getter) => {
      removeWaiter(this.waiting, getter);
    });
    this.waiting.push(d);
    return d;
  }
}
