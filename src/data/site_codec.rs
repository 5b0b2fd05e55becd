//! The site's CIFAR-10 subset as it travels to a class: about half the bytes of the record
//! layout, and the same records bit for bit once decoded. (Plain gzip saves ~6 % on CIFAR-10's
//! pixels; this saves ~48 %, so the site's 6,000 images fit a 10 MB download.)
//!
//! Each image's colours become G, R − G and B − G (a reversible colour transform: the channels
//! of a natural image move together), each plane is predicted pixel by pixel from its left,
//! upper and upper-left neighbours (the median edge detector of LOCO-I / JPEG-LS), and the
//! residuals — mostly small numbers — are deflated, grouped plane by plane so that deflate sees
//! alike bytes together.
//!
//! Before deflate: the record count (u32, little-endian), every label, then for every image its
//! G residuals, then every image's R − G residuals, then every image's B − G residuals (1,024
//! bytes an image and plane, row-major, each residual modulo 256).

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;

use super::cifar::RECORD_BYTES;

/// `meta.json`'s `format` for files in this encoding.
pub const FORMAT: &str = "cifar-10-records/rct-med-deflate-v1";

const SIDE: usize = 32;
const PLANE: usize = SIDE * SIDE;

/// Why encoded bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiteCodecError {
    #[error("it is not deflate data ({0})")]
    Deflate(String),
    #[error("it holds {found} bytes once inflated, not the {expected} its {records} records need")]
    Length {
        records: usize,
        expected: usize,
        found: usize,
    },
    #[error("it says it holds {records} records, more than the {max} expected")]
    TooMany { records: usize, max: usize },
}

/// The median edge detector's guess for the pixel at `i` of `plane` from those already known.
fn predict(plane: &[i16; PLANE], i: usize) -> i16 {
    let (x, y) = (i % SIDE, i / SIDE);
    match (x, y) {
        (0, 0) => 0,
        (_, 0) => plane[i - 1],
        (0, _) => plane[i - SIDE],
        _ => {
            let (a, b, c) = (plane[i - 1], plane[i - SIDE], plane[i - SIDE - 1]);
            if c >= a.max(b) {
                a.min(b)
            } else if c <= a.min(b) {
                a.max(b)
            } else {
                a + b - c
            }
        }
    }
}

