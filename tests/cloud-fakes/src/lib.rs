//! Test-only fakes of cloud control planes that have no emulator.
