/**
 * Single-flight refresh (docs/protocol.md: "Single-flight refresh"): what the plugin says it supports, and
 * how many bundle keys a `call` lists in its `refresh`.
 *
 * The plugin advertises the feature in its initialization script
 * (`window.__MIZAN_FEATURES__.refresh = { max }`), so the client knows
 * before its first call, with no round trip. A plugin without it sets no
 * `refresh`: the client then never sends the key (such a plugin would
 * answer `invalid_args` and not run the call).
 */

/** The client's single-flight setting: on (default), off, or on with a smaller bound. */
export type SingleFlightOption = boolean | { readonly max?: number };

/** What the plugin of this webview answers, from its initialization script. */
export interface PluginFeatures {
  /** Present when `call` answers a `refresh` list; `max` keys at most. */
  readonly refresh?: { readonly max: number };
}

/** The features the plugin advertised to this webview (none outside Tauri or with an older plugin). */
export function pluginFeatures(): PluginFeatures {
  const features = (globalThis as { __MIZAN_FEATURES__?: unknown }).__MIZAN_FEATURES__;
  if (typeof features !== 'object' || features === null) return {};
  const refresh = (features as { refresh?: { max?: unknown } }).refresh;
  if (typeof refresh?.max !== 'number' || !(refresh.max >= 0)) return {};
  return { refresh: { max: refresh.max } };
}

/**
 * How many keys a call may list: 0 when the client or the plugin has it
 * off, else the smaller of the two bounds.
 */
export function refreshLimit(option: SingleFlightOption | undefined, features: PluginFeatures): number {
  if (option === false || !features.refresh) return 0;
  const own = typeof option === 'object' && typeof option.max === 'number' ? option.max : Infinity;
  return Math.max(0, Math.floor(Math.min(own, features.refresh.max)));
}
