//! The fuzz targets: how each case is made from the seeds, what it runs, and its allocation
//! bound (stated in words for the report, computed per input here).

use std::io::Read;

use lectern::data::archive::MAX_UNPACKED;
use lectern::data::cifar::{CLASSES, RECORD_BYTES, Records};
use lectern::data::dataset::{Cap, Dataset};
use lectern::data::rng::SplitMix64;
use lectern::data::upload::read_upload;
use lectern::format::parse_number;
use lectern::protocol::{FromWorker, ToWorker, decode};
use lectern::train::checkpoint::Checkpoint;
use lectern::ui::imbalance::stored::restore;
use lectern::ui::imbalance::table::{Row, best_per_column, reading, to_csv, to_markdown};
use lectern::ui::local_store;

use crate::Target;
use crate::mutate::{mutate, mutate_in_place, mutated};
use crate::outcomes::{ARCHIVE_OUTCOMES, CHECKPOINT_OUTCOMES, RECORD_OUTCOMES, outcome};
use crate::seeds;

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;

pub fn all() -> Vec<Target> {
    vec![
        archive(),
        records(),
        checkpoint(),
        messages(),
        url(),
        number(),
        table(),
    ]
}

/// Bytes `input` unpacks to (as gzip, else itself), counted up to past the reader's limit.
fn unpacked_len(input: &[u8]) -> usize {
    if !input.starts_with(&[0x1f, 0x8b]) {
        return input.len();
    }
    let mut sink = std::io::sink();
    let reader = flate2::read::GzDecoder::new(input).take(MAX_UNPACKED + 1);
    let mut counted = CountingRead(reader, 0);
    let _ = std::io::copy(&mut counted, &mut sink);
    counted.1
}

struct CountingRead<R>(R, usize);

impl<R: Read> Read for CountingRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        self.1 += n;
        Ok(n)
    }
}

/// A picked file (`data::upload`, which reads archives with `data::archive`): mutated tars,
/// gzipped after the mutation (tar headers reached, checksums mostly fixed) or before it
/// (gzip's own structure), headers claiming huge sizes, and batch files.
fn archive() -> Target {
    let (tar, offsets) = seeds::tar(&seeds::layout());
    let tars = vec![tar.clone()];
    let gzipped = vec![seeds::gzip(&tar, 1), seeds::gzip(&tar, 0)];
    Target {
        name: "archive",
        smoke: 600,
        full: 1_000_000,
        bound_text: "4 x the bytes it unpacks to + 1 MiB",
        make: Box::new(move |rng| match rng.below(10) {
            0..=5 => {
                let mut bytes = tars[0].clone();
                if rng.below(3) == 0 {
                    mutate(rng, &mut bytes, &offsets, &tars);
                } else {
                    mutate_in_place(rng, &mut bytes, &offsets);
                }
                if rng.below(4) != 0 {
                    seeds::fix_checksums(&mut bytes, &offsets);
                }
                if rng.below(8) == 0 {
                    bytes
                } else {
                    seeds::gzip(&bytes, if rng.below(4) == 0 { 1 } else { 0 })
                }
            }
            6..=8 => mutated(rng, &gzipped, &[0, 3, 8]),
            _ => {
                let mut bytes = seeds::batch(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2]);
                mutate(rng, &mut bytes, &[0, RECORD_BYTES], &[]);
                bytes
            }
        }),
        bound: Box::new(|input| 4 * unpacked_len(input) + MIB),
        regressions: Vec::new(),
        run: Box::new(
            |input| match read_upload("fuzz.tar.gz", input.to_vec(), Cap::BROWSER) {
                Ok(_) => "read",
                Err(e) => {
                    assert!(e.starts_with("fuzz.tar.gz"), "{e}");
                    outcome(&e, ARCHIVE_OUTCOMES)
                }
            },
        ),
    }
}

