/** Collectives over Node sockets: rendezvous store, authenticated ring, all-reduce and friends. */
export { ProcessGroup, type AllReduceOptions, type ProcessGroupOptions } from './process-group.js';
export { chunkLength, chunkStart } from './chunks.js';
export { CollectiveError, isCollectiveError, type CollectiveErrorKind } from './errors.js';
export type { StoreClient } from './store-client.js';
export type { JsonValue, NumericArray, OpName, ReduceOp } from './types.js';
