//! What `#[client(context = C, cache(...))]` declares, and the rules that
//! decide whether an entry is fresh or may stand in for a failed run.

use super::record::Record;

/// How one context function's results are cached in the plugin process
/// (SPEC 6.1). Written by `#[client(context = C, cache)]` or
/// `cache(ttl = "5m", stale_if_error = "7d", timeout = "3s")`.
///
/// ```
/// use tauri_plugin_mizan::CachePolicy;
/// let p = CachePolicy::new(5 * 60_000, 7 * 86_400_000, 3_000);
/// assert_eq!(CachePolicy::DEFAULT.ttl_ms, 5 * 60_000);
/// assert!(p.stale_if_error_ms > 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CachePolicy {
    /// Milliseconds after it was stored during which an entry is served
    /// without running the function (unless an invalidation reached it).
    pub ttl_ms: u64,
    /// Milliseconds after it was stored during which an entry, even an
    /// invalidated or expired one, stands in for a run that failed
    /// (`Err`, panic or timeout). 0: never.
    pub stale_if_error_ms: u64,
    /// Milliseconds a run of an `async` function may take before the
    /// last entry stands in for it (only when stale-if-error allows one;
    /// the run goes on and stores its answer when it comes). 0: no limit.
    pub timeout_ms: u64,
}

impl CachePolicy {
    /// What a bare `cache` means: a 5 minute ttl, no stale-if-error, no
    /// timeout.
    pub const DEFAULT: CachePolicy = CachePolicy {
        ttl_ms: 5 * 60 * 1000,
        stale_if_error_ms: 0,
        timeout_ms: 0,
    };

    /// A policy from its three durations in milliseconds.
    pub const fn new(ttl_ms: u64, stale_if_error_ms: u64, timeout_ms: u64) -> Self {
        CachePolicy {
            ttl_ms,
            stale_if_error_ms,
            timeout_ms,
        }
    }

    /// Whether `record` may stand in for a failed run at `now`.
    pub(crate) fn may_stand_in(&self, record: &Record, now: u64) -> bool {
        self.stale_if_error_ms > 0 && now.saturating_sub(record.stored_at) <= self.stale_if_error_ms
    }
}

/// Whether an entry is served without running the function: not
/// invalidated, within the ttl the function declares now, stored at or before `now` (a clock set back
/// proves nothing), and trusted by the store (`min_generation`: entries of
/// a run that ended without closing the store are not, since invalidations
/// of that run may not have reached the disk).
pub(crate) fn is_fresh(
    record: &Record,
    invalidated: bool,
    now: u64,
    ttl_ms: u64,
    min_generation: u64,
) -> bool {
    !invalidated
        && record.stored_at <= now
        && now - record.stored_at < ttl_ms
        && record.generation >= min_generation
}
