//! Unit tests of matching, alignment and the frequency rule.

use super::*;
use crate::io::esi::EsiRecord;
use crate::io::esi::EsiTable;
use crate::io::gwas::GwasRecord;
use crate::io::gwas::GwasTable;
use crate::io::plink::BimRecord;
use crate::io::plink::BimTable;

fn esi_rec(snp: &str, a1: &str, a2: &str, freq: Option<f32>) -> EsiRecord {
    EsiRecord {
        chr: 1,
        snp: snp.into(),
        bp: 100,
        a1: a1.into(),
        a2: a2.into(),
        freq,
    }
}

fn gwas_rec(snp: &str, a1: &str, a2: &str, freq: Option<f64>) -> GwasRecord {
    GwasRecord {
        snp: snp.into(),
        a1: a1.into(),
        a2: a2.into(),
        freq,
        b: Some(0.1),
        se: Some(0.01),
        p: Some(0.5),
        n: None,
        chr: Some(1),
        bp: Some(100),
    }
}

#[test]
fn strand_flip_is_opt_in_and_settles_palindromes_by_frequency() {
    let on = MatchOptions { strand_flip: true };
    let off = MatchOptions::default();
    let al = |swapped, strand| GwasAlleles::Aligned { swapped, strand };
    let e = esi_rec("rs1", "A", "G", Some(0.2));
    // Complement T/C of A/G: mismatch by default, same orientation with --strand-flip.
    let g = gwas_rec("rs1", "T", "C", Some(0.2));
    assert_eq!(
        match_gwas_alleles(e.as_row(), g.as_row(), &off),
        GwasAlleles::Mismatch
    );
    assert_eq!(
        match_gwas_alleles(e.as_row(), g.as_row(), &on),
        al(false, true)
    );
    let g = gwas_rec("rs1", "C", "T", Some(0.8));
    assert_eq!(
        match_gwas_alleles(e.as_row(), g.as_row(), &on),
        al(true, true)
    );
    // Palindromic A/T: default matches as written; with the flag, frequency decides.
    let e = esi_rec("rs2", "A", "T", Some(0.2));
    let g = gwas_rec("rs2", "A", "T", Some(0.8));
    assert_eq!(
        match_gwas_alleles(e.as_row(), g.as_row(), &off),
        al(false, false)
    );
    assert_eq!(
        match_gwas_alleles(e.as_row(), g.as_row(), &on),
        al(true, true)
    );
    let g = gwas_rec("rs2", "A", "T", Some(0.15));
    assert_eq!(
        match_gwas_alleles(e.as_row(), g.as_row(), &on),
        al(false, false)
    );
    let g = gwas_rec("rs2", "T", "A", Some(0.85));
    assert_eq!(
        match_gwas_alleles(e.as_row(), g.as_row(), &on),
        al(true, false)
    );
    let g = gwas_rec("rs2", "A", "T", Some(0.45));
    assert_eq!(
        match_gwas_alleles(e.as_row(), g.as_row(), &on),
        GwasAlleles::Ambiguous
    );
    let g = gwas_rec("rs2", "A", "T", None);
    assert_eq!(
        match_gwas_alleles(e.as_row(), g.as_row(), &on),
        GwasAlleles::Ambiguous
    );
    let g = gwas_rec("rs2", "A", "C", Some(0.2));
    assert_eq!(
        match_gwas_alleles(e.as_row(), g.as_row(), &on),
        GwasAlleles::Mismatch
    );
}

