//! The headers `lectern serve` gives a file by its name: media type, caching, and the
//! Content-Security-Policy of the site's workers.

use std::path::Path;

/// The file's media type, and whether gzip makes it worth sending compressed (the site's
/// CIFAR-10 records and images do not shrink).
pub fn media_type(file: &Path) -> (&'static str, bool) {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => ("text/html; charset=utf-8", true),
        "js" | "mjs" => ("text/javascript; charset=utf-8", true),
        "css" => ("text/css; charset=utf-8", true),
        "wasm" => ("application/wasm", true),
        "json" => ("application/json", true),
        "svg" => ("image/svg+xml", true),
        "txt" | "md" => ("text/plain; charset=utf-8", true),
        "png" => ("image/png", false),
        _ => ("application/octet-stream", false),
    }
}

/// Trunk names the UI bundle's files by their content (`app-<hex>.js`, `…_bg.wasm`; a 64-bit
/// hash in hex without leading zeros, so up to 16 digits): those
/// never change and are cached for good; everything else is revalidated on every load.
pub fn cache_control(file: &Path) -> &'static str {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let stem = name.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let hashed = stem.rsplit_once('-').is_some_and(|(_, h)| {
        (12..=16).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit())
    });
    if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// The policy a worker started from a `.js` file runs under (`worker_loader.js`: the compute
/// worker; `sw.js`: the offline copy): a worker takes its policy from its own response, never from
/// the page's meta tag. Scripts only from this site (`importScripts`), WebAssembly compiled from
/// fetched bytes, requests only to this site. A script the page loads ignores it. HTML gets none:
/// index.html's meta tag holds the page's policy, with its inline scripts' hashes for this build.
pub const WORKER_POLICY: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'self'";

/// The Content-Security-Policy header for `file`, if it gets one.
pub fn content_security_policy(file: &Path) -> Option<&'static str> {
    (file.extension().and_then(|e| e.to_str()) == Some("js")).then_some(WORKER_POLICY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_bundles_are_cached_for_good_and_the_rest_revalidated() {
        let immutable = "public, max-age=31536000, immutable";
        assert_eq!(
            cache_control(Path::new("app-0123456789abcdef.js")),
            immutable
        );
        assert_eq!(
            cache_control(Path::new("app-0123456789abcdef_bg.wasm")),
            immutable
        );
        assert_eq!(
            cache_control(Path::new("styles-fedcba9876543210.css")),
            immutable
        );
        // A hash with a leading zero is written one digit shorter.
        assert_eq!(
            cache_control(Path::new("resume-4be2e2470875edb.js")),
            immutable
        );
        for unhashed in [
            "index.html",
            "worker_bg.wasm",
            "worker_cpu.js",
            "worker_loader.js",
            "train.bin",
            "sw.js",
        ] {
            assert_eq!(cache_control(Path::new(unhashed)), "no-cache", "{unhashed}");
        }
    }

    #[test]
    fn wasm_goes_compressed_with_its_own_type_and_records_do_not() {
        assert_eq!(
            media_type(Path::new("a_bg.wasm")),
            ("application/wasm", true)
        );
        assert!(media_type(Path::new("index.html")).1);
        assert!(!media_type(Path::new("static/data/train.bin")).1);
    }

    #[test]
    fn worker_scripts_get_the_worker_policy_and_the_page_none() {
        for script in ["worker_loader.js", "sw.js", "worker_cpu.js"] {
            assert_eq!(
                content_security_policy(Path::new(script)),
                Some(WORKER_POLICY)
            );
        }
        for other in [
            "index.html",
            "worker_bg.wasm",
            "styles-fedcba9876543210.css",
        ] {
            assert_eq!(content_security_policy(Path::new(other)), None, "{other}");
        }
    }
}
