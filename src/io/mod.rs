//! Readers (and test/conversion writers) for every format fastsmr reads. Each submodule cites
//! the `data-spec/` section it implements.

pub mod besd;
pub mod epi;
pub mod esi;
pub mod gwas;
pub mod lists;
pub mod plink;
pub mod source;
pub mod text;
