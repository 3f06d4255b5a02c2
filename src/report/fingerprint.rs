//! Stable fingerprints of findings, for the baseline and SARIF's
//! `partialFingerprints`. A fingerprint depends on what the finding is —
//! rule, file, what its message is about, and the text it points at — not
//! on its line, so it survives unrelated edits that shift lines. The file
//! is named from the configuration file's folder, else its repository's
//! root, so a baseline matches from any working directory.
//! A rule's finding is identified by the values of its message's
//! placeholders, in any order, and the ids of the entities it is about
//! ([`Finding::identity`]), not by the wording around them nor by display
//! names: rewording a pack's message or renaming a processor does not make
//! its findings new, and two processors' findings stay apart. privlint's
//! own findings (`PL…`) are identified by their message.

use super::Finding;
use crate::source::SourceMap;
use sha2::{Digest, Sha256};

/// 16 hex digits identifying a finding.
pub fn fingerprint(finding: &Finding, sources: &SourceMap) -> String {
    let file = sources.stable_path(finding.primary.span.file);
    let mut hasher = Sha256::new();
    for part in [
        finding.code.as_str(),
        &file,
        finding.identity.as_deref().unwrap_or(&finding.message),
        sources.snippet(finding.primary.span).trim(),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    let digest = hasher.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}
