//! Headless Chromium for the tests that look at the HTML report as a browser shows it.
//!
//! Without Chromium a test prints SKIP and passes, unless `CI` is set: CI installs it (.ci/run)
//! and must run it.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Where screenshots and the pages they show are kept: under the target directory, never the
/// repository, left there to look at.
pub fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-html");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Chromium (or Chrome) on PATH; `None` after printing SKIP (failing under CI).
pub fn find() -> Option<PathBuf> {
    let found = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .find_map(|name| which::which(name).ok());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the headless browser test cannot run under CI: no chromium on PATH (.ci/run installs it)"
        );
        let _ = writeln!(
            std::io::stderr(),
            "SKIP headless browser test: no chromium, chromium-browser or google-chrome on PATH"
        );
    }
    found
}

/// Runs headless `browser` on `page` with `args`, with a profile and home of its own that are
/// removed after (Chromium otherwise writes into $HOME). Fails past two minutes.
pub fn headless(browser: &Path, page: &Path, args: &[String]) -> Output {
    let profile = tempfile::Builder::new()
        .prefix("chromium-profile-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap();
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--window-size=1200,2000",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    // Its crash database goes to the configuration directory whatever the profile: there too.
    .env("HOME", profile.path())
    .env("XDG_CONFIG_HOME", profile.path())
    .env("XDG_CACHE_HOME", profile.path())
    .args(args)
    .arg(url)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let started = Instant::now();
    let child = cmd.spawn().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    let o = match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("hung: {cmd:?}");
        }
    };
    assert!(
        o.status.success(),
        "{browser:?} failed after {:?}: {}",
        started.elapsed(),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// A screenshot of `page` at 1200x2000 into `png`; checks it is a PNG of that size and not a
/// blank page.
pub fn screenshot(browser: &Path, page: &Path, png: &Path) {
    let _ = std::fs::remove_file(png);
    headless(browser, page, &[format!("--screenshot={}", png.display())]);
    let bytes = std::fs::read(png).expect("a screenshot");
    assert_eq!(png_size(&bytes), (1200, 2000));
    // A blank page of this size compresses to a few kB; a report is tables and text.
    assert!(bytes.len() > 30_000, "{} bytes: a blank page?", bytes.len());
    eprintln!("screenshot: {}", png.display());
}

/// The DOM the browser built from `page`, serialised.
pub fn dom(browser: &Path, page: &Path) -> String {
    let o = headless(browser, page, &["--dump-dom".to_string()]);
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Width and height of a PNG, from its IHDR chunk; panics if `bytes` is no PNG.
pub fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.len() > 24, "{} bytes is no PNG", bytes.len());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "no PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes(b.try_into().unwrap());
    (be(&bytes[16..20]), be(&bytes[20..24]))
}
