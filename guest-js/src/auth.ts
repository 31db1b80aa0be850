import { MizanError } from './errors.js';
import type { BundleResponse } from './wire.js';

/**
 * Mode (a) of JWT identity: the webview holds a short-lived access token in
 * memory and every call sends it as the IPC header
 * `Authorization: Bearer <token>`.
 *
 * `getToken` is the source of truth; `refresh` fetches a new access token
 * (from the app's own backend function or an auth server), stores it where
 * `getToken` will find it, and resolves with it.
 */
export interface TokenProvider {
  /** The access token to send; `null` or `undefined` sends none. */
  getToken(): string | null | undefined | Promise<string | null | undefined>;
  /**
   * A new access token after one expired. Called once for all the calls
   * that met the same expired token. Resolve `null` (or reject) when there
   * is none: the client then signs out.
   */
  refresh(): Promise<string | null | undefined>;
  /** Told once per failed refresh: the user is signed out. */
  onSignOut?(reason: unknown): void;
}

/** Whether an error is `unauthorized` with `details.reason: "token_expired"`. */
export function isTokenExpired(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, details } = error as { code?: unknown; details?: unknown };
  return (
    code === 'unauthorized' &&
    typeof details === 'object' &&
    details !== null &&
    (details as { reason?: unknown }).reason === 'token_expired'
  );
}

/** The first `token_expired` error among a bundle's per-function errors. */
export function expiredInBundle(response: unknown): unknown {
  const errors = (response as BundleResponse<unknown> | undefined)?.errors;
  if (typeof errors !== 'object' || errors === null) return undefined;
  return Object.values(errors as Record<string, unknown>).find(isTokenExpired);
}

/** Sends one IPC request with the given token (or none). */
export type SendWithToken = (token: string | null) => Promise<unknown>;

/**
 * Sends calls with the current token and renews it when it expired: the
 * calls that met one expired token share one refresh, then each retries
 * once with the new token. A failed refresh signs out once, and those calls
 * reject with their `token_expired` error.
 */
export class TokenSession {
  private readonly provider: TokenProvider;
  private readonly signedOut: (reason: unknown) => void;
  /** The last renewal: the token it replaces, and the token it gives. */
  private renewal: { from: string | null; to: Promise<string | null> } | undefined;

  constructor(provider: TokenProvider, signedOut: (reason: unknown) => void) {
    this.provider = provider;
    this.signedOut = signedOut;
  }

  /**
   * Sends with the current token; when the answer (or, for a bundle, one of
   * its functions) says `token_expired`, renews and sends once more.
   */
  async send(sendWith: SendWithToken, expiredIn: (answer: unknown) => unknown = noExpiry): Promise<unknown> {
    const token = (await this.provider.getToken()) ?? null;
    if (token === null) return sendWith(null);
    let expired: unknown;
    try {
      const answer = await sendWith(token);
      expired = expiredIn(answer);
      if (expired === undefined) return answer;
    } catch (reason) {
      if (!isTokenExpired(reason)) throw reason;
      expired = reason;
    }
    const next = await this.renew(token);
    if (next === null) throw MizanError.from(expired);
    return sendWith(next);
  }

  /** One refresh per expired token, however many calls met it. */
  private renew(used: string): Promise<string | null> {
    if (this.renewal?.from === used) return this.renewal.to;
    const to = (async (): Promise<string | null> => {
      let token: string | null = null;
      let reason: unknown;
      try {
        token = (await this.provider.refresh()) ?? null;
      } catch (error) {
        reason = error;
      }
      if (token === null) this.signOut(reason);
      return token;
    })();
    this.renewal = { from: used, to };
    return to;
  }

  private signOut(reason: unknown): void {
    try {
      this.provider.onSignOut?.(reason);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
    this.signedOut(reason);
  }
}

function noExpiry(): undefined {
  return undefined;
}
