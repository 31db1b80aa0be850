import type { ErrorCode, Target, WireError } from './wire.js';

function isTargetList(value: unknown): value is Target[] {
  return (
    Array.isArray(value) &&
    value.every(
      (t) =>
        typeof t === 'object' &&
        t !== null &&
        typeof (t as Target).context === 'string' &&
        typeof (t as Target).params === 'object' &&
        (t as Target).params !== null,
    )
  );
}

/** Whether a value has the wire error shape `{ code, message, ... }`. */
export function isWireError(value: unknown): value is WireError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as WireError).code === 'string' &&
    typeof (value as WireError).message === 'string'
  );
}

/**
 * How Tauri's access control words a refused command (`"<plugin>.<command> not
 * allowed. ..."`, `"... not allowed on window ..."`, `"Command ... not allowed by ACL"`).
 */
const ACL_REFUSAL = /\bnot allowed\b/;

/**
 * The error every Mizan call and bundle fetch rejects with. `D` is the type of
 * `details`: for `code === 'app'` it is the function's serialized `Err(E)`.
 */
export class MizanError<D = unknown> extends Error {
  readonly code: ErrorCode;
  readonly fn: string | undefined;
  readonly details: D;
  /** Targets the failure still invalidates (a failed mutation may have written part of its work). */
  readonly invalidate: Target[];

  constructor(wire: WireError<D> | (Omit<WireError<D>, 'fn'> & { fn?: string | null }), options?: { cause?: unknown }) {
    super(wire.message, options && 'cause' in options ? { cause: options.cause } : undefined);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'MizanError';
    this.code = wire.code;
    this.fn = wire.fn ?? undefined;
    this.details = wire.details;
    this.invalidate = isTargetList(wire.invalidate) ? wire.invalidate : [];
  }

  /**
   * Turns whatever an `invoke` rejected with into a `MizanError`, so callers
   * handle one type. Wire errors keep their fields. Anything else keeps the
   * original value as `cause` and `details` and gets a code:
   * - `forbidden` for Tauri's own access-control refusal, a string such as
   *   `"mizan.call not allowed. Permissions associated with this command: ..."`
   *   (the window's capabilities do not grant the command; the plugin never ran);
   * - `internal` for everything else (a missing IPC bridge, a thrown `Error`).
   */
  static from<D = unknown>(reason: unknown, fn?: string): MizanError<D> {
    if (reason instanceof MizanError) return reason as MizanError<D>;
    if (isWireError(reason)) {
      const wire = reason as Omit<WireError<D>, 'fn'> & { fn?: string | null };
      return new MizanError<D>({
        code: wire.code,
        message: wire.message,
        fn: wire.fn ?? fn,
        details: (wire.details === undefined ? {} : wire.details) as D,
        invalidate: isTargetList(wire.invalidate) ? wire.invalidate : [],
      });
    }
    const message =
      typeof reason === 'string' ? reason : reason instanceof Error ? reason.message : 'IPC call failed';
    const code = typeof reason === 'string' && ACL_REFUSAL.test(reason) ? 'forbidden' : 'internal';
    return new MizanError<D>({ code, message, fn, details: reason as D, invalidate: [] }, { cause: reason });
  }

  /** The wire shape of this error. */
  toJSON(): WireError<D> {
    const out: WireError<D> = { code: this.code, message: this.message, details: this.details, invalidate: this.invalidate };
    if (this.fn !== undefined) out.fn = this.fn;
    return out;
  }
}

/** Type guard for `MizanError` (also true for instances from another copy of this package). */
export function isMizanError<D = unknown>(value: unknown): value is MizanError<D> {
  return value instanceof MizanError || (value instanceof Error && value.name === 'MizanError' && isWireError(value));
}

export { isTargetList };

/**
 * A function that carries the type of its `app` error details, for inference
 * (`useMutation(fn)` reads `E` from it). Generated client functions have it:
 * `updateProfile.__mizanError = undefined as UpdateProfileError | undefined`.
 * Type-only: the property always holds `undefined`.
 */
export interface ErrorTyped<E> {
  readonly __mizanError?: E;
}
