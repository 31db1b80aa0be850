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
export { type TokenProvider } from './auth.js';
export { MizanError, isMizanError, isWireError, type ErrorTyped } from './errors.js';
export { canonicalJson, canonicalParams } from './canonical.js';
export { reaches, type BundleRef } from './reach.js';
export {
  DEFAULT_GC_TIME,
  staleSince,
  type Bundle,
  type BundleState,
  type BundleStatus,
} from './cache.js';
export { type SingleFlightOption } from './refresh.js';
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
  maxUploadBytes,
  type UploadBody,
  type UploadOptions,
  type UploadProgress,
} from './upload.js';
export {
  MizanStream,
  DEFAULT_STREAM_WINDOW,
  type StreamMessage,
  type StreamOptions,
} from './stream.js';
export {
  FormState,
  checkForm,
  createForm,
  isFormError,
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
