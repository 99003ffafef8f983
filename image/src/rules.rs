//! The rule catalogue of `oci-check image`: one entry per promise of the OCI Image Specification
//! (v1.1.1) that a layout on disk can be checked against, each with the sentence it rests on.

use oci_check_model::Level;

/// The image-spec release the rules quote and link.
pub const IMAGE_SPEC: &str = "1.1.1";

/// One rule.
#[derive(Debug)]
pub struct Rule {
    /// Stable ID (`image.<document>.<field>[.<what>]`).
    pub id: &'static str,
    pub level: Level,
    /// One line: what the rule checks.
    pub summary: &'static str,
    /// Spec file and anchor of the sentence.
    pub file: &'static str,
    pub anchor: &'static str,
    /// The sentence the rule rests on, quoted from the spec.
    pub text: &'static str,
}

impl Rule {
    /// Link to the sentence's section in image-spec v1.1.1.
    pub fn url(&self) -> String {
        format!(
            "https://github.com/opencontainers/image-spec/blob/v{IMAGE_SPEC}/{}#{}",
            self.file, self.anchor
        )
    }

    /// The report area: the segment after `image.` (`layout`, `index`, `manifest`, ...).
    pub fn area(&self) -> &'static str {
        self.id.split('.').nth(1).unwrap_or(self.id)
    }
}

impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

macro_rules! rules {
    ($($name:ident = $id:literal, $level:ident, $file:literal # $anchor:literal,
       $summary:literal, $text:literal;)*) => {
        $(
            pub static $name: Rule = Rule {
                id: $id,
                level: Level::$level,
                summary: $summary,
                file: $file,
                anchor: $anchor,
                text: $text,
            };
        )*
        /// Every rule, in report order.
        pub static CATALOGUE: &[&Rule] = &[$(&$name),*];
    };
}