#[test]
fn written_gwas_alleles_follow_from_the_alignment() {
    // Every pair of GWAS alleles against every eQTL pair, palindromic ones included, with
    // and without --strand-flip, and frequencies on both sides of 0.5.
    let bases = ["A", "C", "G", "T", "AT"];
    let mut aligned = 0;
    for opts in [MatchOptions::default(), MatchOptions { strand_flip: true }] {
        for e1 in bases {
            for e2 in bases.into_iter().filter(|&b| b != e1) {
                for g1 in bases {
                    for g2 in bases.into_iter().filter(|&b| b != g1) {
                        for (ef, gf) in [(0.2, 0.2), (0.2, 0.8), (0.8, 0.2)] {
                            let e = esi_rec("rs", e1, e2, Some(ef));
                            let g = gwas_rec("rs", g1, g2, Some(gf));
                            if let GwasAlleles::Aligned { swapped, strand } =
                                match_gwas_alleles(e.as_row(), g.as_row(), &opts)
                            {
                                aligned += 1;
                                assert_eq!(
                                    gwas_alleles_as_written(e1, e2, swapped, strand),
                                    Some((g1, g2)),
                                    "eQTL {e1}/{e2} GWAS {g1}/{g2} {opts:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(aligned > 100, "{aligned}");
}

#[test]
fn chrpos_renames_only_matching_alleles() {
    let esi = vec![
        esi_rec("rs1", "A", "G", None),
        esi_rec("rs2", "C", "T", None),
    ];
    let esi = EsiTable::from_records(&esi);
    let mut g = vec![
        gwas_rec("1:100_A_G", "G", "A", None), // rs1 (swapped alleles)
        gwas_rec("x", "C", "A", None),         // no allele match at 1:100
        gwas_rec("rs1", "A", "G", None),       // already rs1: kept
    ];
    let p = std::path::Path::new("g");
    let mut t = GwasTable::from_records(&g);
    let r = rename_by_chrpos(&mut t, &esi, &[0], &MatchOptions::default(), p).unwrap();
    assert!(r.is_empty(), "rs1 is taken by the third row: {r:?}");
    g.pop();
    let mut t = GwasTable::from_records(&g);
    let r = rename_by_chrpos(&mut t, &esi, &[0, 1], &MatchOptions::default(), p).unwrap();
    assert_eq!(r, [("1:100_A_G".to_string(), "rs1".to_string())]);
    assert_eq!((t.snp(0), t.snp(1)), ("rs1", "x"));
}

fn triple(r: Option<f64>, g: Option<f64>, e: Option<f64>) -> FreqTriple {
    FreqTriple {
        reference: r,
        gwas: g,
        eqtl: e,
    }
}

#[test]
fn indexed_matching_equals_three_way_matching() {
    for reversed in [true, false] {
        indexed_matching_case(reversed);
    }
}

fn indexed_matching_case(reversed: bool) {
    // IDs: s0..s39 with a deterministic mix of absences, allele swaps, mismatches and a
    // duplicated GWAS ID; .bim in a different order from the .esi and GWAS (the hash
    // lookups), or in the same order (the look-ahead of `locate`).
    let ids: Vec<String> = (0..40).map(|i| format!("s{i}")).collect();
    let esi: Vec<EsiRecord> = ids
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 7 != 3)
        .map(|(i, id)| EsiRecord {
            chr: 1,
            snp: id.as_str().into(),
            bp: i as i64,
            a1: "A".into(),
            a2: if i % 11 == 5 { "C" } else { "G" }.into(),
            freq: None,
        })
        .collect();
    let mut order: Vec<(usize, &String)> = ids.iter().enumerate().collect();
    if reversed {
        order.reverse();
    }
    let bim: Vec<BimRecord> = order
        .into_iter()
        .filter(|(i, _)| i % 5 != 2)
        .map(|(i, id)| BimRecord {
            chr: 1,
            snp: id.as_str().into(),
            cm: 0.0,
            bp: i as i64,
            a1: if i % 2 == 0 { "A" } else { "G" }.into(),
            a2: if i % 2 == 0 { "G" } else { "A" }.into(),
        })
        .collect();
    let mut gwas: Vec<GwasRecord> = ids
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 6 != 1)
        .map(|(i, id)| GwasRecord {
            snp: id.as_str().into(),
            a1: if i % 3 == 0 { "G" } else { "A" }.into(),
            a2: if i % 3 == 0 {
                "A"
            } else if i % 13 == 4 {
                "T"
            } else {
                "G"
            }
            .into(),
            freq: None,
            b: Some(0.1),
            se: Some(0.01),
            p: Some(0.5),
            n: None,
            chr: None,
            bp: None,
        })
        .collect();
    gwas.push(gwas[2].clone());
    let (esi, bim, gwas) = (
        EsiTable::from_records(&esi),
        BimTable::from_records(&bim),
        GwasTable::from_records(&gwas),
    );
    let esi_keep: Vec<u32> = (0..esi.len() as u32).filter(|i| i % 9 != 8).collect();
    let bim_keep: Vec<u32> = (0..bim.len() as u32).filter(|i| i % 8 != 7).collect();
    let ix = MatchIndex::new(&esi, &esi_keep, &bim, &bim_keep);
    // Each GWAS row located as a linear search gives it.
    let loc = ix.locate(&gwas, &esi, &bim, &bim_keep);
    assert_eq!(loc.len(), gwas.len());
    for g in 0..gwas.len() {
        let id = gwas.snp(g);
        let b = (0..bim.len()).find(|&b| bim.snp(b) == id);
        assert_eq!(
            loc.in_ref(g),
            b.is_some_and(|b| bim_keep.contains(&(b as u32))),
            "{id}"
        );
        assert_eq!(
            loc.in_eqtl(g),
            esi_keep.iter().any(|&e| esi.snp(e as usize) == id)
        );
    }
    for b in 0..bim.len() {
        let first = (0..gwas.len()).find(|&g| gwas.snp(g) == bim.snp(b));
        assert_eq!(loc.gwas_of_bim(b), first, "{}", bim.snp(b));
    }
    for opts in [MatchOptions::default(), MatchOptions { strand_flip: true }] {
        let a = match_three_way_with(&gwas, &esi, &esi_keep, &bim, &bim_keep, &opts);
        let b = ix.match_gwas(&gwas, &esi, &bim, &bim_keep, &opts);
        assert!(!a.snps.is_empty() && !a.dropped.is_empty());
        assert_eq!(a.snps, b.snps);
        assert_eq!(a.dropped, b.dropped);
    }
}

#[test]
fn allele_matching_is_exact_and_ordered() {
    assert_eq!(match_alleles("A", "G", "A", "G"), AlleleMatch::Same);
    assert_eq!(match_alleles("A", "G", "G", "A"), AlleleMatch::Swapped);
    // No strand flipping: the complement is a mismatch (reference behaviour).
    assert_eq!(match_alleles("A", "G", "T", "C"), AlleleMatch::Mismatch);
    // Palindromic SNPs match directly like any other.
    assert_eq!(match_alleles("A", "T", "T", "A"), AlleleMatch::Swapped);
}

#[test]
fn swapping_twice_is_identity() {
    let g = GwasRecord {
        snp: "rs1".into(),
        a1: "A".into(),
        a2: "G".into(),
        freq: Some(0.3),
        b: Some(0.25),
        se: Some(0.01),
        p: Some(0.5),
        n: None,
        chr: None,
        bp: None,
    };
    let once = align_gwas(g.as_row(), true);
    assert_eq!(once.b, Some(-0.25));
    assert_eq!(once.freq, Some(0.7));
    let mut g2 = g.clone();
    g2.b = once.b;
    g2.freq = once.freq;
    let twice = align_gwas(g2.as_row(), true);
    assert_eq!(twice.b, g.b);
    assert!((twice.freq.unwrap() - 0.3).abs() < 1e-15);
}

#[test]
fn zero_or_missing_frequency_is_not_flipped() {
    let mut g = GwasRecord {
        snp: "rs1".into(),
        a1: "A".into(),
        a2: "G".into(),
        freq: Some(0.0),
        b: Some(1.0),
        se: Some(1.0),
        p: Some(0.3),
        n: None,
        chr: None,
        bp: None,
    };
    assert_eq!(align_gwas(g.as_row(), true).freq, Some(0.0));
    g.freq = None;
    assert_eq!(align_gwas(g.as_row(), true).freq, None);
}

#[test]
fn frequency_check_cases_from_the_rule_table() {
    let d = 0.2;
    // GWAS missing, eQTL present: reference vs eQTL only.
    assert!(triple(Some(0.5), None, Some(0.75)).fails(d));
    assert!(!triple(Some(0.5), None, Some(0.65)).fails(d));
    // GWAS present, eQTL missing.
    assert!(triple(Some(0.1), Some(0.35), None).fails(d));
    // All present: any pair.
    assert!(triple(Some(0.5), Some(0.5), Some(0.25)).fails(d));
    assert!(!triple(Some(0.5), Some(0.45), Some(0.55)).fails(d));
    // Both missing, or a frequency of exactly 0: passes.
    assert!(!triple(Some(0.9), None, None).fails(d));
    assert!(!triple(Some(0.9), Some(0.0), Some(0.1)).fails(d));
    // Without reference only GWAS vs eQTL.
    assert!(triple(None, Some(0.1), Some(0.9)).fails(d));
    assert!(!triple(None, None, Some(0.9)).fails(d));
}