/// One batch file (`Records::parse`, `Dataset::from_single_file`): mutated anyhow, or only its
/// label bytes (the length kept whole records); and `parse_class_names` on text.
fn records() -> Target {
    let seed = seeds::batch(&(0..40).map(|i| (i % 10) as u8).collect::<Vec<_>>());
    let hot: Vec<usize> = (0..40).map(|i| i * RECORD_BYTES).collect();
    let seeds = vec![seed];
    Target {
        name: "records",
        smoke: 2_000,
        full: 2_000_000,
        bound_text: "3 x the input + 64 KiB",
        make: Box::new(move |rng| {
            if rng.below(2) == 0 {
                return mutated(rng, &seeds, &hot);
            }
            let mut bytes = seeds[0].clone();
            let records = bytes.len() / RECORD_BYTES;
            for _ in 0..1 + rng.below(40) {
                let r = rng.below(records as u64) as usize;
                bytes[r * RECORD_BYTES] = rng.below(12) as u8;
            }
            if rng.below(4) == 0 {
                bytes.truncate(RECORD_BYTES * (1 + rng.below(records as u64) as usize));
            }
            bytes
        }),
        bound: Box::new(|input| 3 * input.len() + 64 * KIB),
        // Found by this fuzzer: any batch file reserved room for 65,536 chosen records a split
        // (2 MiB) whatever its size (`Dataset::from_splits` with `Cap::NONE`); joining records
        // grew its bytes by doubling (`Records::join`: 5.3 x the input at peak).
        regressions: vec![seeds::batch(&[0; 6]), seeds::batch(&[0; 38])],
        run: Box::new(|input| {
            let text = String::from_utf8_lossy(&input[..input.len().min(200)]);
            let _ = lectern::data::cifar::parse_class_names(&text);
            let _ = Records::parse(input.to_vec()).map(|r| r.class_counts());
            match Dataset::from_single_file("f".into(), input.to_vec(), None, Cap::NONE) {
                Ok(d) => {
                    assert_eq!(d.class_names.len(), CLASSES);
                    assert!(!d.train.is_empty() && !d.test.is_empty());
                    "read"
                }
                Err(e) => outcome(&e.to_string(), RECORD_OUTCOMES),
            }
        }),
    }
}

/// Weights the header's network holds (conv, BatchNorm, head), from its widths and kernel.
fn weights(input: &[u8]) -> usize {
    let Ok(c) = Checkpoint::from_bytes(input) else {
        return 0;
    };
    let [a, b] = c.header.model.widths;
    let k = c.header.model.kernel;
    k * k * (3 * a + a * a + a * b + b * b) + 8 * (a + b) + 65 * b * CLASSES + CLASSES
}

/// `Checkpoint::from_bytes`, then (when it reads) the network built and loaded: bytes mutated
/// (aimed at the magic, the length and the JSON header) or the header's JSON values replaced.
fn checkpoint() -> Target {
    let seed = seeds::checkpoint();
    let header_end = 25 + u32::from_le_bytes(seed[21..25].try_into().unwrap()) as usize;
    let hot = vec![0, 21, 25, 80, 160, header_end];
    let mut i32_weight = seed.clone();
    let at = seed.windows(3).position(|w| w == b"F32").unwrap();
    i32_weight[at] = b'I';
    let seeds = vec![seed];
    let device = lectern::compute::ndarray_device();
    Target {
        name: "checkpoint",
        smoke: 1_500,
        full: 1_000_000,
        bound_text: "3 x the input + 16 x 4 bytes a weight of the network it describes + 1 MiB",
        make: Box::new(move |rng| {
            if rng.below(3) == 0 {
                json_mutated(rng, &seeds[0])
            } else {
                mutated(rng, &seeds, &hot)
            }
        }),
        bound: Box::new(|input| 3 * input.len() + 64 * weights(input) + MIB),
        // Found by this fuzzer (case 625,358): a weight's dtype edited from F32 to I32 made Burn
        // panic while loading (`Checkpoint::model` now refuses it; native test beside it).
        regressions: vec![i32_weight],
        run: Box::new(move |input| match Checkpoint::from_bytes(input) {
            Ok(c) => match c.model(&device) {
                Ok(_) => "loaded",
                Err(e) => outcome(&e.to_string(), CHECKPOINT_OUTCOMES),
            },
            Err(e) => outcome(&e.to_string(), CHECKPOINT_OUTCOMES),
        }),
    }
}