rules! {
    // --- the layout itself --------------------------------------------------------------
    LAYOUT_FILE = "image.layout.oci-layout", Error, "image-layout.md"#"content",
        "the layout has an oci-layout file holding a JSON object",
        "oci-layout file: It MUST exist. It MUST be a JSON object.";
    LAYOUT_VERSION = "image.layout.imageLayoutVersion", Error, "image-layout.md"#"content",
        "oci-layout has an imageLayoutVersion string",
        "It MUST contain an `imageLayoutVersion` field";
    LAYOUT_VERSION_KNOWN = "image.layout.imageLayoutVersion.known", Warning, "image-layout.md"#"oci-layout-file",
        "imageLayoutVersion is 1.0.0, the only layout version image-spec v1.1.1 defines",
        "The `imageLayoutVersion` value will align with the OCI Image Specification version at the time changes to the layout are made, and will pin a given version until changes to the image layout are required.";
    BLOBS_DIR = "image.layout.blobs", Error, "image-layout.md"#"content",
        "the layout has a blobs directory",
        "`blobs` directory: Directory MUST exist and MAY be empty";
    BLOB_NAMES = "image.layout.blobs.names", Error, "image-layout.md"#"blobs",
        "every entry under blobs/ is named blobs/<alg>/<encoded> by the digest grammar",
        "The character set of the entry name for `<alg>` and `<encoded>` MUST match the respective grammar elements described in descriptor.";
    INDEX_FILE = "image.layout.index", Error, "image-layout.md"#"content",
        "the layout has an index.json file",
        "`index.json` file: It MUST exist. It MUST be an image index JSON object.";
    JSON_SYNTAX = "image.json.syntax", Error, "considerations.md"#"json",
        "oci-layout, index.json and every +json blob oci-check reads is well-formed UTF-8 JSON",
        "Of the OCI Image Format Specification media types, all the types ending in `+json` contain JSON content.";
    JSON_DUPLICATES = "image.json.duplicate_names", Warning, "considerations.md"#"json",
        "no JSON object of a layout document has two members with the same name (readers disagree on which wins)",
        "JSON content SHOULD be serialized as canonical JSON.";

    // --- blobs and descriptors ------------------------------------------------------------
    BLOB_PRESENT = "image.blob.present", Warning, "image-layout.md"#"blobs",
        "every descriptor oci-check follows resolves to a blob under blobs/<alg>/<encoded> (a missing blob makes the layout depend on an external blob store)",
        "The blobs directory MAY be missing referenced blobs, in which case the missing blobs SHOULD be fulfilled by an external blob store.";
    BLOB_INSIDE = "image.blob.inside_layout", Error, "image-layout.md"#"blobs",
        "every blob is a regular file inside the layout: a symlink leading out of it, a FIFO or a device is refused and never read",
        "Object names in the `blobs` subdirectories are composed of a directory for each hash algorithm, the children of which will contain the actual content.";
    BLOB_DIGEST = "image.blob.digest", Error, "image-layout.md"#"blobs",
        "the content of blobs/<alg>/<encoded> hashes to <alg>:<encoded> (sha256 and sha512 verified, streamed)",
        "The content of `blobs/<alg>/<encoded>` MUST match the digest `<alg>:<encoded>` (referenced per descriptor).";
    DESC_SIZE = "image.descriptor.size", Error, "descriptor.md"#"properties",
        "a descriptor's size equals the length of the blob it points to",
        "This REQUIRED property specifies the size, in bytes, of the raw content. [...] If the length of the retrieved content does not match the specified length, the content SHOULD NOT be trusted.";
    DESC_REQUIRED = "image.descriptor.required", Error, "descriptor.md"#"properties",
        "every descriptor has mediaType, digest and size",
        "mediaType: This REQUIRED property contains the media type of the referenced content. digest: This REQUIRED property is the digest of the targeted content. size: This REQUIRED property specifies the size, in bytes, of the raw content.";
    MEDIA_TYPE_SYNTAX = "image.descriptor.mediaType.rfc6838", Error, "descriptor.md"#"properties",
        "every mediaType and artifactType is type/subtype as RFC 6838 section 4.2 names them",
        "Values MUST comply with RFC 6838, including the naming requirements in its section 4.2.";
    DIGEST_FORMAT = "image.descriptor.digest.format", Error, "descriptor.md"#"digests",
        "every digest matches the digest grammar; a sha256 digest is 64 and a sha512 digest 128 lowercase hex digits",
        "A digest string MUST match the following grammar [...] When the algorithm identifier is `sha256`, the encoded portion MUST match `/[a-f0-9]{64}/`. Note that `[A-F]` MUST NOT be used here.";
    DIGEST_ALGORITHM = "image.descriptor.digest.algorithm", Info, "descriptor.md"#"registered-algorithms",
        "digests use a registered algorithm (sha256, sha512); others pass, but their blobs cannot be verified",
        "Implementations SHOULD allow digests with unrecognized algorithms to pass validation if they comply with the above grammar.";
    MEDIA_TYPE_KNOWN = "image.descriptor.mediaType.known", Info, "image-layout.md"#"indexjson-file",
        "descriptors use media types image-spec v1.1.1 defines; an unknown one is noted, never an error, and its blob is not parsed",
        "An encountered `mediaType` that is unknown MUST NOT generate an error.";
    MEDIA_TYPE_MATCHES = "image.descriptor.mediaType.matches", Warning, "media-types.md"#"media-type-conflicts",
        "the mediaType a JSON blob declares is the one its descriptor gives",
        "Implementations that have an expected media type which does not match the returned media type SHOULD: Respect the expected media type if the blob matches the expected digest. Implementations MAY warn about the media type mismatch.";
    DESC_DATA = "image.descriptor.data", Error, "descriptor.md"#"properties",
        "a descriptor's data is base64 and decodes to exactly the referenced content (its digest and size)",
        "Values MUST conform to the Base 64 encoding, as defined in RFC 4648. The decoded data MUST be identical to the referenced content and SHOULD be verified against the digest and size fields by content consumers.";
    DESC_URLS = "image.descriptor.urls.rfc3986", Error, "descriptor.md"#"properties",
        "every entry of a descriptor's urls is a URI (RFC 3986)",
        "Each entry MUST conform to RFC 3986.";
    DESC_EMPTY = "image.descriptor.empty", Warning, "manifest.md"#"guidance-for-an-empty-descriptor",
        "a descriptor of type application/vnd.oci.empty.v1+json points to the blob {} (size 2, sha256:44136fa3...)",
        "The blob payload is the most minimal content that is still a valid JSON object: `{}` (`size` of 2). The blob digest of `{}` is `sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a`.";

    // --- layer contents -------------------------------------------------------------------
    LAYER_TAR = "image.layer.tar", Error, "layer.md"#"distributable-format",
        "a tar, tar+gzip (or non-distributable tar) layer is a tar archive, gzip-compressed for +gzip (read in the same pass as its digest)",
        "Layer Changesets for the media type `application/vnd.oci.image.layer.v1.tar` MUST be packaged in tar archive. [...] The media type `application/vnd.oci.image.layer.v1.tar+gzip` represents an `application/vnd.oci.image.layer.v1.tar` payload which has been compressed with gzip.";
    LAYER_DUPLICATES = "image.layer.duplicates", Error, "layer.md"#"distributable-format",
        "no path appears twice among the entries of a layer's tar archive",
        "Layer Changesets for the media type `application/vnd.oci.image.layer.v1.tar` MUST NOT include duplicate entries for file paths in the resulting tar archive.";

    // --- image index ------------------------------------------------------------------------
    INDEX_SCHEMA = "image.index.schema", Error, "image-index.md"#"image-index-property-descriptions",
        "every field of an image index has the type image-index.md gives it",
        "This section defines the `application/vnd.oci.image.index.v1+json` media type.";
    INDEX_REQUIRED = "image.index.required", Error, "image-index.md"#"image-index-property-descriptions",
        "an image index has schemaVersion and manifests",
        "schemaVersion: This REQUIRED property specifies the image manifest schema version. manifests: This REQUIRED property contains a list of manifests for specific platforms. While this property MUST be present, the size of the array MAY be zero.";
    INDEX_SCHEMA_VERSION = "image.index.schemaVersion", Error, "image-index.md"#"image-index-property-descriptions",
        "an image index's schemaVersion is 2",
        "For this version of the specification, this MUST be `2` to ensure backward compatibility with older versions of Docker.";
    INDEX_MEDIA_TYPE = "image.index.mediaType", Error, "image-index.md"#"image-index-property-descriptions",
        "an image index's mediaType, when present, is application/vnd.oci.image.index.v1+json",
        "When used, this field MUST contain the media type `application/vnd.oci.image.index.v1+json`.";
    INDEX_PLATFORM = "image.index.manifests.platform", Warning, "image-index.md"#"image-index-property-descriptions",
        "an index entry pointing to a container image manifest (one with an image config) has a platform",
        "This OPTIONAL property describes the minimum runtime requirements of the image. This property SHOULD be present if its target is platform-specific.";
    INDEX_PLATFORM_CONFIG = "image.index.manifests.platform.config", Warning, "image-index.md"#"image-index-property-descriptions",
        "an index entry's platform architecture, os and variant are those of the image config it leads to",
        "This OPTIONAL property describes the minimum runtime requirements of the image.";

    // --- platform (index entries and image configs) -----------------------------------------
    PLATFORM_REQUIRED = "image.platform.required", Error, "image-index.md"#"image-index-property-descriptions",
        "a platform object has architecture and os",
        "architecture: This REQUIRED property specifies the CPU architecture. os: This REQUIRED property specifies the operating system.";
    PLATFORM_ARCH = "image.platform.architecture", Warning, "image-index.md"#"image-index-property-descriptions",
        "architecture is a GOARCH value a runtime recognises (amd64, arm64, arm, ppc64le, s390x, riscv64, 386, ...)",
        "Image indexes SHOULD use, and implementations SHOULD understand, values listed in the Go Language document for `GOARCH`.";
    PLATFORM_OS = "image.platform.os", Warning, "image-index.md"#"image-index-property-descriptions",
        "os is a GOOS value a runtime recognises (linux, windows, freebsd, darwin, ...)",
        "Image indexes SHOULD use, and implementations SHOULD understand, values listed in the Go Language document for `GOOS`.";
    PLATFORM_VARIANT = "image.platform.variant", Warning, "image-index.md"#"platform-variants",
        "variant is one the Platform Variants table lists for the architecture (arm v6/v7/v8, arm64 v8.x/v9.x, amd64 v1-v4, ppc64le powerN, riscv64 rvaNNu64)",
        "Image indexes SHOULD use, and implementations SHOULD understand, `variant` values listed in the Platform Variants table.";
    PLATFORM_OS_FEATURES = "image.platform.os.features", Warning, "image-index.md"#"image-index-property-descriptions",
        "os.features is not used: it is defined for one Windows value only, current runtimes do not use it to select images, and its deprecation has been proposed",
        "This OPTIONAL property specifies an array of strings, each specifying a mandatory OS feature. When `os` is `windows`, image indexes SHOULD use, and implementations SHOULD understand the following values: `win32k` [...] When `os` is not `windows`, values are implementation-defined and SHOULD be submitted to this specification for standardization.";
    PLATFORM_FEATURES = "image.platform.features", Warning, "image-index.md"#"image-index-property-descriptions",
        "platform.features is not used (reserved for future versions of the spec)",
        "features: This property is RESERVED for future versions of the specification.";

    // --- image manifest ---------------------------------------------------------------------
    MANIFEST_SCHEMA = "image.manifest.schema", Error, "manifest.md"#"image-manifest-property-descriptions",
        "every field of an image manifest has the type manifest.md gives it",
        "This section defines the `application/vnd.oci.image.manifest.v1+json` media type.";
    MANIFEST_REQUIRED = "image.manifest.required", Error, "manifest.md"#"image-manifest-property-descriptions",
        "an image manifest has schemaVersion and config",
        "schemaVersion: This REQUIRED property specifies the image manifest schema version. config: This REQUIRED property references a configuration object for a container, by digest.";
    MANIFEST_SCHEMA_VERSION = "image.manifest.schemaVersion", Error, "manifest.md"#"image-manifest-property-descriptions",
        "an image manifest's schemaVersion is 2",
        "For this version of the specification, this MUST be `2` to ensure backward compatibility with older versions of Docker.";
    MANIFEST_MEDIA_TYPE = "image.manifest.mediaType", Error, "manifest.md"#"image-manifest-property-descriptions",
        "an image manifest's mediaType, when present, is application/vnd.oci.image.manifest.v1+json",
        "When used, this field MUST contain the media type `application/vnd.oci.image.manifest.v1+json`.";
    MANIFEST_ARTIFACT_TYPE = "image.manifest.artifactType.required", Error, "manifest.md"#"image-manifest-property-descriptions",
        "a manifest whose config is the empty descriptor sets artifactType",
        "This MUST be set when `config.mediaType` is set to the empty value.";
    LAYERS_NONEMPTY = "image.manifest.layers.nonempty", Warning, "manifest.md"#"image-manifest-property-descriptions",
        "a manifest has at least one layer",
        "For portability, `layers` SHOULD have at least one entry.";
    LAYERS_MEDIA_TYPE = "image.manifest.layers.mediaType", Warning, "manifest.md"#"image-manifest-property-descriptions",
        "the layers of a container image (config type application/vnd.oci.image.config.v1+json) are tar, tar+gzip or tar+zstd layers",
        "Manifests concerned with portability SHOULD use one of the above media types.";
    LAYERS_NONDISTRIBUTABLE = "image.manifest.layers.nondistributable", Warning, "media-types.md"#"oci-image-media-types",
        "no layer uses a deprecated non-distributable media type",
        "The following media types identify a \"Layer\" with distribution restrictions, but are **deprecated** and not recommended for future use.";
    MANIFEST_SUBJECT = "image.manifest.subject", Warning, "manifest.md"#"image-manifest-property-descriptions",
        "a subject descriptor points to a manifest or an index",
        "subject: This OPTIONAL property specifies a descriptor of another manifest.";

    // --- image config -----------------------------------------------------------------------
    CONFIG_SCHEMA = "image.config.schema", Error, "config.md"#"properties",
        "every field of an image config has the type config.md gives it (null allowed for OPTIONAL fields)",
        "Note: Any OPTIONAL field MAY also be set to null, which is equivalent to being absent.";
    CONFIG_REQUIRED = "image.config.required", Error, "config.md"#"properties",
        "an image config has architecture, os and rootfs (with type and diff_ids)",
        "architecture string, REQUIRED; os string, REQUIRED; rootfs object, REQUIRED (type string, REQUIRED; diff_ids array of strings, REQUIRED)";
    ROOTFS_TYPE = "image.config.rootfs.type", Error, "config.md"#"properties",
        "rootfs.type is \"layers\"",
        "MUST be set to `layers`. Implementations MUST generate an error if they encounter a unknown value while verifying or unpacking an image.";
    CREATED = "image.config.created.rfc3339", Error, "config.md"#"properties",
        "created (of the image and of each history entry) is an RFC 3339 date-time",
        "A combined date and time at which the image was created, formatted as defined by RFC 3339, section 5.6.";
    DIFF_IDS_COUNT = "image.config.rootfs.diff_ids.count", Error, "config.md"#"properties",
        "rootfs.diff_ids has one entry per layer of the manifest",
        "diff_ids: An array of layer content hashes (`DiffIDs`), in order from first to last.";
    DIFF_IDS_MATCH = "image.config.rootfs.diff_ids.match", Error, "config.md"#"layer-diffid",
        "each diff_ids entry is the digest of its layer's uncompressed tar (tar and tar+gzip layers are checked)",
        "A layer DiffID is the digest over the layer's uncompressed tar archive and serialized in the descriptor digest format.";
    HISTORY_COUNT = "image.config.history.count", Warning, "config.md"#"properties",
        "history has one entry without empty_layer: true per diff_ids entry",
        "empty_layer: It is set to true if this history item doesn't correspond to an actual layer in the rootfs section.";
    ENV_FORMAT = "image.config.config.Env.format", Warning, "config.md"#"properties",
        "every config.Env entry is VARNAME=VARVALUE",
        "Entries are in the format of `VARNAME=VARVALUE`.";
    EXPOSED_PORTS = "image.config.config.ExposedPorts.format", Warning, "config.md"#"properties",
        "every config.ExposedPorts key is port/tcp, port/udp or port",
        "Its keys can be in the format of: `port/tcp`, `port/udp`, `port` with the default protocol being `tcp` if not specified.";
    ARGS_ESCAPED = "image.config.config.ArgsEscaped", Warning, "config.md"#"properties",
        "config.ArgsEscaped is not used (deprecated, Docker-for-Windows legacy)",
        "[Deprecated] - This field is present only for legacy compatibility with Docker and should not be used by new image builders.";

    // --- annotations (index, manifest, descriptors, config Labels) -------------------------
    ANNOTATIONS_MAP = "image.annotations.map", Error, "annotations.md"#"rules",
        "annotations (and config.Labels) are a map of strings to strings",
        "Annotations MUST be a key-value map where both the key and value MUST be strings.";
    ANNOTATIONS_RESERVED = "image.annotations.reserved", Error, "annotations.md"#"rules",
        "no key in the org.opencontainers.image namespace other than those image-spec defines",
        "Keys using the `org.opencontainers.image` namespace are reserved for use in the OCI Image Specification and MUST NOT be used by other specifications and extensions, including other OCI specifications.";
    ANNOTATIONS_REVERSE_DOMAIN = "image.annotations.reverse_domain", Warning, "annotations.md"#"rules",
        "annotation keys are in reverse domain notation (com.example.key)",
        "Keys SHOULD be named using a reverse domain notation - e.g. `com.example.myKey`.";
    ANNOTATIONS_VALUES = "image.annotations.values", Warning, "annotations.md"#"pre-defined-annotation-keys",
        "pre-defined org.opencontainers.image.* values have their form: created RFC 3339, url/documentation/source URLs, base.digest a digest, ref.name the ref grammar",
        "org.opencontainers.image.created date and time on which the image was built, conforming to RFC 3339. [...] A valid reference matches the following grammar.";
    REF_NAME_PLACEMENT = "image.annotations.ref_name.placement", Warning, "annotations.md"#"pre-defined-annotation-keys",
        "org.opencontainers.image.ref.name is only on descriptors of index.json",
        "SHOULD only be considered valid when on descriptors on `index.json` within image layout.";
}

/// The rule with this ID.
pub fn by_id(id: &str) -> Option<&'static Rule> {
    CATALOGUE.iter().copied().find(|r| r.id == id)
}

/// The catalogue as a Markdown table (docs/image.md embeds it; a test keeps it current).
pub fn markdown_table() -> String {
    let mut s = String::from("| rule | level | checks |\n|---|---|---|\n");
    for r in CATALOGUE {
        s.push_str(&format!(
            "| [`{}`]({}) | {} | {} |\n",
            r.id,
            r.url(),
            r.level,
            r.summary.replace('|', "\\|")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_namespaced() {
        let mut seen = HashSet::new();
        for r in CATALOGUE {
            assert!(r.id.starts_with("image."), "{}", r.id);
            assert!(seen.insert(r.id), "duplicate {}", r.id);
            assert!(!r.text.is_empty() && !r.summary.is_empty());
        }
    }
}
