//! The walk over a layout: oci-layout, blobs/, index.json, then every descriptor from
//! index.json down (nested indexes, manifests, configs, layers, subjects), each blob resolved
//! inside the layout and verified as it is read.

use crate::checks::{self, at, IMAGE_CONFIG, INDEX, LAYER_GZIP, LAYER_TAR, MANIFEST};
use crate::digest::{self, Alg, Tee};
use crate::rules::{self, Rule};
use crate::schema::{self, Kind};
use crate::{Error, Finding, Options, Report};
use oci_check_validator::json::{self, ParseError};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender};

/// Nested indexes deeper than this are not followed (a real layout nests one or two).
const MAX_DEPTH: usize = 16;

/// Validates the image layout in `dir`.
pub fn validate_layout(dir: &Path, opts: &Options) -> Result<Report, Error> {
    let meta = std::fs::metadata(dir).map_err(|e| io_error(dir, e))?;
    if !meta.is_dir() {
        return Err(Error::NotADirectory(dir.to_path_buf()));
    }
    let root = std::fs::canonicalize(dir).map_err(|e| io_error(dir, e))?;
    std::fs::read_dir(&root).map_err(|e| io_error(dir, e))?;
    let mut w = Walker {
        root,
        opts: opts.clone(),
        report: Report::default(),
        done: HashMap::new(),
        hashed: 0,
        blobs: 0,
        saw_manifest: false,
        saw_config: false,
        diff_checked: 0,
        diff_unchecked: Vec::new(),
    };
    w.layout_file()?;
    w.blobs_dir();
    w.index_json()?;
    w.finish();
    w.report.locate();
    Ok(w.report)
}

fn io_error(path: &Path, err: io::Error) -> Error {
    if err.kind() == io::ErrorKind::NotFound {
        Error::NotFound(path.to_path_buf())
    } else {
        Error::Io {
            path: path.to_path_buf(),
            err,
        }
    }
}

