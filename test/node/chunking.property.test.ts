// The chunking property over real TCP (127.0.0.1): any chunking of a random byte stream written on
// one end arrives byte-identical at the other. Each run is a fresh connection on a fresh reactor,
// so runs are few (25) and the whole property is bounded in time. The IOPump runs it in
// test/testing/iosim-contract.test.ts.
import { describeChunkingProperty } from '../support/chunking-property.js';
import { socketPairs } from './contract-pairs.js';

describeChunkingProperty('TCP over IPv4 (127.0.0.1)', socketPairs('TCP IPv4'), {
  numRuns: 25,
  timeLimitMs: 40_000,
  timeoutMs: 60_000,
});
