//! A serde `Serializer` that writes nothing: it walks a value the way an encoder would, field by
//! field, and shows a [`Visitor`] every float and every enum variant it meets. Being serde's own
//! traversal, it cannot forget a field. Two questions ask it: whether every number of a reply is
//! finite ([`all_finite`], before the worker sends it), and which variants a list of messages
//! holds ([`variants_in`], for the tests that every message has an example).

use serde::Serialize;
use serde::ser;

/// What a walk shows, in serialisation order.
pub trait Visitor {
    /// A float (an f32 widened, exactly). `Err` ends the walk.
    fn float(&mut self, _value: f64) -> Result<(), Stop> {
        Ok(())
    }
    /// A value of enum `name` is its variant `variant`.
    fn variant(&mut self, _name: &'static str, _variant: &'static str) {}
}

/// Why a walk ended early: a visitor stopped it, or a value could not be serialised.
#[derive(Debug)]
pub struct Stop;

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the walk stopped")
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Stop
    }
}

/// Walks `value`, showing `visitor` its floats and variants.
pub fn walk<T: Serialize + ?Sized>(value: &T, visitor: &mut impl Visitor) -> Result<(), Stop> {
    value.serialize(Walk(visitor))
}

/// Whether every float in `value` is finite (no NaN, no ∞), wherever it sits: in an `Option`, a
/// tuple, a map, a variant.
pub fn all_finite<T: Serialize + ?Sized>(value: &T) -> bool {
    struct Finite;
    impl Visitor for Finite {
        fn float(&mut self, value: f64) -> Result<(), Stop> {
            if value.is_finite() { Ok(()) } else { Err(Stop) }
        }
    }
    walk(value, &mut Finite).is_ok()
}

/// The `(enum, variant)` pairs that `values` hold, at any depth.
pub fn variants_in<T: Serialize>(values: &[T]) -> Vec<(&'static str, &'static str)> {
    struct Variants(Vec<(&'static str, &'static str)>);
    impl Visitor for Variants {
        fn variant(&mut self, name: &'static str, variant: &'static str) {
            if !self.0.contains(&(name, variant)) {
                self.0.push((name, variant));
            }
        }
    }
    let mut seen = Variants(Vec::new());
    for value in values {
        walk(value, &mut seen).expect("messages serialise");
    }
    seen.0
}

struct Walk<'a, V>(&'a mut V);

impl<V: Visitor> Walk<'_, V> {
    fn inner<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        value.serialize(Walk(&mut *self.0))
    }
}

macro_rules! nothing_to_see {
    ($($method:ident: $type:ty),*) => {
        $(fn $method(self, _: $type) -> Result<(), Stop> { Ok(()) })*
    };
}

impl<'a, V: Visitor> ser::Serializer for Walk<'a, V> {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    nothing_to_see!(
        serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64, serialize_u128: u128, serialize_char: char,
        serialize_str: &str, serialize_bytes: &[u8], serialize_unit_struct: &'static str
    );

    fn serialize_f32(self, v: f32) -> Result<(), Stop> {
        self.0.float(f64::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<(), Stop> {
        self.0.float(v)
    }

    fn serialize_none(self) -> Result<(), Stop> {
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(mut self, value: &T) -> Result<(), Stop> {
        self.inner(value)
    }

    fn serialize_unit(self) -> Result<(), Stop> {
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Stop> {
        self.0.variant(name, variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        mut self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        self.inner(value)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        mut self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        self.0.variant(name, variant);
        self.inner(value)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Stop> {
        Ok(self)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, Stop> {
        self.0.variant(name, variant);
        Ok(self)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self, Stop> {
        Ok(self)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, Stop> {
        self.0.variant(name, variant);
        Ok(self)
    }
}

/// A compound's parts are walked like any value: `$part` for each element or field (named
/// fields are walked without their names), nothing at the end.
macro_rules! walk_parts {
    ($($trait:ident :: $part:ident $(($name:ty))?),* $(,)?) => {$(
        impl<V: Visitor> ser::$trait for Walk<'_, V> {
            type Ok = ();
            type Error = Stop;
            fn $part<T: Serialize + ?Sized>(&mut self, $(_: $name,)? value: &T) -> Result<(), Stop> {
                self.inner(value)
            }
            fn end(self) -> Result<(), Stop> {
                Ok(())
            }
        }
    )*};
}

walk_parts!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field,
    SerializeStruct::serialize_field(&'static str),
    SerializeStructVariant::serialize_field(&'static str),
);

impl<V: Visitor> ser::SerializeMap for Walk<'_, V> {
    type Ok = ();
    type Error = Stop;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Stop> {
        self.inner(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        self.inner(value)
    }
    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::*;
    use crate::train::metrics::ShotGroups;

    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(f32),
        Tuple(u8, Option<f64>),
        Struct { x: Vec<(usize, f64)> },
    }

    #[test]
    fn finite_values_pass_at_their_extremes() {
        assert!(all_finite(&(
            -0.0f64,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            f32::MAX
        )));
        assert!(all_finite(&Some(1.0f64)));
        assert!(all_finite(&None::<f64>));
        assert!(all_finite(&vec![Shape::Unit, Shape::Newtype(1.0)]));
        assert!(all_finite("text"));
    }

    #[test]
    fn a_nan_or_infinity_is_found_wherever_it_sits() {
        // JSON writes a NaN in an `Option` as `null`, which reads back as `None`: a round trip
        // through JSON text called this finite.
        assert!(!all_finite(&Some(f64::NAN)));
        let groups = ShotGroups {
            many: Some(0.5),
            medium: Some(f64::NAN),
            few: None,
        };
        assert!(!all_finite(&groups));
        assert!(!all_finite(&Shape::Newtype(f32::INFINITY)));
        assert!(!all_finite(&Shape::Tuple(1, Some(f64::NEG_INFINITY))));
        assert!(!all_finite(&Shape::Struct {
            x: vec![(0, 1.0), (1, f64::NAN)]
        }));
        assert!(!all_finite(&BTreeMap::from([("a", f32::NAN)])));
        assert!(!all_finite(&[[1.0f32], [f32::NAN]]));
    }

    #[test]
    fn variants_are_named_with_their_enum_at_any_depth() {
        let values = [
            vec![Shape::Unit],
            vec![Shape::Struct { x: vec![] }, Shape::Unit],
        ];
        assert_eq!(
            variants_in(&values),
            [("Shape", "Unit"), ("Shape", "Struct")]
        );
        let nested: Result<Option<Shape>, ()> = Ok(Some(Shape::Tuple(0, None)));
        assert_eq!(
            variants_in(&[nested]),
            [("Result", "Ok"), ("Shape", "Tuple")]
        );
    }
}
