//! Test fixture: `cifar-10-binary.tar.gz` in the official layout, built in memory (the unit
//! tests and the browser tests read it as a student's upload).

use std::io::Write;

use super::cifar::{TEST_FILE, TRAIN_FILES};

/// The archive with `batch` (CIFAR records) as each of its six batch files and the ten CIFAR-10
/// class names, gzip-compressed at `level` (`Compression::none()`: reading it is all unpacking).
pub fn cifar_archive(batch: &[u8], level: flate2::Compression) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut add = |name: &str, bytes: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, format!("cifar-10-batches-bin/{name}"), bytes)
            .expect("a tar in memory");
    };
    let classes = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";
    add("batches.meta.txt", classes.as_bytes());
    for name in TRAIN_FILES.iter().chain([&TEST_FILE]) {
        add(name, batch);
    }
    let tar = tar.into_inner().expect("a tar in memory");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), level);
    gz.write_all(&tar).expect("gzip in memory");
    gz.finish().expect("gzip in memory")
}
