// The chunking property over the Node streams adapters: any chunking of a random byte stream
// written on one end arrives byte-identical at the other, through transportFromStream over a
// duplexPair and through the WeftSocket chain over weft TCP. Runs are few and bounded in time.
import { describeChunkingProperty } from '../../support/chunking-property.js';
import { duplexPairs, weftSocketPairs } from './contract-pairs.js';

describeChunkingProperty('transportFromStream over duplexPair', duplexPairs, {
  numRuns: 50,
  timeLimitMs: 20_000,
  timeoutMs: 40_000,
});

describeChunkingProperty('transportFromStream over WeftSocket over weft TCP', weftSocketPairs, {
  numRuns: 15,
  timeLimitMs: 20_000,
  timeoutMs: 40_000,
});
