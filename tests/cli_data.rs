//! `lectern data`: the data step, run as a user runs it, on good and bad sources.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lectern::data::site_codec;
use lectern::scratch::ScratchDir;

const RECORD: usize = 3073;
const META: &str = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";

/// `n` records cycling through the ten labels, each image filled with its index.
fn batch(n: usize) -> Vec<u8> {
    (0..n)
        .flat_map(|i| {
            let mut r = vec![(i % 256) as u8; RECORD];
            r[0] = (i % 10) as u8;
            r
        })
        .collect()
}

/// The official file set, as (name, bytes).
fn layout(train_records: usize, test_records: usize) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![("batches.meta.txt".to_string(), META.as_bytes().to_vec())];
    for i in 1..=5 {
        files.push((format!("data_batch_{i}.bin"), batch(train_records)));
    }
    files.push(("test_batch.bin".to_string(), batch(test_records)));
    files
}

fn write_archive(path: &Path, files: &[(String, Vec<u8>)]) {
    let gz =
        flate2::write::GzEncoder::new(fs::File::create(path).unwrap(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for (name, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(
            &mut header,
            format!("cifar-10-batches-bin/{name}"),
            bytes.as_slice(),
        )
        .unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap().flush().unwrap();
}

fn lectern(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lectern"))
        .args(args)
        .output()
        .unwrap()
}

fn data(source: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "data",
        "--source",
        source.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    lectern(&args)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs a bad source and checks it is refused with `needles` in the message, leaving `out`'s
/// previous content untouched.
fn assert_refused(source: &Path, needles: &[&str]) {
    let dir = ScratchDir::new();
    let out = dir.path().join("data");
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("keep.txt"), "previous data").unwrap();
    let output = data(source, &out, &[]);
    let message = stderr(&output);
    assert!(!output.status.success(), "should fail: {message}");
    for needle in needles {
        assert!(
            message.contains(needle),
            "message lacks {needle:?}: {message}"
        );
    }
    let left: Vec<PathBuf> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        left,
        vec![out.join("keep.txt")],
        "the old data must stay as it was"
    );
    let siblings = fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(siblings, 1, "nothing half-written may be left beside it");
}

#[test]
fn writes_the_subset_from_an_archive() {
    let dir = ScratchDir::new();
    let archive = dir.path().join("cifar-10-binary.tar.gz");
    write_archive(&archive, &layout(40, 30));
    let out = dir.path().join("static/data");
    let output = data(
        &archive,
        &out,
        &["--per-class", "15", "--test-per-class", "2"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("200 training and 30 test images"),
        "{stdout}"
    );
    let decoded = |file: &str, records: usize| {
        let bytes = fs::read(out.join(file)).unwrap();
        site_codec::decode(&bytes, records).unwrap().len()
    };
    assert_eq!(decoded("train.lcz", 150), 150 * RECORD);
    assert_eq!(decoded("test.lcz", 20), 20 * RECORD);
    let meta: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["classes"][9], "truck");
    assert_eq!(meta["train"]["per_class"], serde_json::json!(vec![15; 10]));
    assert_eq!(meta["test"]["records"], 20);
    assert_eq!(meta["source"], "cifar-10-binary.tar.gz");
    assert_eq!(meta["format"], site_codec::FORMAT);
    let on_disk = fs::metadata(out.join("train.lcz")).unwrap().len();
    assert_eq!(meta["train"]["bytes"], on_disk);
}

#[test]
fn reads_an_extracted_folder_too() {
    let dir = ScratchDir::new();
    let folder = dir.path().join("cifar-10-batches-bin");
    fs::create_dir_all(&folder).unwrap();
    for (name, bytes) in layout(20, 10) {
        fs::write(folder.join(name), bytes).unwrap();
    }
    let out = dir.path().join("out");
    // Both the folder itself and its parent are accepted.
    for source in [&folder, &dir.path().to_path_buf()] {
        let output = data(source, &out, &[]);
        assert!(output.status.success(), "{}", stderr(&output));
        let train = fs::read(out.join("train.lcz")).unwrap();
        assert_eq!(site_codec::decode(&train, 100).unwrap().len(), 100 * RECORD);
    }
}

#[test]
fn refuses_a_truncated_archive() {
    let dir = ScratchDir::new();
    let archive = dir.path().join("cifar-10-binary.tar.gz");
    write_archive(&archive, &layout(200, 100));
    let bytes = fs::read(&archive).unwrap();
    let cut = dir.path().join("truncated.tar.gz");
    fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    assert_refused(
        &cut,
        &[
            "truncated.tar.gz",
            "truncated or corrupt",
            "compressed byte offset",
        ],
    );
}

#[test]
fn refuses_an_entry_claiming_more_bytes_than_the_layout_allows_before_reading_it() {
    // A tar header saying data_batch_1.bin holds 8 GB, followed by a few bytes: the size is
    // refused before anything is allocated (in the browser a failed allocation ends the worker).
    let dir = ScratchDir::new();
    let archive = dir.path().join("huge.tar.gz");
    let mut header = tar::Header::new_gnu();
    header
        .set_path("cifar-10-batches-bin/data_batch_1.bin")
        .unwrap();
    header.set_size(8_000_000_000);
    header.set_mode(0o644);
    header.set_cksum();
    let mut gz = flate2::write::GzEncoder::new(
        fs::File::create(&archive).unwrap(),
        flate2::Compression::fast(),
    );
    gz.write_all(header.as_bytes()).unwrap();
    gz.write_all(&[7u8; 3 * 3073]).unwrap();
    gz.finish().unwrap().flush().unwrap();
    assert_refused(
        &archive,
        &[
            "huge.tar.gz",
            "data_batch_1.bin says it holds 8,000,000,000 bytes",
            "30,730,000 at most",
        ],
    );
}

#[test]
fn refuses_a_file_that_is_not_a_tar_gz() {
    let dir = ScratchDir::new();
    let text = dir.path().join("cifar.tar.gz");
    fs::write(&text, "<html>not found</html>").unwrap();
    assert_refused(
        &text,
        &["cifar.tar.gz", "not a gzip-compressed tar archive", "3c 68"],
    );
    let empty = dir.path().join("empty.tar.gz");
    fs::write(&empty, "").unwrap();
    assert_refused(&empty, &["empty.tar.gz", "an empty file"]);
}

#[test]
fn refuses_a_label_above_nine_naming_file_and_offset() {
    let dir = ScratchDir::new();
    let mut files = layout(20, 10);
    files[2].1[5 * RECORD] = 11; // data_batch_2.bin, record 5
    let archive = dir.path().join("bad-label.tar.gz");
    write_archive(&archive, &files);
    assert_refused(
        &archive,
        &[
            "data_batch_2.bin",
            "byte offset 15,365 (record 5): label 11",
        ],
    );
}

#[test]
fn refuses_a_batch_that_is_not_whole_records() {
    let dir = ScratchDir::new();
    let mut files = layout(20, 10);
    files[6].1.truncate(9 * RECORD + 100); // test_batch.bin
    let archive = dir.path().join("short.tar.gz");
    write_archive(&archive, &files);
    assert_refused(
        &archive,
        &["test_batch.bin", "truncated", "byte offset 27,657"],
    );
}

#[test]
fn refuses_an_archive_without_the_test_batch() {
    let dir = ScratchDir::new();
    let mut files = layout(20, 10);
    files.pop();
    let archive = dir.path().join("no-test.tar.gz");
    write_archive(&archive, &files);
    assert_refused(
        &archive,
        &["no-test.tar.gz", "no cifar-10-batches-bin/test_batch.bin"],
    );
}

#[test]
fn refuses_a_wrong_checksum_and_a_missing_source() {
    let dir = ScratchDir::new();
    let archive = dir.path().join("cifar-10-binary.tar.gz");
    write_archive(&archive, &layout(20, 10));
    let out = dir.path().join("out");
    let output = data(&archive, &out, &["--sha256", &"0".repeat(64)]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("sha256 is"), "{}", stderr(&output));
    assert!(!out.exists());
    let output = data(&dir.path().join("nowhere.tar.gz"), &out, &[]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("nowhere.tar.gz"),
        "{}",
        stderr(&output)
    );
}

/// `make data CIFAR10=<copy>`: the copy's sha256 is printed, for a teacher to compare with the
/// official archive's — also when `--sha256` refuses it; a folder has no single file to hash.
#[test]
fn prints_an_archives_sha256_also_when_refusing_it() {
    use sha2::{Digest, Sha256};
    let dir = ScratchDir::new();
    let archive = dir.path().join("cifar-10-binary.tar.gz");
    write_archive(&archive, &layout(20, 10));
    let expected: String = Sha256::digest(fs::read(&archive).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let line = format!("sha256 of {}: {expected}\n", archive.display());
    let out = dir.path().join("out");
    let output = data(&archive, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with(&line), "{stdout}");

    let output = data(&archive, &out, &["--sha256", &"0".repeat(64)]);
    assert!(!output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), line);
    assert!(stderr(&output).contains(&expected), "{}", stderr(&output));

    let folder = dir.path().join("cifar-10-batches-bin");
    fs::create_dir_all(&folder).unwrap();
    for (name, bytes) in layout(20, 10) {
        fs::write(folder.join(name), bytes).unwrap();
    }
    let output = data(&folder, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!String::from_utf8_lossy(&output.stdout).contains("sha256"));
}

/// The reduced CIFAR-10 the project is developed with, where it is present (it is in CI).
#[test]
fn the_shared_archive_is_read_and_a_truncated_copy_refused() {
    let shared =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/cifar-10-binary.tar.gz");
    if !shared.exists() {
        eprintln!("skipped: {} is not here", shared.display());
        return;
    }
    let dir = ScratchDir::new();
    let out = dir.path().join("data");
    let output = data(&shared, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let meta: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["train"]["records"], 5000);
    assert_eq!(meta["test"]["records"], 1000);

    let bytes = fs::read(&shared).unwrap();
    let cut = dir.path().join("cifar-10-binary-truncated.tar.gz");
    fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    assert_refused(
        &cut,
        &["cifar-10-binary-truncated.tar.gz", "truncated or corrupt"],
    );
}

#[test]
fn a_picked_image_is_named_for_what_it_is() {
    let dir = ScratchDir::new();
    let png = dir.path().join("cifar-10-binary.tar.gz");
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.resize(4000, 9);
    fs::write(&png, bytes).unwrap();
    assert_refused(
        &png,
        &[
            "not a gzip-compressed tar archive: it starts like a PNG image",
            "found 89 50",
        ],
    );
}

#[test]
fn a_gzip_bomb_stops_at_what_the_layout_allows() {
    // One entry that says it holds 400 MB of zeros (a few hundred kB gzipped): reading stops
    // once the unpacked bytes pass the limit, with a message (was: inflated to the end).
    let dir = ScratchDir::new();
    let archive = dir.path().join("bomb.tar.gz");
    let mut header = tar::Header::new_gnu();
    header.set_path("cifar-10-batches-bin/readme.html").unwrap();
    header.set_size(400_000_000);
    header.set_mode(0o644);
    header.set_cksum();
    let mut gz = flate2::write::GzEncoder::new(
        fs::File::create(&archive).unwrap(),
        flate2::Compression::fast(),
    );
    gz.write_all(header.as_bytes()).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..400_000_000 / zeros.len() + 1 {
        gz.write_all(&zeros).unwrap();
    }
    gz.finish().unwrap().flush().unwrap();
    assert_refused(
        &archive,
        &[
            "bomb.tar.gz: it unpacks to more than 215,110,000 bytes",
            "damaged or not CIFAR-10",
        ],
    );
}

#[test]
fn a_tar_without_cifar_files_says_what_it_holds() {
    let dir = ScratchDir::new();
    let archive = dir.path().join("photos.tar.gz");
    let files: Vec<(String, Vec<u8>)> = (0..8)
        .map(|i| (format!("cat{i}.png"), vec![1, 2, 3]))
        .collect();
    write_archive(&archive, &files);
    assert_refused(
        &archive,
        &[
            "photos.tar.gz: none of CIFAR-10's files is in it",
            "it holds cifar-10-batches-bin/cat0.png, cifar-10-batches-bin/cat1.png",
            "and 3 more",
            "Pick cifar-10-binary.tar.gz",
        ],
    );
}

#[test]
fn the_python_version_of_cifar_is_named() {
    let dir = ScratchDir::new();
    let archive = dir.path().join("cifar-10-python.tar.gz");
    let gz = flate2::write::GzEncoder::new(
        fs::File::create(&archive).unwrap(),
        flate2::Compression::fast(),
    );
    let mut tar = tar::Builder::new(gz);
    for name in ["batches.meta", "data_batch_1", "test_batch"] {
        let mut header = tar::Header::new_gnu();
        header.set_size(3);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(
            &mut header,
            format!("cifar-10-batches-py/{name}"),
            &[1u8, 2, 3][..],
        )
        .unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap().flush().unwrap();
    assert_refused(
        &archive,
        &["none of CIFAR-10's files", "that is the Python version"],
    );
}

#[test]
fn an_uncompressed_tar_of_the_layout_is_read() {
    let dir = ScratchDir::new();
    let archive = dir.path().join("cifar-10-binary.tar");
    let mut tar = tar::Builder::new(fs::File::create(&archive).unwrap());
    for (name, bytes) in layout(20, 10) {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(
            &mut header,
            format!("cifar-10-batches-bin/{name}"),
            bytes.as_slice(),
        )
        .unwrap();
    }
    tar.into_inner().unwrap().flush().unwrap();
    let out = dir.path().join("out");
    let output = data(&archive, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
}
