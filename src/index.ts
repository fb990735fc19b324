/**
 * `weft`: everything in `weft/core`; the Node reactor joins it as it lands.
 *
 * @module
 */
export * from './core/index.js';
