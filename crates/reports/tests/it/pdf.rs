//! Reading PDFs back with poppler-utils.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const REQUIRE_VAR: &str = "CEPHALOG_REQUIRE_PDFTOOLS";

/// The workspace's target directory: `CARGO_TARGET_DIR` when set, else `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
    }
}

fn runs(tool: &str) -> bool {
    Command::new(tool)
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Whether pdftotext, pdfinfo and pdftoppm are installed; says the test was skipped when not
/// (and fails instead when `CEPHALOG_REQUIRE_PDFTOOLS` is set).
pub fn tools(test: &str) -> bool {
    if ["pdftotext", "pdfinfo", "pdftoppm"].iter().all(|t| runs(t)) {
        return true;
    }
    assert!(
        std::env::var_os(REQUIRE_VAR).is_none(),
        "{REQUIRE_VAR} is set but poppler-utils (pdftotext, pdfinfo, pdftoppm) is not installed"
    );
    let _ = std::io::stderr().lock().write_all(
        format!("SKIPPED (pdftotext): {test} — install poppler-utils to run it\n").as_bytes(),
    );
    false
}

/// Writes `pdf` to `<target>/report-screens/<name>.pdf` and returns the path.
pub fn save(pdf: &[u8], name: &str) -> PathBuf {
    let dir = target_dir().join("report-screens");
    std::fs::create_dir_all(&dir).expect("report-screens directory");
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).expect("write pdf");
    path
}

/// The PDF's text as pdftotext lays it out (`-layout`: table rows stay on one line).
pub fn text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 text")
}

/// The number of pages pdfinfo reports.
pub fn pages(path: &Path) -> usize {
    let out = Command::new("pdfinfo").arg(path).output().expect("pdfinfo");
    assert!(
        out.status.success(),
        "pdfinfo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("a page count")
}

/// Saves the first page at 60 dpi as `<target>/report-screens/<name>.png`.
pub fn screenshot(path: &Path, name: &str) {
    let prefix = path.with_file_name(name);
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"])
        .arg(path)
        .arg(&prefix)
        .status()
        .expect("pdftoppm");
    assert!(status.success(), "pdftoppm failed");
    assert!(
        prefix.with_extension("png").exists(),
        "no screenshot written"
    );
}

/// Whether one line of `text` holds every token of `tokens`, in order.
pub fn has_row(text: &str, tokens: &[&str]) -> bool {
    text.lines().any(|line| {
        let mut rest = line;
        tokens.iter().all(|t| match rest.find(t) {
            Some(i) => {
                rest = &rest[i + t.len()..];
                true
            }
            None => false,
        })
    })
}
