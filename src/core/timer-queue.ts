/**
 * The reactor's queue of delayed calls: one FIFO list per delay, and a small
 * binary heap of those lists ordered by their first call (as Node's own
 * timers are kept).
 *
 * Calls scheduled with the same delay fall due in the order they were
 * scheduled (time only moves forward), so each list stays sorted by just
 * appending. Scheduling and cancelling are O(1) (plus an O(log L) heap step
 * when a list appears or empties, over the L distinct delays in use); running
 * the soonest call costs at most O(log L) to re-seat its list — never
 * O(log n) over every pending call, whose scattered objects would cost a
 * cache miss per level. Each list's heap key is corrected lazily (see
 * `TimerList.keyTime`), as Node does for its own timer lists.
 *
 * ```
 *   lists by delay (Map)                heap of lists, by (time, seq) of their head
 *   0.5 s: [c1] <-> [c4] <-> [c9]               (0.5 s list)
 *   30 s:  [c2] <-> [c3]                        /          \
 *   1.25s: [c7]                           (1.25 s)       (30 s)
 * ```
 * Global order is (time, seq): the heap picks the list whose head is
 * soonest, and equal times across lists are broken by `seq`, so calls due
 * together run first-in first-out.
 *
 * @internal
 */
import type { DelayedCall } from './delayed-call.js';

/** Whether `a` runs before `b`. */
function before(a: DelayedCall, b: DelayedCall): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

class TimerList {
  head: DelayedCall | null = null;
  tail: DelayedCall | null = null;
  /** Position in the heap of lists. */
  heapIndex = -1;
  /**
   * The heap's sort key: the (time, seq) of the head when last looked at.
   * Never later than the real head's (removing the head only makes the
   * head later), so it is corrected lazily when the list reaches the top.
   */
  keyTime = 0;
  keySeq = 0;
  readonly key: number;
  constructor(key: number) {
    this.key = key;
  }
}

/** @internal */
export class TimerQueue {
  readonly #lists = new Map<number, TimerList>();
  readonly #heap: TimerList[] = [];
  #size = 0;

  /** Number of calls queued. */
  get size(): number {
    return this.#size;
  }

