//! Composer version semantics (in progress).
