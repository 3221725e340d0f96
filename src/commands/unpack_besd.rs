//! `--unpack-besd`: convert the eQTL input (tarball, gzipped members,
//! directory) into a plain BESD that later runs memory-map.

use crate::config::{out_path, Config};
use crate::error::Result;
use crate::log::RunLog;

/// `--unpack-besd`: convert the eQTL input into a plain BESD at `<out>.{besd,esi,epi}`
/// (data-spec/eqtlgen-tarball.md §4).
pub fn run(cfg: &Config, log: &mut RunLog) -> Result<()> {
    log.info(format!(
        "Converting {} into a plain BESD {}.{{besd,esi,epi}}",
        cfg.besd.prefix.display(),
        cfg.out.display()
    ));
    let c = crate::io::eqtl_source::convert_to_plain(&cfg.besd.prefix, &cfg.out)?;
    log.info(format!("  from {}", c.source.describe()));
    log.info(format!(
        "  {} SNPs, {} probes, layout {:?}, {} bytes of .besd; saved in {}",
        c.n_snps,
        c.n_probes,
        c.layout,
        c.besd_bytes,
        out_path(&cfg.out, "besd").display()
    ));
    Ok(())
}