  /** The soonest call, or undefined when empty. */
  peek(): DelayedCall | undefined {
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined) return undefined;
      const head = top.head as DelayedCall;
      if (head.time === top.keyTime && head.seq === top.keySeq) return head;
      // Stale key (its head was removed): correct it and let the list sink.
      top.keyTime = head.time;
      top.keySeq = head.seq;
      this.#down(0);
    }
  }

  /** Every queued call, in no particular order. */
  toArray(): DelayedCall[] {
    const out: DelayedCall[] = [];
    for (const list of this.#heap) {
      for (let c = list.head; c !== null; c = c.next) out.push(c);
    }
    return out;
  }

  /**
   * Queues `call` (by its `time` and `seq`) in the list for `delay`, the
   * number of seconds from now it was scheduled for.
   */
  push(call: DelayedCall, delay: number): void {
    let list = this.#lists.get(delay);
    if (list === undefined) {
      list = new TimerList(delay);
      this.#lists.set(delay, list);
    }
    call.list = list;
    call.index = 0;
    this.#size += 1;
    const tail = list.tail;
    if (tail === null) {
      call.prev = null;
      call.next = null;
      list.head = call;
      list.tail = call;
      list.keyTime = call.time;
      list.keySeq = call.seq;
      this.#heapPush(list);
      return;
    }
    if (!before(call, tail)) {
      call.prev = tail;
      call.next = null;
      tail.next = call;
      list.tail = call;
      return;
    }
    // Rare (a rescheduled call whose float delay rounds below the tail's
    // time): walk back to its place.
    let after: DelayedCall | null = tail.prev;
    while (after !== null && before(call, after)) after = after.prev;
    const nextCall = after === null ? list.head : after.next;
    call.prev = after;
    call.next = nextCall;
    if (nextCall !== null) nextCall.prev = call;
    if (after === null) {
      list.head = call;
      list.keyTime = call.time;
      list.keySeq = call.seq;
      this.#up(list.heapIndex);
    } else {
      after.next = call;
    }
  }

  /** Removes and returns the soonest call (its `index` becomes -1). */
  pop(): DelayedCall | undefined {
    const call = this.peek();
    if (call !== undefined) this.#unlink(call);
    return call;
  }

  /**
   * Removes and returns the soonest call if it is due by `now` and was
   * scheduled before sequence number `limit`; otherwise returns undefined and
   * changes nothing. The list it came from is re-seated at once with its new
   * head's key (one sift), so the next call finds a fresh key at the top
   * instead of correcting a stale one.
   */
  popDue(now: number, limit: number): DelayedCall | undefined {
    const call = this.peek();
    if (call === undefined || call.time > now || call.seq >= limit) return undefined;
    const next = call.next;
    if (next === null) {
      this.#unlink(call); // the list empties and leaves the heap
      return call;
    }
    // `call` heads the top list: unlink it by hand and give the list its new key.
    const list = call.list as TimerList;
    list.head = next;
    next.prev = null;
    call.next = null;
    call.list = null;
    call.index = -1;
    this.#size -= 1;
    list.keyTime = next.time;
    list.keySeq = next.seq;
    this.#down(0);
    return call;
  }

  /** Removes `call` if it is queued here. */
  remove(call: DelayedCall): void {
    if (call.index < 0) return;
    this.#unlink(call);
  }

  /** Re-queues `call` after its time changed; `delay` is its new time minus now. */
  update(call: DelayedCall, delay: number): void {
    if (call.index < 0) return;
    this.#unlink(call);
    this.push(call, delay);
  }

  /** Whether every list is sorted and every heap parent precedes its children (for tests). */
  isValid(): boolean {
    const heap = this.#heap;
    for (let i = 0; i < heap.length; i++) {
      const list = heap[i] as TimerList;
      if (list.heapIndex !== i || list.head === null) return false;
      for (let c = list.head; c.next !== null; c = c.next) {
        if (before(c.next, c) || c.next.prev !== c) return false;
      }
      const { head } = list;
      if (head.time < list.keyTime || (head.time === list.keyTime && head.seq < list.keySeq)) {
        return false; // a key may be early, never late
      }
      if (i > 0 && TimerQueue.#keyBefore(list, heap[(i - 1) >> 1] as TimerList)) return false;
    }
    return true;
  }

  #unlink(call: DelayedCall): void {
    const list = call.list as TimerList;
    const { prev, next } = call;
    if (prev === null) list.head = next;
    else prev.next = next;
    if (next === null) list.tail = prev;
    else next.prev = prev;
    call.prev = null;
    call.next = null;
    call.list = null;
    call.index = -1;
    this.#size -= 1;
    if (list.head === null) {
      this.#heapRemove(list);
      this.#lists.delete(list.key);
    }
    // A removed head leaves the list's key early: peek() corrects it lazily.
  }

  #heapPush(list: TimerList): void {
    list.heapIndex = this.#heap.length;
    this.#heap.push(list);
    this.#up(list.heapIndex);
  }

  #heapRemove(list: TimerList): void {
    const heap = this.#heap;
    const i = list.heapIndex;
    const last = heap.pop() as TimerList;
    list.heapIndex = -1;
    if (last === list) return;
    heap[i] = last;
    last.heapIndex = i;
    this.#up(i);
    this.#down(last.heapIndex);
  }

  /** Whether list `a`'s key precedes list `b`'s. */
  static #keyBefore(a: TimerList, b: TimerList): boolean {
    return a.keyTime < b.keyTime || (a.keyTime === b.keyTime && a.keySeq < b.keySeq);
  }

  // Both sifts move a hole instead of swapping: each step writes one slot, and the list being
  // placed is written once at the end.
  #up(i: number): void {
    const heap = this.#heap;
    const list = heap[i] as TimerList;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p] as TimerList;
      if (!TimerQueue.#keyBefore(list, parent)) break;
      heap[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    heap[i] = list;
    list.heapIndex = i;
  }

  #down(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const list = heap[i] as TimerList;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let c = l;
      let child = heap[l] as TimerList;
      if (l + 1 < n) {
        const right = heap[l + 1] as TimerList;
        if (TimerQueue.#keyBefore(right, child)) {
          c = l + 1;
          child = right;
        }
      }
      if (!TimerQueue.#keyBefore(child, list)) break;
      heap[i] = child;
      child.heapIndex = i;
      i = c;
    }
    heap[i] = list;
    list.heapIndex = i;
  }
}
