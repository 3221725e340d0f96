//! The SMR test.
