import type { StaleClaim as StoreStaleClaim } from './heartbeat-store.js';
import { meetsStaleClaim as storeMeetsStaleClaim } from './heartbeat-store.js';
import type {
  HeartbeatFields as StoreHeartbeatFields,
  RunFilter as StoreRunFilter,
} from './record.js';
import { runKeyId as storeRunKeyId } from './record.js';

/**
 * A stable string for a run key.
 *
 * @deprecated Import `runKeyId` from `@pipewell/heartbeat/store`; removed in the next minor
 * release.
 * @example
 * ```ts
 * import { runKeyId } from '@pipewell/heartbeat/store';
 * ```
 */
export const runKeyId: typeof storeRunKeyId = storeRunKeyId;

/**
 * Whether a running record meets a stale claim's condition.
 *
 * @deprecated Import `meetsStaleClaim` from `@pipewell/heartbeat/store`; removed in the next
 * minor release.
 * @example
 * ```ts
 * import { meetsStaleClaim } from '@pipewell/heartbeat/store';
 * ```
 */
export const meetsStaleClaim: typeof storeMeetsStaleClaim = storeMeetsStaleClaim;

/**
 * The fields a heartbeat write may set.
 *
 * @deprecated Import `HeartbeatFields` from `@pipewell/heartbeat/store`; removed in the next
 * minor release.
 */
export type HeartbeatFields = StoreHeartbeatFields;

/**
 * Filters for a store's `listRuns`.
 *
 * @deprecated Import `RunFilter` from `@pipewell/heartbeat/store`; removed in the next minor
 * release.
 */
export type RunFilter = StoreRunFilter;

/**
 * The condition and time of a store's `claimStale`.
 *
 * @deprecated Import `StaleClaim` from `@pipewell/heartbeat/store`; removed in the next minor
 * release.
 */
export type StaleClaim = StoreStaleClaim;
