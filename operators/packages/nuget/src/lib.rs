//! NuGet version semantics (in progress).
