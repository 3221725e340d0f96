//! Statistics: distribution functions (every p-value in one place), the chi-square-sum
//! distribution, the SMR test and HEIDI.

pub mod chisq_sum;
pub mod dist;
pub mod heidi;
pub mod log_tail;
pub mod multi;
pub mod overlap;
pub mod smr;