/// Where a name in the layout leads.
enum Resolved {
    Missing,
    /// A symlink whose target is outside the layout (or cannot be resolved).
    Outside(String),
    NotRegular(&'static str),
    File(PathBuf, u64),
}

/// What reading a blob gave.
struct Blob {
    /// The bytes, for a JSON document (read whole, capped).
    bytes: Option<Vec<u8>>,
    /// The content matched its digest (or the algorithm is not one we verify).
    trusted: bool,
    /// The DiffID computed while reading (None: not asked, or the layer did not decompress).
    diff_id: Option<String>,
    /// For a layer: what reading it as a tar archive found.
    tar: Option<TarCheck>,
    /// Path relative to the layout.
    rel: String,
}

/// A layer to read as a tar archive (gzip-compressed or not) while its blob is hashed, and the
/// algorithm of the DiffID to compute on the way, when the config gives one.
#[derive(Clone, Copy)]
struct LayerSpec {
    gzip: bool,
    diff: Option<Alg>,
}

/// What reading a layer as a tar archive found.
#[derive(Debug, Default)]
struct TarCheck {
    /// Why it is not a (gzip-compressed) tar archive.
    problem: Option<String>,
    /// Paths given by more than one entry.
    duplicates: Vec<String>,
}

/// A reader that feeds what passes through it to a hasher, when there is one.
struct MaybeTee<R> {
    inner: R,
    hasher: Option<digest::Hasher>,
}

impl<R: Read> Read for MaybeTee<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// Reads `file` in `BUFFER`-sized chunks, hashes each and passes it on while anyone listens.
fn hash_and_send(mut file: File, alg: Alg, tx: SyncSender<Vec<u8>>) -> io::Result<(String, u64)> {
    let mut hasher = alg.hasher();
    let mut total = 0u64;
    let mut listening = true;
    loop {
        let mut buf = vec![0u8; digest::BUFFER];
        let n = loop {
            match file.read(&mut buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        if n == 0 {
            return Ok((hasher.finish(), total));
        }
        buf.truncate(n);
        hasher.update(&buf);
        total += n as u64;
        listening = listening && tx.send(buf).is_ok();
    }
}

/// The chunks `hash_and_send` passes on, as one stream; it ends when the sender does.
struct Chunks {
    rx: Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    pos: usize,
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Chunks {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.chunk.len() {
            self.chunk = self.rx.recv().unwrap_or_default();
            self.pos = 0;
        }
        Ok(&self.chunk[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
    }
}

/// Reads a tar archive to its end, noting duplicate paths, then drains what follows it (so
/// hashers on the way see the whole stream).
fn check_tar<R: Read>(reader: R) -> (TarCheck, R) {
    let mut check = TarCheck::default();
    let mut archive = tar::Archive::new(reader);
    let mut seen = HashSet::new();
    match archive.entries() {
        Ok(entries) => {
            for entry in entries {
                match entry {
                    Ok(e) => {
                        let path = normalize(&e.path_bytes());
                        if !seen.insert(path.clone()) && !check.duplicates.contains(&path) {
                            check.duplicates.push(path);
                        }
                    }
                    Err(err) => {
                        check.problem = Some(err.to_string());
                        break;
                    }
                }
            }
        }
        Err(err) => check.problem = Some(err.to_string()),
    }
    let mut reader = archive.into_inner();
    if let Err(err) = io::copy(&mut reader, &mut io::sink()) {
        check.problem.get_or_insert(err.to_string());
    }
    (check, reader)
}

/// A tar entry's path as the filesystem will see it: no leading "./" or "/", no trailing "/".
fn normalize(raw: &[u8]) -> String {
    let s = String::from_utf8_lossy(raw);
    let mut p: &str = &s;
    while let Some(rest) = p.strip_prefix("./").or_else(|| p.strip_prefix('/')) {
        p = rest;
    }
    p.trim_end_matches('/').to_string()
}

struct Walker {
    root: PathBuf,
    opts: Options,
    report: Report,
    /// Digests of index and manifest documents already checked (each once, however often it is
    /// referenced), with a manifest's image config.
    done: HashMap<String, Option<Value>>,
    hashed: u64,
    blobs: u64,
    saw_manifest: bool,
    saw_config: bool,
    diff_checked: usize,
    diff_unchecked: Vec<String>,
}

impl Walker {
    fn push(&mut self, f: Finding) {
        self.report.findings.push(f);
    }

    fn resolve(&self, rel: &str) -> Resolved {
        let path = self.root.join(rel);
        // symlink_metadata: a dangling symlink exists (and is refused below), it is not missing.
        if std::fs::symlink_metadata(&path).is_err() {
            return Resolved::Missing;
        }
        let Ok(real) = std::fs::canonicalize(&path) else {
            return Resolved::Outside("a symlink that does not resolve".into());
        };
        if !real.starts_with(&self.root) {
            return Resolved::Outside(format!("a symlink to {}", real.display()));
        }
        let Ok(meta) = std::fs::metadata(&real) else {
            return Resolved::Missing;
        };
        let ft = meta.file_type();
        let kind = if ft.is_dir() {
            "directory"
        } else if ft.is_fifo() {
            "FIFO"
        } else if ft.is_socket() {
            "socket"
        } else if ft.is_char_device() {
            "character device"
        } else if ft.is_block_device() {
            "block device"
        } else {
            return Resolved::File(real, meta.len());
        };
        Resolved::NotRegular(kind)
    }

    /// Opens a resolved file: no symlink is followed at the last step (the path is already
    /// canonical; a symlink put there since would be refused), O_NONBLOCK so nothing can hang.
    fn open(&self, real: &Path) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_NOFOLLOW)
            .open(real)
    }

    /// Reads a JSON document whole (up to --max-size).
    fn read_capped(&self, real: &Path, len: u64) -> Result<Vec<u8>, Error> {
        if len > self.opts.max_size {
            return Err(Error::TooLarge {
                path: real.to_path_buf(),
                size: len,
                max: self.opts.max_size,
            });
        }
        let file = self.open(real).map_err(|e| io_error(real, e))?;
        let mut bytes = Vec::with_capacity(len as usize);
        file.take(self.opts.max_size + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| io_error(real, e))?;
        if bytes.len() as u64 > self.opts.max_size {
            return Err(Error::TooLarge {
                path: real.to_path_buf(),
                size: bytes.len() as u64,
                max: self.opts.max_size,
            });
        }
        Ok(bytes)
    }

    /// Parses a document, reporting syntax and duplicate names; keeps its text for positions.
    fn parse(&mut self, rel: &str, bytes: &[u8]) -> Option<Value> {
        // Kept also when it does not parse: the report shows the line with the error.
        if let Ok(text) = std::str::from_utf8(bytes) {
            self.report
                .documents
                .insert(rel.to_string(), text.to_string());
        }
        match json::parse(bytes) {
            Ok(parsed) => {
                for d in &parsed.duplicates {
                    self.push(
                        Finding::new(
                            &rules::JSON_DUPLICATES,
                            rel,
                            d.pointer.clone(),
                            format!("member \"{}\" appears more than once in the same object; readers disagree on which value wins", d.name),
                        )
                        .expected("each name once per object"),
                    );
                }
                Some(parsed.value)
            }
            Err(e) => {
                let (msg, pos) = match e {
                    ParseError::Utf8 {
                        line,
                        column,
                        offset,
                    } => (format!("byte {offset} is not valid UTF-8"), (line, column)),
                    ParseError::Bom => (
                        "the file starts with a byte order mark (U+FEFF)".into(),
                        (1, 1),
                    ),
                    ParseError::Syntax {
                        line,
                        column,
                        message,
                    } => (format!("not valid JSON: {message}"), (line, column)),
                };
                let mut f = Finding::new(&rules::JSON_SYNTAX, rel, "", msg);
                f.line = Some(pos.0);
                f.column = Some(pos.1);
                self.push(f);
                None
            }
        }
    }

    // --- the layout files ---------------------------------------------------------------

    fn layout_file(&mut self) -> Result<(), Error> {
        let Some(bytes) = self.layout_document("oci-layout", &rules::LAYOUT_FILE)? else {
            return Ok(());
        };
        let Some(v) = self.parse("oci-layout", &bytes) else {
            return Ok(());
        };
        if !v.is_object() {
            self.push(
                Finding::new(
                    &rules::LAYOUT_FILE,
                    "oci-layout",
                    "",
                    "oci-layout is not a JSON object",
                )
                .expected("{\"imageLayoutVersion\": \"1.0.0\"}")
                .observed(schema::excerpt(&v)),
            );
            return Ok(());
        }
        schema::check(Kind::Layout, &v, "oci-layout", &mut self.report.findings);
        if let Some(ver) = v.get("imageLayoutVersion").and_then(Value::as_str) {
            self.report
                .facts
                .insert("imageLayoutVersion".into(), ver.to_string());
            if ver != "1.0.0" {
                self.push(
                    Finding::new(&rules::LAYOUT_VERSION_KNOWN, "oci-layout", "/imageLayoutVersion",
                        format!("imageLayoutVersion \"{ver}\" is not a layout version image-spec v1.1.1 defines; readers may not understand this layout"))
                    .expected("\"1.0.0\"")
                    .observed(format!("\"{ver}\"")),
                );
            }
        }
        Ok(())
    }

    /// Reads oci-layout or index.json: missing, a symlink out, or not a regular file is a
    /// finding of `rule`.
    fn layout_document(
        &mut self,
        rel: &str,
        rule: &'static Rule,
    ) -> Result<Option<Vec<u8>>, Error> {
        match self.resolve(rel) {
            Resolved::Missing => {
                self.push(Finding::new(
                    rule,
                    rel,
                    "",
                    format!("the layout has no {rel} file"),
                ));
                Ok(None)
            }
            Resolved::Outside(what) => {
                self.push(Finding::new(
                    &rules::BLOB_INSIDE,
                    rel,
                    "",
                    format!("{rel} is {what}, outside the layout; not read"),
                ));
                Ok(None)
            }
            Resolved::NotRegular(kind) => {
                self.push(Finding::new(
                    rule,
                    rel,
                    "",
                    format!("{rel} is a {kind}, not a regular file; not read"),
                ));
                Ok(None)
            }
            Resolved::File(real, len) => self.read_capped(&real, len).map(Some),
        }
    }

    fn blobs_dir(&mut self) {
        let dir = self.root.join("blobs");
        match std::fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                self.push(Finding::new(
                    &rules::BLOBS_DIR,
                    "blobs",
                    "",
                    "blobs is not a directory",
                ));
                return;
            }
            Err(_) => {
                self.push(Finding::new(
                    &rules::BLOBS_DIR,
                    "blobs",
                    "",
                    "the layout has no blobs directory (it MUST exist, and MAY be empty)",
                ));
                return;
            }
        }
        let Ok(algs) = std::fs::read_dir(&dir) else {
            return;
        };
        let mut algs: Vec<_> = algs.flatten().collect();
        algs.sort_by_key(|e| e.file_name());
        for alg in algs {
            let name = alg.file_name().to_string_lossy().into_owned();
            let rel = format!("blobs/{name}");
            if !digest::is_algorithm(&name) {
                self.push(
                    Finding::new(&rules::BLOB_NAMES, &rel, "", format!("\"{name}\" is not an algorithm name by the digest grammar ([a-z0-9]+ joined by [+._-])"))
                        .observed(format!("\"{name}\"")),
                );
                continue;
            }
            if !alg.file_type().is_ok_and(|t| t.is_dir()) {
                self.push(Finding::new(
                    &rules::BLOB_NAMES,
                    &rel,
                    "",
                    format!("{rel} is not a directory: blobs/ holds one directory per algorithm"),
                ));
                continue;
            }
            let Ok(children) = std::fs::read_dir(alg.path()) else {
                continue;
            };
            let mut children: Vec<_> = children
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            children.sort();
            for enc in children {
                let rel = format!("blobs/{name}/{enc}");
                let problem = if !digest::is_encoded(&enc) {
                    Some("not an encoded digest by the grammar ([a-zA-Z0-9=_-]+)".to_string())
                } else {
                    Alg::from_name(&name).and_then(|a| digest::registered_form_problem(a, &enc))
                };
                if let Some(p) = problem {
                    self.push(
                        Finding::new(&rules::BLOB_NAMES, &rel, "", format!("\"{enc}\": {p}"))
                            .observed(format!("\"{enc}\"")),
                    );
                }
            }
        }
    }

    fn index_json(&mut self) -> Result<(), Error> {
        let parsed = match self.layout_document("index.json", &rules::INDEX_FILE)? {
            Some(bytes) => self.parse("index.json", &bytes),
            None => None,
        };
        let Some(v) = parsed else {
            self.skip_all_but_layout("index.json could not be read: there is nothing to follow");
            return Ok(());
        };
        if !v.is_object() {
            self.push(
                Finding::new(
                    &rules::INDEX_FILE,
                    "index.json",
                    "",
                    "index.json is not a JSON object (it MUST be an image index)",
                )
                .observed(schema::excerpt(&v)),
            );
            self.skip_all_but_layout(
                "index.json is not an image index: there is nothing to follow",
            );
            return Ok(());
        }
        self.index_doc("index.json", &v, true, 0)
    }

    fn skip_all_but_layout(&mut self, reason: &str) {
        let layout_rules = [
            &rules::LAYOUT_FILE,
            &rules::LAYOUT_VERSION,
            &rules::LAYOUT_VERSION_KNOWN,
            &rules::BLOBS_DIR,
            &rules::BLOB_NAMES,
            &rules::INDEX_FILE,
            &rules::JSON_SYNTAX,
            &rules::JSON_DUPLICATES,
            &rules::BLOB_INSIDE,
        ];
        for r in rules::CATALOGUE {
            if !layout_rules.iter().any(|l| l.id == r.id) {
                self.report.skipped.insert(r.id, reason.to_string());
            }
        }
    }

    // --- documents ------------------------------------------------------------------------

    fn index_doc(
        &mut self,
        file: &str,
        v: &Value,
        layout_index: bool,
        depth: usize,
    ) -> Result<(), Error> {
        schema::check(Kind::Index, v, file, &mut self.report.findings);
        checks::index(v, file, layout_index, &mut self.report.findings);
        let items = v
            .get("manifests")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (i, d) in items.iter().enumerate() {
            let ptr = format!("/manifests/{i}");
            self.descriptor_target(file, &ptr, d, depth)?;
        }
        if let Some(s) = v.get("subject") {
            self.blob(file, "/subject", s, false, None, true)?;
        }
        Ok(())
    }

    /// Follows one entry of an index to what it points at.
    fn descriptor_target(
        &mut self,
        file: &str,
        ptr: &str,
        d: &Value,
        depth: usize,
    ) -> Result<(), Error> {
        let mt = d
            .get("mediaType")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let json = mt == INDEX || mt == MANIFEST;
        let Some(blob) = self.blob(file, ptr, d, json, None, false)? else {
            return Ok(());
        };
        let Some(bytes) = blob.bytes.filter(|_| blob.trusted) else {
            return Ok(());
        };
        let digest = d
            .get("digest")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        // A document referenced again (two tags for one manifest) is checked once; each entry
        // pointing to a manifest is still held against its image config.
        if let Some(seen) = self.done.get(&digest) {
            let config = seen.clone();
            self.platform_of_entry(file, ptr, d, config);
            return Ok(());
        }
        self.done.insert(digest.clone(), None);
        let Some(v) = self.parse(&blob.rel, &bytes) else {
            return Ok(());
        };
        self.media_type_matches(&blob.rel, &v, mt);
        if mt == INDEX {
            if depth >= MAX_DEPTH {
                return Ok(());
            }
            self.index_doc(&blob.rel, &v, false, depth + 1)
        } else {
            let config = self.manifest_doc(&blob.rel, &v)?;
            self.done.insert(digest, config.clone());
            self.platform_of_entry(file, ptr, d, config);
            Ok(())
        }
    }

    fn media_type_matches(&mut self, rel: &str, v: &Value, expected: &str) {
        if let Some(own) = v.get("mediaType").and_then(Value::as_str) {
            if own != expected {
                self.push(
                    Finding::new(&rules::MEDIA_TYPE_MATCHES, rel, "/mediaType",
                        format!("the blob says it is a {own}, but the descriptor pointing to it says {expected}"))
                    .expected(format!("\"{expected}\""))
                    .observed(format!("\"{own}\"")),
                );
            }
        }
    }

    /// An index entry's platform against the image config its manifest leads to.
    fn platform_of_entry(&mut self, file: &str, ptr: &str, d: &Value, config: Option<Value>) {
        let Some(config) = config else { return };
        let Some(p) = d.get("platform") else {
            self.push(Finding::new(&rules::INDEX_PLATFORM, file, ptr,
                format!("this entry points to a container image for {} but has no platform, so a runtime choosing by platform cannot select it", platform_text(&config)))
                .hint(format!("add \"platform\": {}", platform_json(&config))));
            return;
        };
        for field in ["architecture", "os", "variant"] {
            let want = config.get(field).and_then(Value::as_str);
            let have = p.get(field).and_then(Value::as_str);
            // An absent field is the schema's finding (architecture, os) or no claim (variant).
            if want.is_some() && have.is_some() && have != want {
                self.push(
                    Finding::new(
                        &rules::INDEX_PLATFORM_CONFIG,
                        file,
                        at(&at(ptr, "platform"), field),
                        format!(
                            "platform.{field} is {}, but the image config says {}",
                            show(have),
                            show(want)
                        ),
                    )
                    .expected(show(want))
                    .observed(show(have)),
                );
            }
        }
    }

    /// Checks a manifest and everything it points to. Returns the image config, when it has one.
    fn manifest_doc(&mut self, file: &str, v: &Value) -> Result<Option<Value>, Error> {
        self.saw_manifest = true;
        schema::check(Kind::Manifest, v, file, &mut self.report.findings);
        checks::manifest(v, file, &mut self.report.findings);
        let layers = v
            .get("layers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        // No layers member means no layers; a layers member that is not an array (the
        // schema's finding) gives no count to hold diff_ids against.
        let layer_count = match v.get("layers") {
            None => Some(0),
            Some(Value::Array(a)) => Some(a.len()),
            Some(_) => None,
        };
        let mut config = None;
        if let Some(c) = v.get("config") {
            let is_image = c.get("mediaType").and_then(Value::as_str) == Some(IMAGE_CONFIG);
            if let Some(blob) = self.blob(file, "/config", c, is_image, None, false)? {
                if let Some(bytes) = blob.bytes.filter(|_| blob.trusted) {
                    if let Some(cv) = self.parse(&blob.rel, &bytes) {
                        self.saw_config = true;
                        schema::check(Kind::Config, &cv, &blob.rel, &mut self.report.findings);
                        checks::config(&cv, &blob.rel, layer_count, &mut self.report.findings);
                        config = Some((blob.rel, cv));
                    }
                }
            }
        }
        for (i, l) in layers.iter().enumerate() {
            let ptr = format!("/layers/{i}");
            let expected = config.as_ref().and_then(|(rel, cv)| {
                let d = cv.pointer(&format!("/rootfs/diff_ids/{i}"))?.as_str()?;
                Some((rel.clone(), d.to_string()))
            });
            let mt = l
                .get("mediaType")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let gzip = mt == LAYER_GZIP || mt == checks::NONDISTRIBUTABLE[1];
            let plain = mt == LAYER_TAR || mt == checks::NONDISTRIBUTABLE[0];
            let diff_alg = expected
                .as_ref()
                .and_then(|(_, d)| Alg::from_name(digest::split(d)?.0));
            let spec = (gzip || plain).then_some(LayerSpec {
                gzip,
                diff: diff_alg,
            });
            if expected.is_some() && (spec.is_none() || diff_alg.is_none()) {
                self.diff_unchecked.push(format!("layer {i} ({mt})"));
            }
            let Some(blob) = self.blob(file, &ptr, l, false, spec, false)? else {
                continue;
            };
            // A layer that does not match its digest is not to be trusted: nothing is
            // concluded from its content (the digest finding names the problem).
            if !blob.trusted {
                continue;
            }
            if let Some(tar) = &blob.tar {
                self.tar_findings(&blob.rel, i, mt, tar);
            }
            if let (Some((rel, want)), Some(got)) = (expected, blob.diff_id) {
                self.diff_checked += 1;
                if got != want {
                    self.push(
                        Finding::new(&rules::DIFF_IDS_MATCH, &rel, format!("/rootfs/diff_ids/{i}"),
                            format!("diff_ids[{i}] is not the digest of layer {i}'s uncompressed tar ({})", blob.rel))
                        .expected(got)
                        .observed(want),
                    );
                }
            }
        }
        if let Some(s) = v.get("subject") {
            self.blob(file, "/subject", s, false, None, true)?;
        }
        Ok(config.map(|(_, cv)| cv))
    }

    fn tar_findings(&mut self, rel: &str, i: usize, mt: &str, tar: &TarCheck) {
        if let Some(problem) = &tar.problem {
            self.push(
                Finding::new(
                    &rules::LAYER_TAR,
                    rel,
                    "",
                    format!(
                        "layer {i} ({mt}) is not a readable {}: {problem}",
                        if mt.ends_with("+gzip") {
                            "gzip-compressed tar archive"
                        } else {
                            "tar archive"
                        }
                    ),
                )
                .expected("a tar archive (POSIX ustar/pax)")
                .observed(problem.clone()),
            );
        }
        for path in &tar.duplicates {
            self.push(
                Finding::new(&rules::LAYER_DUPLICATES, rel, "",
                    format!("layer {i} has more than one entry for the path \"{path}\"; which one wins depends on the unpacker"))
                .observed(format!("\"{path}\" twice or more")),
            );
        }
    }

    // --- blobs ----------------------------------------------------------------------------

    /// Resolves and verifies the blob of the descriptor at `src`/`ptr`. `json`: read it whole
    /// (a document to parse); `layer`: read it as a layer on the way; `optional`: a
    /// missing blob is no finding (a subject is a weak reference).
    fn blob(
        &mut self,
        src: &str,
        ptr: &str,
        d: &Value,
        json: bool,
        layer: Option<LayerSpec>,
        optional: bool,
    ) -> Result<Option<Blob>, Error> {
        let Some(digest) = d.get("digest").and_then(Value::as_str) else {
            return Ok(None);
        };
        let Some((alg_name, enc)) = digest::split(digest) else {
            return Ok(None);
        };
        let alg = Alg::from_name(alg_name);
        if alg.is_some_and(|a| digest::registered_form_problem(a, enc).is_some()) {
            return Ok(None); // reported by the descriptor check; no such file name can exist
        }
        let rel = format!("blobs/{alg_name}/{enc}");
        let (real, len) = match self.resolve(&rel) {
            Resolved::File(real, len) => (real, len),
            Resolved::Missing => {
                // Content embedded in the descriptor (`data`, checked against digest and size
                // by the descriptor rule) needs no blob.
                let embedded = d.get("data").and_then(Value::as_str).is_some();
                if !optional && !embedded {
                    self.push(
                        Finding::new(&rules::BLOB_PRESENT, src, ptr,
                            format!("{ptr} points to {rel}, which is not in the layout; the layout is not self-contained"))
                        .hint("copy the blob into the layout (e.g. skopeo copy, oras copy), or make sure the consumer can fetch it from a registry"),
                    );
                }
                return Ok(None);
            }
            Resolved::Outside(what) => {
                self.push(Finding::new(
                    &rules::BLOB_INSIDE,
                    &rel,
                    "",
                    format!("{rel} is {what}, outside the layout; refused, not read"),
                ));
                return Ok(None);
            }
            Resolved::NotRegular(kind) => {
                self.push(Finding::new(
                    &rules::BLOB_INSIDE,
                    &rel,
                    "",
                    format!("{rel} is a {kind}, not a regular file; refused, not read"),
                ));
                return Ok(None);
            }
        };
        if let Some(size) = d.get("size").and_then(Value::as_u64) {
            if size != len {
                self.push(
                    Finding::new(
                        &rules::DESC_SIZE,
                        src,
                        at(ptr, "size"),
                        format!("{ptr} gives size {size}, but {rel} has {len} bytes"),
                    )
                    .expected(format!("{len}"))
                    .observed(format!("{size}")),
                );
            }
        }
        let Some(alg) = alg else {
            // Unregistered algorithm: not verifiable; JSON is still read (it is what it says).
            let bytes = if json {
                Some(self.read_capped(&real, len)?)
            } else {
                None
            };
            return Ok(Some(Blob {
                bytes,
                trusted: true,
                diff_id: None,
                tar: None,
                rel,
            }));
        };
        self.blobs += 1;
        let (actual, bytes, diff_id, tar) = if json {
            let bytes = self.read_capped(&real, len)?;
            let mut h = alg.hasher();
            h.update(&bytes);
            self.hashed += bytes.len() as u64;
            (h.finish(), Some(bytes), None, None)
        } else {
            let (actual, diff_id, tar) = self
                .stream(&real, alg, layer)
                .map_err(|e| io_error(&real, e))?;
            (actual, None, diff_id, tar)
        };
        let trusted = actual == digest;
        if !trusted {
            self.push(
                Finding::new(&rules::BLOB_DIGEST, &rel, "",
                    format!("the content of {rel} does not hash to its name; it was changed or corrupted (not parsed)"))
                .expected(digest.to_string())
                .observed(actual),
            );
        }
        Ok(Some(Blob {
            bytes,
            trusted,
            diff_id,
            tar,
            rel,
        }))
    }

    /// Hashes a blob as it is read, `BUFFER` bytes at a time. For a layer, the same pass also
    /// decompresses it (gzip), reads it as a tar archive and computes its DiffID.
    fn stream(
        &mut self,
        real: &Path,
        alg: Alg,
        layer: Option<LayerSpec>,
    ) -> io::Result<(String, Option<String>, Option<TarCheck>)> {
        let file = self.open(real)?;
        // An uncompressed layer's DiffID in the digest's own algorithm is the digest itself.
        let same = layer.is_some_and(|l| !l.gzip && l.diff == Some(alg));
        if let Some(spec) = layer.filter(|l| l.gzip || (l.diff.is_some() && !same)) {
            return self.stream_in_parallel(file, alg, spec);
        }
        let tee = Tee {
            inner: file,
            hasher: alg.hasher(),
            count: 0,
        };
        let mut raw = io::BufReader::with_capacity(digest::BUFFER, tee);
        let (diff_id, tar) = match layer {
            None => (None, None),
            Some(spec) => {
                let hasher = spec.diff.filter(|_| !same).map(Alg::hasher);
                let (check, hasher) = if spec.gzip {
                    let gz = flate2::bufread::MultiGzDecoder::new(&mut raw);
                    let (check, inner) = check_tar(MaybeTee { inner: gz, hasher });
                    (check, inner.hasher)
                } else {
                    let (check, inner) = check_tar(MaybeTee {
                        inner: &mut raw,
                        hasher,
                    });
                    (check, inner.hasher)
                };
                // A layer that did not decompress has no DiffID (the tar rule says why).
                let diff = match (&check.problem, spec.gzip) {
                    (Some(_), true) => None,
                    _ => hasher.map(digest::Hasher::finish),
                };
                (diff, Some(check))
            }
        };
        // The digest covers every stored byte, also any the readers above did not need.
        io::copy(&mut raw, &mut io::sink())?;
        let tee = raw.into_inner();
        self.hashed += tee.count;
        let actual = tee.hasher.finish();
        let diff_id = if same { Some(actual.clone()) } else { diff_id };
        Ok((actual, diff_id, tar))
    }

    /// A layer that needs two hashes (its digest, and its DiffID over the decompressed or
    /// differently hashed content): another thread reads the blob and computes the digest while
    /// this one inflates, reads the tar archive and computes the DiffID. One read, two cores.
    fn stream_in_parallel(
        &mut self,
        file: File,
        alg: Alg,
        spec: LayerSpec,
    ) -> io::Result<(String, Option<String>, Option<TarCheck>)> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
        let (stored, check, hasher) = std::thread::scope(|s| {
            let producer = s.spawn(move || hash_and_send(file, alg, tx));
            let chunks = Chunks {
                rx,
                chunk: Vec::new(),
                pos: 0,
            };
            let hasher = spec.diff.map(Alg::hasher);
            // The reader (and with it the receiving end) is dropped before the join, so the
            // producer never waits on a consumer that has stopped reading.
            let (check, hasher) = if spec.gzip {
                let gz = flate2::bufread::MultiGzDecoder::new(chunks);
                let (check, inner) = check_tar(MaybeTee { inner: gz, hasher });
                (check, inner.hasher)
            } else {
                let (check, inner) = check_tar(MaybeTee {
                    inner: chunks,
                    hasher,
                });
                (check, inner.hasher)
            };
            let stored = producer.join().expect("the hashing thread does not panic");
            (stored, check, hasher)
        });
        let (actual, count) = stored?;
        self.hashed += count;
        let diff = match (&check.problem, spec.gzip) {
            (Some(_), true) => None,
            _ => hasher.map(digest::Hasher::finish),
        };
        Ok((actual, diff, Some(check)))
    }

    fn finish(&mut self) {
        let reason_manifest = "the layout holds no image manifest";
        let reason_config = "no manifest of the layout has an image config (application/vnd.oci.image.config.v1+json)";
        if !self.saw_manifest {
            for r in [
                &rules::MANIFEST_SCHEMA,
                &rules::MANIFEST_REQUIRED,
                &rules::MANIFEST_SCHEMA_VERSION,
                &rules::MANIFEST_MEDIA_TYPE,
                &rules::MANIFEST_ARTIFACT_TYPE,
                &rules::LAYERS_NONEMPTY,
                &rules::LAYERS_MEDIA_TYPE,
                &rules::LAYERS_NONDISTRIBUTABLE,
                &rules::MANIFEST_SUBJECT,
            ] {
                self.report
                    .skipped
                    .entry(r.id)
                    .or_insert_with(|| reason_manifest.into());
            }
        }
        if !self.saw_config {
            for r in [
                &rules::CONFIG_SCHEMA,
                &rules::CONFIG_REQUIRED,
                &rules::ROOTFS_TYPE,
                &rules::CREATED,
                &rules::DIFF_IDS_COUNT,
                &rules::DIFF_IDS_MATCH,
                &rules::HISTORY_COUNT,
                &rules::ENV_FORMAT,
                &rules::EXPOSED_PORTS,
                &rules::ARGS_ESCAPED,
                &rules::INDEX_PLATFORM,
                &rules::INDEX_PLATFORM_CONFIG,
            ] {
                self.report
                    .skipped
                    .entry(r.id)
                    .or_insert_with(|| reason_config.into());
            }
        } else if self.diff_checked == 0 && !self.diff_unchecked.is_empty() {
            self.report.skipped.entry(rules::DIFF_IDS_MATCH.id).or_insert_with(|| format!(
                "no layer could be checked: DiffIDs are computed for tar and tar+gzip layers only, not for {}",
                self.diff_unchecked.join(", ")));
        }
        self.report
            .facts
            .insert("blobs verified".into(), self.blobs.to_string());
        self.report
            .facts
            .insert("bytes hashed".into(), self.hashed.to_string());
    }
}

fn show(v: Option<&str>) -> String {
    v.map_or("(absent)".into(), |s| format!("\"{s}\""))
}

fn platform_text(config: &Value) -> String {
    let get = |k: &str| config.get(k).and_then(Value::as_str).unwrap_or("?");
    match config.get("variant").and_then(Value::as_str) {
        Some(v) => format!("{}/{}/{v}", get("os"), get("architecture")),
        None => format!("{}/{}", get("os"), get("architecture")),
    }
}

fn platform_json(config: &Value) -> String {
    let mut p = serde_json::Map::new();
    for k in ["architecture", "os", "variant"] {
        if let Some(v) = config.get(k).filter(|v| v.is_string()) {
            p.insert(k.into(), v.clone());
        }
    }
    Value::Object(p).to_string()
}
