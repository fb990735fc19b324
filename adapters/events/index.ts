/**
 * `weft/adapters/events`: EventEmitters (node:events and eventemitter3
 * alike) ⇄ Deferreds and async iterables, and an emitter facade over a weft
 * connection.
 *
 * @module
 */
export { EmitterProtocol } from './emitter-protocol.js';
export type { EmitterProtocolEvents, EmitterProtocolOptions } from './emitter-protocol.js';
export { iterateEvents, whenEvent } from './when-event.js';
export type { EmitterLike, IterateEventsOptions, WhenEventOptions } from './when-event.js';
