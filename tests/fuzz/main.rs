//! The input fuzzer, on the stable toolchain: every reader of bytes a student, a teacher's link
//! or the browser's storage hands lectern, fed valid seeds and their mutations (structure-aware
//! where a format has structure: tar headers, a checkpoint's JSON header, postcard messages).
//! Each case must return (never panic), and allocate at most its target's stated bound, which a
//! counting global allocator checks per case.
//!
//! `cargo test --test fuzz` (part of `make test`) is the smoke run: a few thousand cases a target.
//! `make fuzz` runs the full counts (`FUZZ=full`; README, *Fuzzing*). A failing case is shrunk and
//! written to `target/fuzz-failures/`, and the run fails; each one found is kept as a regression
//! test beside the code it broke.

mod alloc;
mod mutate;
mod outcomes;
mod seeds;
mod targets;
mod url_case;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use lectern::data::rng::SplitMix64;

/// Makes one case from the target's valid inputs.
pub type MakeCase = Box<dyn Fn(&mut SplitMix64) -> Vec<u8>>;
/// Reads one case and answers something about it (its allocation bound, how far it got).
pub type OnCase<T> = Box<dyn Fn(&[u8]) -> T>;

/// One target: its name, cases in the smoke and the full run, the valid inputs it starts from,
/// how one case is made from them, what one case must do, and its allocation bound.
pub struct Target {
    pub name: &'static str,
    pub smoke: u64,
    pub full: u64,
    /// The bound, in words, for the report.
    pub bound_text: &'static str,
    pub make: MakeCase,
    /// Runs the case; returns the allocation bound in bytes for this input.
    pub bound: OnCase<usize>,
    /// Runs the case; returns how far it got ("read", "refused: header"…), tallied for the
    /// report so that a run shows it reaches deep code.
    pub run: OnCase<&'static str>,
    /// Inputs that failed once (shrunk), run first in every run.
    pub regressions: Vec<Vec<u8>>,
}

fn main() {
    let full = std::env::var("FUZZ").is_ok_and(|v| v == "full");
    let only = std::env::var("FUZZ_TARGET").ok();
    // Another shard draws other cases (to run a target in several processes at once).
    let shard: u64 = std::env::var("FUZZ_SHARD").map_or(0, |s| s.parse().unwrap_or(0));
    // Quiet panics: a panicking case is caught, shrunk and reported below.
    std::panic::set_hook(Box::new(|_| {}));
    let mut failed = Vec::new();
    for target in targets::all() {
        if only.as_deref().is_some_and(|o| o != target.name) {
            continue;
        }
        let cases = if full { target.full } else { target.smoke };
        let started = Instant::now();
        let mut rng = SplitMix64::stream(0x5EED_F422 ^ shard, target.name.len() as u64, cases);
        let mut worst = 0.0f64;
        let mut reached: Vec<(&str, u64)> = Vec::new();
        for (i, input) in target.regressions.iter().enumerate() {
            if let Err(why) = check(&target, input) {
                eprintln!("FUZZ {}: regression {i} {why}", target.name);
                failed.push(target.name);
            }
        }
        let mut ran = 0;
        let mut failures = 0;
        for case in 0..cases {
            let input = (target.make)(&mut rng);
            ran += 1;
            match check(&target, &input) {
                Ok((ratio, how)) => {
                    worst = worst.max(ratio);
                    match reached.iter_mut().find(|(h, _)| *h == how) {
                        Some((_, n)) => *n += 1,
                        None => reached.push((how, 1)),
                    }
                }
                Err(why) => {
                    let small = shrink(&target, input);
                    let path = save(target.name, case, &small);
                    eprintln!(
                        "FUZZ {}: case {case} {why}; shrunk to {} bytes in {path}: {:02x?}",
                        target.name,
                        small.len(),
                        &small[..small.len().min(256)]
                    );
                    failed.push(target.name);
                    failures += 1;
                    break;
                }
            }
        }
        println!(
            "FUZZ {:<12} {:>10} cases in {:>6.1} s, {failures} failed; peak allocation per case at most {:.0} % of its bound ({})",
            target.name,
            ran,
            started.elapsed().as_secs_f64(),
            100.0 * worst,
            target.bound_text
        );
        reached.sort_by_key(|&(h, _)| h);
        let reached: Vec<String> = reached.iter().map(|(h, n)| format!("{h} {n}")).collect();
        println!("     {:<12} outcomes: {}", "", reached.join(", "));
    }
    if !failed.is_empty() {
        eprintln!("FUZZ failed in: {failed:?}");
        std::process::exit(1);
    }
}

/// Runs one case: the peak allocation as a fraction of the bound and how far the case got, or
/// why it failed.
fn check(target: &Target, input: &[u8]) -> Result<(f64, &'static str), String> {
    let bound = (target.bound)(input);
    let base = alloc::start_case();
    let outcome = catch_unwind(AssertUnwindSafe(|| (target.run)(input)));
    let peak = alloc::peak_since(base);
    let how = match outcome {
        Ok(how) => how,
        Err(panic) => {
            let text = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            return Err(format!("panicked: {text}"));
        }
    };
    if peak > bound {
        return Err(format!(
            "allocated {peak} bytes at peak, over its bound of {bound}"
        ));
    }
    Ok((peak as f64 / bound.max(1) as f64, how))
}

/// The smallest input found that still fails: removes ever smaller runs of bytes.
fn shrink(target: &Target, mut input: Vec<u8>) -> Vec<u8> {
    let mut chunk = input.len() / 2;
    let mut tries = 0;
    while chunk > 0 && tries < 20_000 {
        let mut at = 0;
        while at + chunk <= input.len() && tries < 20_000 {
            tries += 1;
            let mut smaller = input.clone();
            smaller.drain(at..at + chunk);
            if check(target, &smaller).is_err() {
                input = smaller;
            } else {
                at += chunk;
            }
        }
        chunk /= 2;
    }
    input
}

fn save(name: &str, case: u64, input: &[u8]) -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{name}-{case}.bin"));
    let _ = std::fs::write(&path, input);
    path.display().to_string()
}
