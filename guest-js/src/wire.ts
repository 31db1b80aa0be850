/**
 * Wire shapes of the `plugin:mizan|*` commands and the `mizan://invalidate`
 * event. The Rust plugin produces exactly these.
 */

/** Any value that survives a JSON round trip. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * The bundles an invalidation reaches: every bundle of `context` whose params
 * agree with `params` on each key they have (absent means "any value").
 * `params: {}` reaches every bundle of the context.
 */
export interface Target {
  context: string;
  params: Record<string, JsonValue>;
}

/** Success response of `plugin:mizan|call`. */
export interface Envelope<T> {
  result: T;
  invalidate: Target[];
  /**
   * Single-flight refresh: the bundles of the request's `refresh` list that
   * `invalidate` reaches, computed after the call; absent when none were listed.
   */
  bundles?: BundleResponse<unknown>[];
}

/** One bundle a `call` lists in its `refresh` (a context and its canonical params). */
export interface RefreshKey {
  context: string;
  params: Record<string, JsonValue>;
}

/**
 * Error codes fixed by the protocol. The union stays open: a newer backend may
 * send codes this version does not know yet.
 */
export type ErrorCode =
  | 'unknown_function'
  | 'unknown_context'
  | 'invalid_args'
  /** A form param broke its rules (docs/protocol.md: "Forms"): `details` is `FormErrorDetails`. */
  | 'invalid_form'
  | 'unauthorized'
  | 'forbidden'
  | 'payload_too_large'
  | 'app'
  | 'internal'
  /** Only in a bundle's `stale`: a cached function's run took longer than its `timeout`. */
  | 'timeout'
  /** Only in the webview: the caller's `AbortSignal` cancelled an upload (`cause` is its reason). */
  | 'aborted'
  | (string & {});

/** The one error shape every `plugin:mizan|*` command rejects with. */
export interface WireError<D = unknown> {
  code: ErrorCode;
  message: string;
  /**
   * The function the error is about; `null` when there is none (an unknown
   * function or context, a malformed body). `MizanError` reads `null` as
   * `undefined`.
   */
  fn: string | null;
  details: D;
  invalidate: Target[];
}

/**
 * A cached context function whose run failed (`Err`, panic or timeout) and
 * whose last stored value stands in for it (the origin cache's
 * stale-if-error, docs/protocol.md: "Origin cache").
 */
export interface StaleInfo {
  /** Unix ms when the value served was stored. */
  stored_at: number;
  /** Why the run failed. */
  error: WireError;
}

/** Success response of `plugin:mizan|ctx`: a (possibly partial) bundle. */
export interface BundleResponse<B> {
  context: string;
  /** The canonical params as the backend understood them. */
  params: Record<string, JsonValue>;
  /** One entry per context function that succeeded. */
  data: Partial<B>;
  /** One entry per context function that failed. */
  errors: Partial<Record<keyof B, WireError>>;
  /**
   * One entry per cached function whose value in `data` is a stored one
   * standing in for a failed run; absent when nothing is stale.
   */
  stale?: Partial<Record<keyof B, StaleInfo>>;
}

/** Payload of the `mizan://invalidate` event sent to every other webview. */
export interface InvalidateEvent {
  targets: Target[];
  /** Label of the webview whose call caused the invalidation; `null` when the app invalidated on its own. */
  source: string | null;
  seq: number;
}

/** Name of the event that carries other windows' invalidations. */
export const INVALIDATE_EVENT = 'mizan://invalidate';

/** Who is signed in, as the identity event carries it. */
export interface Identity {
  id: string;
  roles: string[];
}

/**
 * Payload of the `mizan://identity` event, sent to every webview when who is
 * signed in changes. It never carries a token.
 */
export interface IdentityEvent {
  change: 'signed_in' | 'signed_out' | 'switched';
  /** Who is signed in now; `null` after a sign-out. */
  identity: Identity | null;
  /** The id of who was signed in before; `null` if no one was. */
  previous: string | null;
}

/** Name of the event sent when who is signed in changes. */
export const IDENTITY_EVENT = 'mizan://identity';
