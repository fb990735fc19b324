/**
 * `weft/adapters/events`: EventEmitters (node:events and eventemitter3
 * alike) ⇄ Deferreds, async iterables and Observables, and an emitter
 * facade over a weft connection.
 *
 * @module
 */
export type { EmitterLike } from './emitter-like.js';
export { EmitterProtocol } from './emitter-protocol.js';
export type { EmitterProtocolEvents, EmitterProtocolOptions } from './emitter-protocol.js';
export { EventObservable, observeEvents } from './observe-events.js';
export type { EventObserver, EventSubscription, ObserveEventsOptions } from './observe-events.js';
export { iterateEvents, whenEvent } from './when-event.js';
export type { IterateEventsOptions, WhenEventOptions } from './when-event.js';
