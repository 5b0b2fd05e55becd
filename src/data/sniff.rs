//! What a file that is not CIFAR-10 looks like, from its first bytes: so that a picked PNG is
//! called a PNG image (not a "truncated" batch file), and a downloaded error page a web page.

/// The kinds of file a student picks by mistake, by their signature: what the file *is*, in
/// words ("a PNG image"), or `None` if its start says nothing.
pub fn describe(bytes: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"RIFF", "a RIFF file (a WebP image or WAV sound)"),
        (b"%PDF", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive"),
        (b"BZh", "a bzip2-compressed file"),
        (b"\xfd7zXZ\x00", "an xz-compressed file"),
        (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
        (b"\x28\xb5\x2f\xfd", "a zstd-compressed file"),
        (b"Rar!", "a RAR archive"),
        (b"\x93NUMPY", "a NumPy array file"),
    ];
    if let Some((_, what)) = SIGNATURES.iter().find(|(sig, _)| bytes.starts_with(sig)) {
        return Some(what);
    }
    if is_tar(bytes) {
        return Some("an uncompressed tar archive");
    }
    let text = bytes.trim_ascii_start();
    let starts =
        |word: &[u8]| text.len() >= word.len() && text[..word.len()].eq_ignore_ascii_case(word);
    if starts(b"<!doctype html") || starts(b"<html") {
        return Some("a web page (HTML), perhaps an error page saved instead of the download");
    }
    None
}

/// A POSIX or GNU tar archive: `ustar` at byte 257 of its first header.
pub fn is_tar(bytes: &[u8]) -> bool {
    bytes.get(257..262) == Some(b"ustar")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_files_students_pick_by_mistake() {
        assert_eq!(describe(b"\x89PNG\r\n\x1a\n...."), Some("a PNG image"));
        assert_eq!(describe(b"\xff\xd8\xff\xe0"), Some("a JPEG image"));
        assert_eq!(describe(b"PK\x03\x04rest"), Some("a ZIP archive"));
        assert!(
            describe(b"\n  <!DOCTYPE HTML><p>404")
                .unwrap()
                .contains("web page")
        );
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(describe(&tar), Some("an uncompressed tar archive"));
        // A CIFAR batch file (a label byte 0–9, then pixels) is none of these.
        assert_eq!(describe(&[3, 200, 13, 7]), None);
        assert_eq!(describe(b""), None);
    }
}
