//! Serde for the big number vectors between workers: one byte string each (little-endian `f32`s,
//! or the bytes themselves), not a sequence of numbers — postcard then copies them in one piece
//! where it would encode them one by one.

use serde::de::{Error, Visitor};
use serde::{Deserializer, Serializer};

/// `#[serde(with = "as_bytes::floats")]` on a `Vec<f32>`.
pub mod floats {
    use super::*;

    pub fn serialize<S: Serializer>(values: &[f32], serializer: S) -> Result<S::Ok, S::Error> {
        let mut bytes = Vec::with_capacity(4 * values.len());
        for v in values {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        serializer.serialize_bytes(&bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f32>, D::Error> {
        let bytes = deserializer.deserialize_bytes(Bytes)?;
        if !bytes.len().is_multiple_of(4) {
            return Err(D::Error::custom(format!(
                "{} bytes are not whole 32-bit floats",
                bytes.len()
            )));
        }
        Ok(bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }
}

/// `#[serde(with = "as_bytes::bytes")]` on a `Vec<u8>`.
pub mod bytes {
    use super::*;

    pub fn serialize<S: Serializer>(values: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(values)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        deserializer.deserialize_bytes(Bytes)
    }
}

/// Reads a byte string, borrowed or owned.
struct Bytes;

impl<'de> Visitor<'de> for Bytes {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a byte string")
    }

    fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
        Ok(v.to_vec())
    }

    fn visit_byte_buf<E: Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Both {
        #[serde(with = "super::floats")]
        floats: Vec<f32>,
        #[serde(with = "super::bytes")]
        bytes: Vec<u8>,
    }

    #[test]
    fn numbers_and_bytes_travel_as_one_byte_string_each_and_come_back_bit_equal() {
        let both = Both {
            floats: vec![
                0.0,
                -0.0,
                1.5,
                f32::MIN_POSITIVE,
                f32::MAX,
                f32::NAN,
                -3.25e-7,
            ],
            bytes: vec![0, 1, 255, 7],
        };
        let encoded = postcard::to_allocvec(&both).unwrap();
        assert_eq!(
            encoded.len(),
            1 + 7 * 4 + 1 + 4,
            "a length and the bytes, twice"
        );
        let back: Both = postcard::from_bytes(&encoded).unwrap();
        let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back.floats), bits(&both.floats));
        assert_eq!(back.bytes, both.bytes);
    }

    #[test]
    fn a_byte_string_that_is_not_whole_floats_is_refused() {
        #[derive(Debug, Serialize)]
        struct Raw {
            #[serde(with = "super::bytes")]
            floats: Vec<u8>,
            #[serde(with = "super::bytes")]
            bytes: Vec<u8>,
        }
        let raw = postcard::to_allocvec(&Raw {
            floats: vec![1, 2, 3],
            bytes: vec![],
        })
        .unwrap();
        assert!(
            postcard::from_bytes::<Both>(&raw).is_err(),
            "3 bytes are not a float"
        );
    }
}