/// The checkpoint with one value of its JSON header replaced by a troublesome one.
fn json_mutated(rng: &mut SplitMix64, checkpoint: &[u8]) -> Vec<u8> {
    let length = u32::from_le_bytes(checkpoint[21..25].try_into().unwrap()) as usize;
    let mut header: serde_json::Value =
        serde_json::from_slice(&checkpoint[25..25 + length]).unwrap();
    let mut leaves = Vec::new();
    collect_leaves(&header, String::new(), &mut leaves);
    let path = &leaves[rng.below(leaves.len() as u64) as usize];
    let values = [
        "0",
        "1",
        "2",
        "-1",
        "11",
        "129",
        "4294967296",
        "18446744073709551615",
        "1e308",
        "-0.0",
        "null",
        "true",
        "\"x\"",
        "[]",
        "{}",
        "[0,0]",
        "[1,100000]",
        "[100000,1]",
        "0.95",
    ];
    let value = values[rng.below(values.len() as u64) as usize];
    *header.pointer_mut(path).unwrap() = serde_json::from_str(value).unwrap();
    let text = serde_json::to_vec(&header).unwrap();
    let mut out = checkpoint[..21].to_vec();
    out.extend_from_slice(&(text.len() as u32).to_le_bytes());
    out.extend_from_slice(&text);
    out.extend_from_slice(&checkpoint[25 + length..]);
    out
}

