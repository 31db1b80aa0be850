//! The rules that decide whether an entry is fresh or may stand in for a
//! failed run, under what `#[client(context = C, cache(...))]` declares
//! (a [`CachePolicy`] in the registry).

use super::record::Record;
use crate::core::registry::CachePolicy;

/// Whether `record` may stand in for a failed run at `now`: stored within
/// the bound, and not after `now` (a time in the future proves nothing, and
/// would stand in forever).
pub(crate) fn may_stand_in(policy: &CachePolicy, record: &Record, now: u64) -> bool {
    policy.stale_if_error_ms > 0
        && record.stored_at <= now
        && now - record.stored_at <= policy.stale_if_error_ms
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
