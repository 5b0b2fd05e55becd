//! `lectern data`: validate CIFAR-10 and write the site's subset into `static/data`.

use std::path::PathBuf;

use super::CliError;
use crate::data::export::{DEFAULT_TEST_PER_CLASS, DEFAULT_TRAIN_PER_CLASS, SiteSubset};
use crate::data::source::{open, sha256_hex, verify_sha256};
use crate::format::thousands;

#[derive(clap::Args)]
pub struct Args {
    /// `cifar-10-binary.tar.gz`, or an extracted `cifar-10-batches-bin` folder.
    #[arg(long)]
    source: PathBuf,
    /// Where the site's data goes (replaced only once everything is written).
    #[arg(long, default_value = "static/data")]
    out: PathBuf,
    /// Training images per class to keep.
    #[arg(long, default_value_t = DEFAULT_TRAIN_PER_CLASS as u32, value_parser = clap::value_parser!(u32).range(1..=5000))]
    per_class: u32,
    /// Test images per class to keep.
    #[arg(long, default_value_t = DEFAULT_TEST_PER_CLASS as u32, value_parser = clap::value_parser!(u32).range(1..=1000))]
    test_per_class: u32,
    /// Refuse the source unless its sha256 is this (hex).
    #[arg(long)]
    sha256: Option<String>,
}

pub fn run(args: Args) -> Result<(), CliError> {
    // An archive's sha256, printed first (also when it is refused below), for a teacher to
    // compare with the official archive's (the Makefile's CIFAR_SHA256, README *Data*).
    if args.source.is_file() {
        let actual = sha256_hex(&args.source)?;
        println!("sha256 of {}: {actual}", args.source.display());
        if let Some(expected) = &args.sha256 {
            verify_sha256(&args.source, &actual, expected)?;
        }
    } else if let Some(expected) = &args.sha256 {
        verify_sha256(&args.source, &sha256_hex(&args.source)?, expected)?;
    }
    let files = open(&args.source)?;
    let name = args
        .source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| args.source.display().to_string());
    let subset = SiteSubset::select(
        &files,
        &name,
        args.per_class as usize,
        args.test_per_class as usize,
    );
    subset
        .write_atomically(&args.out)
        .map_err(|e| CliError::file(&args.out, format!("could not write the site's data: {e}")))?;
    println!(
        "{}: {} training and {} test images, classes {}",
        args.source.display(),
        thousands(files.train_len() as u64),
        thousands(files.test.len() as u64),
        files.classes.join(", ")
    );
    println!(
        "wrote {}: {} training images ({} a class at most), {} test images",
        args.out.display(),
        thousands(subset.meta.train.records as u64),
        args.per_class,
        thousands(subset.meta.test.records as u64)
    );
    Ok(())
}
