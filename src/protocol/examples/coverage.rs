//! Whether the examples hold every variant of every message enum: serde's derive lists each enum's
//! variants for its reader ([`variants_of`]), and the walk names the variants a value holds.

/// The variants of enum `T`, as serde's derive lists them for its reader: a new variant joins this
/// list by itself.
pub fn variants_of<'de, T: serde::Deserialize<'de>>() -> &'static [&'static str] {
    use serde::de::{self, Visitor};

    struct Variants(&'static [&'static str]);
    impl<'de> de::Deserializer<'de> for &mut Variants {
        type Error = de::value::Error;
        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _: &'static str,
            variants: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = variants;
            Err(de::Error::custom("only the variants were wanted"))
        }
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not an enum"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
            ignored_any
        }
    }
    let mut found = Variants(&[]);
    let _ = T::deserialize(&mut found);
    found.0
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use super::super::*;
    use super::*;
    use crate::protocol::walk::variants_in;

    /// The variants of `T` (serde's name for it: `name`) that no value in `values` holds.
    fn missing<T: for<'de> serde::Deserialize<'de>>(
        name: &str,
        values: &[impl Serialize],
    ) -> Vec<String> {
        let seen = variants_in(values);
        let variants = variants_of::<T>();
        assert!(!variants.is_empty(), "{name} is not an enum");
        variants
            .iter()
            .filter(|&&v| !seen.contains(&(name, v)))
            .map(|v| format!("{name}::{v}"))
            .collect()
    }

    #[test]
    fn every_variant_of_every_message_has_an_example() {
        let requests = every_request();
        let replies = every_reply();
        let theory_requests: Vec<_> = (requests.iter())
            .filter_map(|m| match m {
                ToWorker::Theory(r) => Some(r),
                _ => None,
            })
            .collect();
        let paper_requests: Vec<_> = (requests.iter())
            .filter_map(|m| match m {
                ToWorker::Paper(r) => Some(r),
                _ => None,
            })
            .collect();
        let theory_replies: Vec<_> = (replies.iter())
            .filter_map(|m| match m {
                FromWorker::Theory(r) => Some(r),
                _ => None,
            })
            .collect();
        let paper_replies: Vec<_> = (replies.iter())
            .filter_map(|m| match m {
                FromWorker::Paper(r) => Some(r),
                _ => None,
            })
            .collect();
        let mut absent = [
            missing::<ToWorker>("ToWorker", &requests),
            missing::<BackendRequest>("BackendRequest", &requests),
            missing::<theory::Request>("Request", &theory_requests),
            missing::<paper::Request>("Request", &paper_requests),
            missing::<paper::ModelSource>("ModelSource", &requests),
            missing::<DataSource>("DataSource", &requests),
            missing::<FromWorker>("FromWorker", &replies),
            missing::<Backend>("Backend", &replies),
            missing::<theory::Reply>("Reply", &theory_replies),
            missing::<Result<(), ()>>("Result", &theory_replies),
            missing::<paper::Reply>("Reply", &paper_replies),
            missing::<StopReason>("StopReason", &replies),
            missing::<Refusal>("Refusal", &replies),
        ]
        .concat();
        // Both training cells speak the whole training language.
        for cell in [TrainingCell::ConvNet, TrainingCell::Imbalance] {
            let cell_requests: Vec<_> = (requests.iter())
                .filter_map(|m| match (cell, m) {
                    (TrainingCell::ConvNet, ToWorker::ConvNet(r))
                    | (TrainingCell::Imbalance, ToWorker::Imbalance(r)) => Some(r),
                    _ => None,
                })
                .collect();
            let cell_events: Vec<_> = (replies.iter())
                .filter_map(|m| match (cell, m) {
                    (TrainingCell::ConvNet, FromWorker::ConvNet(e))
                    | (TrainingCell::Imbalance, FromWorker::Imbalance(e)) => Some(e),
                    _ => None,
                })
                .collect();
            absent.extend(missing::<Request>("Request", &cell_requests));
            absent.extend(missing::<Event>("Event", &cell_events));
        }
        assert!(absent.is_empty(), "no example of {}", absent.join(", "));
    }

    #[test]
    fn the_variant_list_is_the_derives() {
        assert_eq!(variants_of::<BackendRequest>(), ["Auto", "WebGpu", "Cpu"]);
        assert_eq!(variants_of::<StopReason>(), ["User", "Diverged", "Failed"]);
        assert!(variants_of::<RunId>().is_empty());
    }
}
