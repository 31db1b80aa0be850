export type {
  JsonValue,
  Target,
  Envelope,
  ErrorCode,
  WireError,
  BundleResponse,
  InvalidateEvent,
} from './wire.js';
export { INVALIDATE_EVENT } from './wire.js';
export { MizanError, isMizanError, isWireError, type ErrorTyped } from './errors.js';
export { canonicalJson, canonicalParams, bundleKey } from './canonical.js';
export { reaches, jsonEqual, type BundleRef } from './reach.js';
export {
  BundleCache,
  CacheEntry,
  DEFAULT_GC_TIME,
  reduce,
  type Bundle,
  type BundleAction,
  type BundleCacheOptions,
  type BundleFetcher,
  type BundleState,
  type BundleStatus,
  type TargetsApplied,
} from './cache.js';
export { Notifier } from './notify.js';
export {
  BundleObserver,
  MizanClient,
  call,
  createMizanClient,
  defineContext,
  ensureBundle,
  fetchBundle,
  getDefaultClient,
  setDefaultClient,
  type BundleOf,
  type BundleSnapshot,
  type ContextDescriptor,
  type InvalidationListener,
  type InvokeFn,
  type ListenFn,
  type MizanClientOptions,
  type ParamsOf,
  type TargetOrigin,
} from './client.js';
