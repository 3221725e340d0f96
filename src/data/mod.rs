//! Data loaded once per run and shared read-only by every trait and analysis: the eQTL
//! dataset ([`eqtl::EqtlData`]), the LD reference with its SNP-ID index
//! ([`reference::LdReference`]), and the ID lists that filter both ([`lists::IdLists`]).

pub mod datasets;
pub mod eqtl;
pub mod lists;
pub mod reference;
pub mod sets;

pub use eqtl::EqtlData;
pub use lists::IdLists;
pub use reference::{load_both, LdReference};
