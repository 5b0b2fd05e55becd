//! Byte-level mutations (the usual fuzzer's: bit flips, interesting values, inserts, deletes,
//! copies, truncation, splicing) with a bias towards the offsets where a format keeps its
//! structure (tar headers, length fields).

use lectern::data::rng::SplitMix64;

/// Values that break size and length checks.
const INTERESTING: &[&[u8]] = &[
    &[0],
    &[0xff],
    &[0x7f],
    &[0x80],
    &[0xff, 0xff, 0xff, 0xff],
    &[0xff, 0xff, 0xff, 0x7f],
    &[0x00, 0x00, 0x00, 0x80],
    &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    b"77777777777",
    b"99999999999",
    b"-1",
    b"1e999",
    b"NaN",
    b"\xf0\x9f\x98",
];

fn pick<'a, T>(rng: &mut SplitMix64, items: &'a [T]) -> &'a T {
    &items[rng.below(items.len() as u64) as usize]
}

/// An offset in `len` bytes: half the time near one of `hot` (structure), else anywhere.
fn offset(rng: &mut SplitMix64, len: usize, hot: &[usize]) -> usize {
    if len == 0 {
        return 0;
    }
    if !hot.is_empty() && rng.below(2) == 0 {
        let at = *pick(rng, hot) + rng.below(160) as usize;
        return at.min(len - 1);
    }
    rng.below(len as u64) as usize
}

/// Applies 1–8 random mutations to `bytes`; `hot` are offsets worth aiming at, `others` inputs
/// to splice from.
pub fn mutate(rng: &mut SplitMix64, bytes: &mut Vec<u8>, hot: &[usize], others: &[Vec<u8>]) {
    for _ in 0..1 + rng.below(8) {
        let len = bytes.len();
        let at = offset(rng, len, hot);
        match rng.below(9) {
            0 if len > 0 => bytes[at] ^= 1 << rng.below(8),
            1 if len > 0 => bytes[at] = rng.next_u64() as u8,
            2 => {
                let value = pick(rng, INTERESTING);
                for (i, &b) in value.iter().enumerate() {
                    match bytes.get_mut(at + i) {
                        Some(slot) => *slot = b,
                        None => bytes.push(b),
                    }
                }
            }
            3 => {
                let n = 1 + rng.below(16) as usize;
                let new: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
                bytes.splice(at..at, new);
            }
            4 if len > 0 => {
                let n = (1 + rng.below(64) as usize).min(len - at);
                bytes.drain(at..at + n);
            }
            5 if len > 0 => {
                let n = (1 + rng.below(256) as usize).min(len - at);
                let copy = bytes[at..at + n].to_vec();
                let to = offset(rng, len, hot);
                bytes.splice(to..to, copy);
            }
            6 if len > 0 => bytes.truncate(at),
            7 if !others.is_empty() => {
                let other = pick(rng, others);
                if !other.is_empty() {
                    let from = rng.below(other.len() as u64) as usize;
                    let n = (1 + rng.below(512) as usize).min(other.len() - from);
                    let end = (at + n).min(len);
                    bytes.splice(at..end, other[from..from + n].iter().copied());
                }
            }
            _ if len > 0 => {
                let value = if rng.below(2) == 0 { 0 } else { 0xff };
                let n = (1 + rng.below(8) as usize).min(len - at);
                bytes[at..at + n].fill(value);
            }
            _ => bytes.push(rng.next_u64() as u8),
        }
    }
}

/// A mutated copy of one of `seeds`.
pub fn mutated(rng: &mut SplitMix64, seeds: &[Vec<u8>], hot: &[usize]) -> Vec<u8> {
    let mut bytes = pick(rng, seeds).clone();
    mutate(rng, &mut bytes, hot, seeds);
    bytes
}

/// 1–8 mutations that keep the length (bit flips, bytes, interesting values, fills): the
/// offsets of a format's structure stay where they were.
pub fn mutate_in_place(rng: &mut SplitMix64, bytes: &mut [u8], hot: &[usize]) {
    if bytes.is_empty() {
        return;
    }
    for _ in 0..1 + rng.below(8) {
        let at = offset(rng, bytes.len(), hot);
        match rng.below(4) {
            0 => bytes[at] ^= 1 << rng.below(8),
            1 => bytes[at] = rng.next_u64() as u8,
            2 => {
                let value = pick(rng, INTERESTING);
                let n = value.len().min(bytes.len() - at);
                bytes[at..at + n].copy_from_slice(&value[..n]);
            }
            _ => {
                let n = (1 + rng.below(8) as usize).min(bytes.len() - at);
                bytes[at..at + n].fill(if rng.below(2) == 0 { 0 } else { b'7' });
            }
        }
    }
}