fn collect_leaves(value: &serde_json::Value, path: String, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                collect_leaves(v, format!("{path}/{k}"), out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_leaves(v, format!("{path}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(path);
}

/// Postcard `decode` of every message, both directions; what decodes re-encodes to bytes that
/// decode to the same bytes again.
fn messages() -> Target {
    let seeds = seeds::messages();
    Target {
        name: "messages",
        smoke: 20_000,
        full: 5_000_000,
        bound_text: "16 x the input + 4 MiB",
        make: Box::new(move |rng| mutated(rng, &seeds, &[0, 1, 2])),
        bound: Box::new(|input| 16 * input.len() + 4 * MIB),
        regressions: Vec::new(),
        run: Box::new(|input| {
            let mut how = "refused";
            if let Ok(m) = decode::<ToWorker>(input) {
                let again = postcard::to_allocvec(&m).unwrap();
                let m2: ToWorker = decode(&again).unwrap();
                assert_eq!(postcard::to_allocvec(&m2).unwrap(), again);
                how = "a request";
            }
            if let Ok(m) = decode::<FromWorker>(input) {
                let again = postcard::to_allocvec(&m).unwrap();
                let m2: FromWorker = decode(&again).unwrap();
                assert_eq!(postcard::to_allocvec(&m2).unwrap(), again);
                how = if how == "refused" { "a reply" } else { "both" };
            }
            how
        }),
    }
}

/// The page's URL, read as `ui::app` reads it: `url::parse`, then both training cells' forms
/// and the runs they would plan.
fn url() -> Target {
    let seeds: Vec<Vec<u8>> = seeds::URLS.iter().map(|u| u.as_bytes().to_vec()).collect();
    Target {
        name: "url",
        smoke: 20_000,
        full: 1_000_000,
        bound_text: "64 x the input + 64 KiB",
        make: Box::new(move |rng| mutated(rng, &seeds, &[])),
        bound: Box::new(|input| 64 * input.len() + 64 * KIB),
        regressions: Vec::new(),
        run: Box::new(|input| crate::url_case::run(&String::from_utf8_lossy(input))),
    }
}

/// `format::parse_number`, held to `str::parse::<f64>` (same text accepted, same bits).
fn number() -> Target {
    let seeds: Vec<Vec<u8>> = lectern::format::NUMBER_SAMPLES
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
    Target {
        name: "number",
        smoke: 50_000,
        full: 10_000_000,
        bound_text: "0 bytes",
        make: Box::new(move |rng| {
            let mut text = mutated(rng, &seeds, &[0]);
            if rng.below(5) != 0 {
                // Mostly ASCII, the text a number field holds.
                text.iter_mut().for_each(|b| *b &= 0x7f);
            }
            text
        }),
        bound: Box::new(|_| 0),
        regressions: Vec::new(),
        run: Box::new(|input| {
            if let Ok(text) = std::str::from_utf8(input) {
                let ours = parse_number(text).map(f64::to_bits);
                let rust = text.parse::<f64>().ok().map(f64::to_bits);
                let nan = |b: Option<u64>| b.map(|b| f64::from_bits(b).is_nan());
                assert!(ours == rust || (nan(ours) == Some(true) && nan(rust) == Some(true)));
                if ours.is_some() {
                    "a number"
                } else {
                    "refused"
                }
            } else {
                "not UTF-8"
            }
        }),
    }
}

/// The imbalance lab's table from `localStorage`: postcard bytes mutated then written as hex
/// (or the hex text mutated), decoded, restored, exported and read.
fn table() -> Target {
    let tables = seeds::table();
    let bytes: Vec<Vec<u8>> = tables
        .iter()
        .map(|t| postcard::to_allocvec(t).unwrap())
        .collect();
    let texts: Vec<Vec<u8>> = tables
        .iter()
        .map(|t| local_store::encode(t).into_bytes())
        .collect();
    Target {
        name: "table",
        smoke: 10_000,
        full: 1_000_000,
        bound_text: "16 x the stored text + 4 MiB",
        make: Box::new(move |rng| {
            if rng.below(8) == 0 {
                mutated(rng, &texts, &[])
            } else if rng.below(2) == 0 {
                let which = rng.below(tables.len() as u64) as usize;
                let table = reshaped(rng, &tables[which]);
                local_store::encode(&table).into_bytes()
            } else {
                let b = mutated(rng, &bytes, &[0, 1, 2, 3]);
                b.iter()
                    .flat_map(|b| format!("{b:02x}").into_bytes())
                    .collect()
            }
        }),
        bound: Box::new(|input| 16 * input.len() + 4 * MIB),
        regressions: Vec::new(),
        run: Box::new(|input| {
            let text = String::from_utf8_lossy(input);
            let Some(rows) = local_store::decode::<Vec<Row>>(&text) else {
                return "not a table";
            };
            let (rows, note) = restore(rows);
            let _ = (best_per_column(&rows), to_csv(&rows), to_markdown(&rows));
            let _ = reading(&rows);
            if note.is_some() {
                "rows left out"
            } else {
                "restored whole"
            }
        }),
    }
}

/// Rows that decode but have another shape: vectors cut or grown, odd numbers.
fn reshaped(rng: &mut SplitMix64, table: &[Row]) -> Vec<Row> {
    let odd = [f64::NAN, f64::INFINITY, -1.0, 1e308, 0.0, 2.0];
    let mut rows = table.to_vec();
    for _ in 0..1 + rng.below(4) {
        if rows.is_empty() {
            break;
        }
        let i = rng.below(rows.len() as u64) as usize;
        let first_run = rows[0].run;
        let row = &mut rows[i];
        let n = rng.below(13) as usize;
        match rng.below(7) {
            0 => row.per_class.resize(n, 0.5),
            1 => row.train_counts.resize(n, 7),
            2 => row.class_names.resize(n, "x".into()),
            3 if !row.per_class.is_empty() => {
                let c = rng.below(row.per_class.len() as u64) as usize;
                row.per_class[c] = odd[rng.below(odd.len() as u64) as usize];
            }
            4 => row.mean_per_class = odd[rng.below(odd.len() as u64) as usize],
            5 => row.run = first_run,
            _ => {
                rows.remove(i);
            }
        }
    }
    rows
}
