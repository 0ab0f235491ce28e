//! The @packages operator.

pub mod schemes;

/// Registers this operator. It has no working verb yet, so it registers nothing: an
/// operator appears in `tusk operators` only once a verb works.
pub fn register(_registry: &mut tusk_registry::Registry) {}
