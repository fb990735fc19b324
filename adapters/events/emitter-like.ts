/**
 * What the event helpers need of an emitter, and how they add and remove
 * listeners on one.
 *
 * @module
 */
/**
 * What these helpers need of an emitter: `on` and one of `off` /
 * `removeListener`. Node's `EventEmitter`, eventemitter3, and most
 * emitter-style objects have them.
 */
export interface EmitterLike {
  on(event: string | symbol, listener: (...args: unknown[]) => void): unknown;
  off?(event: string | symbol, listener: (...args: unknown[]) => void): unknown;
  removeListener?(event: string | symbol, listener: (...args: unknown[]) => void): unknown;
}

/** A listener as the helpers add it. */
export type Listener = (...args: unknown[]) => void;

/** Removes `listener` with `off`, else `removeListener`. */
export function remove(emitter: EmitterLike, event: string | symbol, listener: Listener): void {
  if (typeof emitter.off === 'function') emitter.off(event, listener);
  else if (typeof emitter.removeListener === 'function') emitter.removeListener(event, listener);
  else throw new TypeError('The emitter has neither off() nor removeListener()');
}

/** Adds `listener` with `on`. */
export function listen(emitter: EmitterLike, event: string | symbol, listener: Listener): void {
  emitter.on(event, listener);
}
