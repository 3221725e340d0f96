//! Runs tests/report_browser.sh (the HTML report in headless chromium) when chromium is
//! installed; otherwise says it was skipped.

#[test]
fn report_loads_in_headless_chromium() {
    let have = ["chromium", "chromium-browser"].iter().any(|b| {
        std::process::Command::new("sh")
            .args(["-c", &format!("command -v {b}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    });
    if !have {
        eprintln!("report_loads_in_headless_chromium: chromium not installed (apt-get install -y chromium); skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/report_browser.sh");
    let o = std::process::Command::new("bash")
        .args([
            script,
            env!("CARGO_BIN_EXE_fastsmr"),
            dir.path().to_str().unwrap(),
        ])
        .output()
        .expect("run tests/report_browser.sh");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("sorted:true"), "{out}");
}
