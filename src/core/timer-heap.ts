/**
 * A binary min-heap of {@link DelayedCall}s ordered by due time, then by
 * scheduling order (so calls due together run first-in first-out).
 *
 * Each call records its own position (`index`), so cancelling or
 * rescheduling one is O(log n) rather than a scan.
 *
 * ```
 *            [0] soonest
 *          /          \
 *       [1]            [2]        children of i: 2i+1, 2i+2
 *      /   \          /   \       parent of i:   (i-1) >> 1
 *    [3]   [4]      [5]   [6]
 * ```
 *
 * @internal
 */
import type { DelayedCall } from './delayed-call.js';

function before(a: DelayedCall, b: DelayedCall): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/** @internal */
export class TimerHeap {
  readonly #items: DelayedCall[] = [];

  /** Number of calls queued. */
  get size(): number {
    return this.#items.length;
  }

  /** The soonest call, or undefined when empty. */
  peek(): DelayedCall | undefined {
    return this.#items[0];
  }

  /** A snapshot of the queued calls, in heap (not time) order. */
  toArray(): DelayedCall[] {
    return [...this.#items];
  }

  push(call: DelayedCall): void {
    const items = this.#items;
    call.index = items.length;
    items.push(call);
    this.#up(call.index);
  }

  /** Removes and returns the soonest call. */
  pop(): DelayedCall | undefined {
    const items = this.#items;
    const top = items[0];
    if (top === undefined) return undefined;
    this.#removeAt(0);
    return top;
  }

  /** Removes `call` if it is queued here. */
  remove(call: DelayedCall): void {
    const i = call.index;
    if (i < 0 || this.#items[i] !== call) return;
    this.#removeAt(i);
  }

  /** Restores order after `call`'s time changed. */
  update(call: DelayedCall): void {
    const i = call.index;
    if (i < 0 || this.#items[i] !== call) return;
    this.#up(i);
    this.#down(call.index);
  }

  #removeAt(i: number): void {
    const items = this.#items;
    const removed = items[i] as DelayedCall;
    const last = items.pop() as DelayedCall;
    removed.index = -1;
    if (last === removed) return;
    items[i] = last;
    last.index = i;
    this.#up(i);
    this.#down(last.index);
  }

  #up(i: number): void {
    const items = this.#items;
    const call = items[i] as DelayedCall;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p] as DelayedCall;
      if (!before(call, parent)) break;
      items[i] = parent;
      parent.index = i;
      i = p;
    }
    items[i] = call;
    call.index = i;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const call = items[i] as DelayedCall;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(items[r] as DelayedCall, items[l] as DelayedCall)) c = r;
      const child = items[c] as DelayedCall;
      if (!before(child, call)) break;
      items[i] = child;
      child.index = i;
      i = c;
    }
    items[i] = call;
    call.index = i;
  }
}
