//! The time source: seconds since the Unix epoch.

use std::{
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

/// Seconds since the Unix epoch.
pub(crate) type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

pub(crate) fn system_clock() -> Clock {
    Arc::new(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    })
}
