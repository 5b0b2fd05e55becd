//! How far a refused case got, from its message: tallied per target so a run shows that its
//! cases reach past the first checks (`FUZZ_SHOW_OTHER=1` prints the messages not listed).

/// The first of `kinds` that `message` contains: how far a refused case got.
pub fn outcome(message: &str, kinds: &[(&'static str, &'static str)]) -> &'static str {
    kinds
        .iter()
        .find(|(needle, _)| message.contains(needle))
        .map_or_else(
            || {
                if std::env::var("FUZZ_SHOW_OTHER").is_ok() {
                    eprintln!("other: {message}");
                }
                "refused: other"
            },
            |&(_, kind)| kind,
        )
}

pub const ARCHIVE_OUTCOMES: &[(&str, &str)] = &[
    ("not a gzip", "refused: not gzip"),
    ("truncated or corrupt", "refused: corrupt stream"),
    ("none of CIFAR-10's files", "refused: no CIFAR files"),
    ("no cifar-10-batches-bin", "refused: a file missing"),
    ("more than any CIFAR-10 file", "refused: entry too large"),
    ("unpacks to more", "refused: unpacks too much"),
    ("label", "refused: bad label"),
    ("whole number of", "refused: partial record"),
    ("class names", "refused: class names"),
    ("has no image of class", "refused: class missing"),
    ("is neither", "refused: not a batch file"),
    (", not CIFAR-10", "refused: named file type"),
];

pub const RECORD_OUTCOMES: &[(&str, &str)] = &[
    ("whole number of", "refused: partial record"),
    ("label", "refused: bad label"),
    ("class names", "refused: class names"),
    ("too few", "refused: too few"),
    ("empty", "refused: empty"),
];

pub const CHECKPOINT_OUTCOMES: &[(&str, &str)] = &[
    ("not a lectern checkpoint", "refused: magic"),
    ("truncated", "refused: truncated"),
    ("header is damaged", "refused: header JSON"),
    ("impossible model", "refused: model settings"),
    ("weights are damaged", "refused: weights damaged"),
    ("do not fit", "refused: weights do not fit"),
];
