//! HEIDI.
