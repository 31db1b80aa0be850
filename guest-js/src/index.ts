export type {
  JsonValue,
  Target,
  Envelope,
  RefreshKey,
  ErrorCode,
  WireError,
  BundleResponse,
  InvalidateEvent,
  Identity,
  IdentityEvent,
  StaleInfo,
} from './wire.js';
export { IDENTITY_EVENT, INVALIDATE_EVENT } from './wire.js';
export { TokenSession, isTokenExpired, type TokenProvider } from './auth.js';
export { MizanError, isMizanError, isWireError, type ErrorTyped } from './errors.js';
export { canonicalJson, canonicalParams, bundleKey } from './canonical.js';
export { reaches, jsonEqual, type BundleRef } from './reach.js';
export {
  BundleCache,
  CacheEntry,
  DEFAULT_GC_TIME,
  reduce,
  staleSince,
  type Bundle,
  type BundleAction,
  type BundleCacheOptions,
  type BundleFetcher,
  type BundleState,
  type BundleStatus,
  type TargetsApplied,
  type RefreshPlan,
  type Refreshed,
} from './cache.js';
export { readSnapshot, isSinceAnswer, type Snapshot, type SinceAnswer } from './hydrate.js';
export { pluginFeatures, refreshLimit, type PluginFeatures, type SingleFlightOption } from './refresh.js';
export { Notifier } from './notify.js';
export {
  BundleObserver,
  MizanClient,
  call,
  upload,
  stream,
  createMizanClient,
  defineContext,
  ensureBundle,
  fetchBundle,
  getDefaultClient,
  setDefaultClient,
  type BundleOf,
  type BundleSnapshot,
  type CallOptions,
  type ContextDescriptor,
  type IdentityListener,
  type InvalidationListener,
  type InvokeOptions,
  type InvokeFn,
  type ListenFn,
  type MizanClientOptions,
  type ParamsOf,
  type RefreshedBundles,
  type RefreshListing,
  type RefreshSource,
  type TargetOrigin,
} from './client.js';
export {
  DEFAULT_CHUNK_BYTES,
  UPLOAD_HEADER,
  isUploadBody,
  maxUploadBytes,
  prepareUpload,
  sendUpload,
  type PreparedUpload,
  type UploadBody,
  type UploadOptions,
  type UploadProgress,
  type UploadSend,
} from './upload.js';
export {
  MizanStream,
  DEFAULT_STREAM_WINDOW,
  type StreamMessage,
  type StreamOptions,
  type StreamTransport,
} from './stream.js';
export {
  FormState,
  checkForm,
  createForm,
  isFormError,
  parsePath,
  type FieldKind,
  type FormErrorDetails,
  type FormErrorItem,
  type FormFieldSchema,
  type FormFunction,
  type FormRule,
  type FormSchema,
  type FormSnapshot,
  type FormStateOptions,
} from './form.js';
