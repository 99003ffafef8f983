//! Digests: the grammar of descriptor.md, and streamed hashing of blobs with a fixed buffer, so
//! a multi-GiB layer never has to fit in memory.

use sha2::Digest as _;
use std::io::{self, Read};

/// Bytes read per call while hashing.
pub const BUFFER: usize = 1 << 20;

/// A registered algorithm we can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Sha256,
    Sha512,
}

impl Alg {
    pub fn name(self) -> &'static str {
        match self {
            Alg::Sha256 => "sha256",
            Alg::Sha512 => "sha512",
        }
    }

    pub fn from_name(name: &str) -> Option<Alg> {
        match name {
            "sha256" => Some(Alg::Sha256),
            "sha512" => Some(Alg::Sha512),
            _ => None,
        }
    }

    /// Hex digits of an encoded digest of this algorithm.
    pub fn hex_len(self) -> usize {
        match self {
            Alg::Sha256 => 64,
            Alg::Sha512 => 128,
        }
    }

    pub fn hasher(self) -> Hasher {
        match self {
            Alg::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Alg::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }
}

/// A running hash.
#[derive(Clone)]
pub enum Hasher {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    /// `alg:hex`.
    pub fn finish(self) -> String {
        let (name, bytes) = match self {
            Hasher::Sha256(h) => ("sha256", h.finalize().to_vec()),
            Hasher::Sha512(h) => ("sha512", h.finalize().to_vec()),
        };
        format!("{name}:{}", hex(&bytes))
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// A digest string split at its colon, when it matches the grammar of descriptor.md#digests:
/// `algorithm ":" encoded`, algorithm components `[a-z0-9]+` joined by `[+._-]`, encoded
/// `[a-zA-Z0-9=_-]+`.
pub fn split(digest: &str) -> Option<(&str, &str)> {
    let (alg, enc) = digest.split_once(':')?;
    (is_algorithm(alg) && is_encoded(enc)).then_some((alg, enc))
}

pub fn is_algorithm(alg: &str) -> bool {
    !alg.is_empty()
        && alg.split(['+', '.', '_', '-']).all(|c| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

pub fn is_encoded(enc: &str) -> bool {
    !enc.is_empty()
        && enc
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'))
}

/// For a registered algorithm, why `encoded` is not its form (lowercase hex of fixed length).
pub fn registered_form_problem(alg: Alg, encoded: &str) -> Option<String> {
    let hex_ok = encoded
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if encoded.len() == alg.hex_len() && hex_ok {
        return None;
    }
    Some(format!(
        "a {} digest is {} lowercase hex digits ([a-f0-9]); this one has {} characters{}",
        alg.name(),
        alg.hex_len(),
        encoded.len(),
        if hex_ok { "" } else { " and not only [a-f0-9]" }
    ))
}

/// Hashes everything `reader` yields, `BUFFER` bytes at a time. Returns the byte count.
pub fn hash_reader(reader: &mut impl Read, hashers: &mut [&mut Hasher]) -> io::Result<u64> {
    let mut buf = vec![0u8; BUFFER];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        for h in hashers.iter_mut() {
            h.update(&buf[..n]);
        }
        total += n as u64;
    }
}

/// A reader that hashes and counts what passes through it: the stored bytes of a compressed
/// layer are hashed on their way into the decompressor, so the layer is read once.
pub struct Tee<R> {
    pub inner: R,
    pub hasher: Hasher,
    pub count: u64,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

/// Decodes standard base64 with padding (RFC 4648 section 4); None when it is not that.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (i, chunk) in bytes.chunks(4).enumerate() {
        let last = i == bytes.len() / 4 - 1;
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &c in &chunk[..4 - pad] {
            n = (n << 6) | value(c)?;
        }
        n <<= 6 * pad as u32;
        let b = n.to_be_bytes();
        out.extend_from_slice(&b[1..4 - pad]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        assert!(split("sha256:abc").is_some());
        assert!(split("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8").is_some());
        assert!(split("sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564").is_some());
        assert!(split("SHA256:abc").is_none());
        assert!(split("sha256:").is_none());
        assert!(split("sha256+:abc").is_none());
        assert!(split("sha256:a/b").is_none());
        assert!(split("sha256abc").is_none());
    }

    #[test]
    fn sha256_of_empty_json_object() {
        let mut h = Alg::Sha256.hasher();
        h.update(b"{}");
        assert_eq!(
            h.finish(),
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }

    #[test]
    fn registered_forms() {
        assert!(registered_form_problem(Alg::Sha256, &"a".repeat(64)).is_none());
        assert!(registered_form_problem(Alg::Sha256, &"A".repeat(64)).is_some());
        assert!(registered_form_problem(Alg::Sha512, &"a".repeat(64)).is_some());
    }

    #[test]
    fn base64() {
        assert_eq!(base64_decode("e30=").unwrap(), b"{}");
        assert_eq!(base64_decode("").unwrap(), b"");
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("aGk=").unwrap(), b"hi");
        assert_eq!(base64_decode("aGV5").unwrap(), b"hey");
        assert!(base64_decode("e30").is_none());
        assert!(base64_decode("e3=0").is_none());
        assert!(base64_decode("e*0=").is_none());
    }
}
