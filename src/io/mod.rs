//! Readers (and test/conversion writers) for every format fastsmr reads. Each submodule cites
//! the `data-spec/` section it implements.

pub mod besd;
pub mod columns;
pub mod epi;
pub mod eqtl_source;
pub mod esi;
pub mod fields;
pub mod freq;
pub mod gwas;
pub mod gwas_columns;
pub mod id_index;
pub mod lists;
pub mod plink;
pub mod read_ahead;
pub mod releases;
pub mod smr_table;
pub mod source;
pub mod text;