/// Encodes whole records (`records.len()` a multiple of [`RECORD_BYTES`]).
#[allow(clippy::needless_range_loop)] // three planes written at the same index
pub fn encode(records: &[u8]) -> Vec<u8> {
    assert_eq!(records.len() % RECORD_BYTES, 0, "whole records");
    let n = records.len() / RECORD_BYTES;
    let mut raw = vec![0u8; 4 + n + 3 * n * PLANE];
    raw[..4].copy_from_slice(&(n as u32).to_le_bytes());
    let (labels, planes) = raw[4..].split_at_mut(n);
    for (k, record) in records.chunks_exact(RECORD_BYTES).enumerate() {
        labels[k] = record[0];
        let channel = |c: usize, i: usize| i16::from(record[1 + c * PLANE + i]);
        let mut values = [[0i16; PLANE]; 3];
        for i in 0..PLANE {
            let (r, g, b) = (channel(0, i), channel(1, i), channel(2, i));
            values[0][i] = g;
            values[1][i] = r - g;
            values[2][i] = b - g;
        }
        for (p, plane) in values.iter().enumerate() {
            let out = &mut planes[(p * n + k) * PLANE..][..PLANE];
            for i in 0..PLANE {
                out[i] = (plane[i] - predict(plane, i)) as u8;
            }
        }
    }
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(&raw).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// Decodes what [`encode`] wrote back into records, refusing more than `max_records` (so that
/// a damaged or hostile file cannot ask for unbounded memory).
pub fn decode(bytes: &[u8], max_records: usize) -> Result<Vec<u8>, SiteCodecError> {
    let mut inflater = ZlibDecoder::new(bytes);
    let mut count = [0u8; 4];
    inflater
        .read_exact(&mut count)
        .map_err(|e| SiteCodecError::Deflate(e.to_string()))?;
    let n = u32::from_le_bytes(count) as usize;
    if n > max_records {
        return Err(SiteCodecError::TooMany {
            records: n,
            max: max_records,
        });
    }
    let expected = n + 3 * n * PLANE;
    let mut raw = Vec::with_capacity(expected);
    // One byte more than expected tells a file with trailing data.
    inflater
        .take(expected as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(|e| SiteCodecError::Deflate(e.to_string()))?;
    if raw.len() != expected {
        return Err(SiteCodecError::Length {
            records: n,
            expected: expected + 4,
            found: raw.len() + 4,
        });
    }
    let (labels, planes) = raw.split_at(n);
    let residuals = |plane: usize, k: usize| &planes[(plane * n + k) * PLANE..][..PLANE];
    let mut records = vec![0u8; n * RECORD_BYTES];
    for (k, record) in records.chunks_exact_mut(RECORD_BYTES).enumerate() {
        // G itself (0–255: modulo 256 gives it back).
        let mut g = [0i16; PLANE];
        for (i, &r) in residuals(0, k).iter().enumerate() {
            g[i] = i16::from((predict(&g, i) as u8).wrapping_add(r));
        }
        // R − G and B − G span −255–255, but R = G + (R − G) is a byte: R comes back modulo
        // 256, and the difference from it.
        let mut differences = [[0i16; PLANE]; 2];
        for (d, plane) in differences.iter_mut().enumerate() {
            for (i, &r) in residuals(d + 1, k).iter().enumerate() {
                let channel = (g[i] as u8)
                    .wrapping_add(predict(plane, i) as u8)
                    .wrapping_add(r);
                plane[i] = i16::from(channel) - g[i];
            }
        }
        record[0] = labels[k];
        for i in 0..PLANE {
            record[1 + i] = (g[i] + differences[0][i]) as u8;
            record[1 + PLANE + i] = g[i] as u8;
            record[1 + 2 * PLANE + i] = (g[i] + differences[1][i]) as u8;
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::cifar::Records;
    use crate::data::rng::SplitMix64;

    /// Records with smooth, image-like planes and some noise, and the extremes of every channel.
    fn records(n: usize, seed: u64) -> Vec<u8> {
        let mut rng = SplitMix64(seed);
        let mut bytes = Vec::with_capacity(n * RECORD_BYTES);
        for k in 0..n {
            bytes.push((k % 10) as u8);
            for c in 0..3 {
                for i in 0..PLANE {
                    let smooth = (i % SIDE * 4 + i / SIDE * 3 + c * 40) as u64;
                    let v = match k % 4 {
                        0 => smooth + rng.next_u64() % 9,
                        1 => rng.next_u64(),
                        2 => {
                            if (i + c) % 2 == 0 {
                                0
                            } else {
                                255
                            }
                        }
                        _ => [0, 255, 0][c],
                    };
                    bytes.push(v as u8);
                }
            }
        }
        bytes
    }

    #[test]
    fn decoding_gives_back_every_record_bit_for_bit() {
        let original = records(12, 7);
        let encoded = encode(&original);
        assert_eq!(decode(&encoded, 12).unwrap(), original);
        assert_eq!(decode(&encode(&[]), 0).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn image_like_planes_shrink_well_below_plain_deflate() {
        let smooth: Vec<u8> = records(40, 3)
            .chunks_exact(RECORD_BYTES)
            .enumerate()
            .filter(|(k, _)| k % 4 == 0)
            .flat_map(|(_, r)| r.to_vec())
            .collect();
        let encoded = encode(&smooth);
        let mut plain = ZlibEncoder::new(Vec::new(), Compression::best());
        plain.write_all(&smooth).unwrap();
        let plain = plain.finish().unwrap();
        assert!(
            encoded.len() * 4 < plain.len() * 3,
            "{} bytes encoded, {} deflated as records, {} raw",
            encoded.len(),
            plain.len(),
            smooth.len()
        );
        let decoded = decode(&encoded, 10).unwrap();
        assert_eq!(Records::parse(decoded).unwrap().len(), 10);
    }

    #[test]
    fn damaged_or_oversized_files_are_refused_with_the_reason() {
        let encoded = encode(&records(3, 1));
        assert_eq!(
            decode(&encoded, 2),
            Err(SiteCodecError::TooMany { records: 3, max: 2 })
        );
        assert!(matches!(
            decode(b"not deflate at all", 10),
            Err(SiteCodecError::Deflate(_))
        ));
        assert!(matches!(
            decode(&encoded[..encoded.len() / 2], 10),
            Err(SiteCodecError::Deflate(_) | SiteCodecError::Length { .. })
        ));
        // A count that promises more records than the data holds.
        let mut lying = vec![0u8; 4 + 10];
        lying[..4].copy_from_slice(&5u32.to_le_bytes());
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(&lying).unwrap();
        let lying = encoder.finish().unwrap();
        assert!(matches!(
            decode(&lying, 10),
            Err(SiteCodecError::Length { records: 5, .. })
        ));
    }
}
