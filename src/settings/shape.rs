//! The tree of keys the raw settings types accept, read from their serde
//! derives: the known names an unknown key is compared with.
//!
//! Reading them from the types (rather than a list kept beside them) means
//! a key added to `raw.rs` is known here without another edit. The types
//! are walked once with placeholder values: a struct reports its field
//! names, a list its element, a map (such as `[contacts]`) takes any key.

use serde::de::value::{Error, StrDeserializer};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use std::collections::BTreeMap;

#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A value with no keys under it.
    #[default]
    Leaf,
    Struct(BTreeMap<&'static str, Shape>),
    /// A list of tables, such as `[[district.policy]]`.
    Seq(Box<Shape>),
    /// A table whose keys are the operator's own, such as `[contacts]`.
    Open,
}

impl Shape {
    pub(crate) fn of<T: DeserializeOwned>() -> Shape {
        let mut shape = Shape::Leaf;
        T::deserialize(Walker { out: &mut shape })
            .expect("the walker gives every type the raw settings use a placeholder it accepts");
        shape
    }
}

struct Walker<'a> {
    out: &'a mut Shape,
}

/// Numbers: zero is a valid value of every numeric type.
macro_rules! zero {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.visit_i64(0)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Walker<'_> {
    type Error = Error;

    /// Strings, and the untagged one-or-many lists (which try a string).
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_str("")
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_bool(false)
    }

    zero! { deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
    deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
    deserialize_f32 deserialize_f64 }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let mut element = Shape::Leaf;
        let value = visitor.visit_seq(OneElement {
            element: Some(&mut element),
        })?;
        *self.out = Shape::Seq(Box::new(element));
        Ok(value)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        *self.out = Shape::Open;
        visitor.visit_map(de::value::MapDeserializer::new(std::iter::empty::<(
            &str,
            &str,
        )>()))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let mut children = BTreeMap::new();
        let value = visitor.visit_map(Fields {
            fields: fields.iter(),
            current: None,
            children: &mut children,
        })?;
        *self.out = Shape::Struct(children);
        Ok(value)
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf unit unit_struct newtype_struct
        tuple tuple_struct enum identifier ignored_any
    }
}

struct OneElement<'a> {
    element: Option<&'a mut Shape>,
}

impl<'de> de::SeqAccess<'de> for OneElement<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.element.take() {
            Some(out) => seed.deserialize(Walker { out }).map(Some),
            None => Ok(None),
        }
    }
}

struct Fields<'a> {
    fields: std::slice::Iter<'static, &'static str>,
    current: Option<&'static str>,
    children: &'a mut BTreeMap<&'static str, Shape>,
}

impl<'de> de::MapAccess<'de> for Fields<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some(field) = self.fields.next() else {
            return Ok(None);
        };
        self.current = Some(field);
        let name: StrDeserializer<'_, Error> = field.into_deserializer();
        seed.deserialize(name).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let field = self
            .current
            .take()
            .ok_or_else(|| <Error as de::Error>::custom("a value asked for before its key"))?;
        let out = self.children.entry(field).or_default();
        seed.deserialize(Walker { out })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::raw::Raw;

    #[test]
    fn the_raw_settings_are_walked_to_every_key() {
        let Shape::Struct(sections) = Shape::of::<Raw>() else {
            panic!("the settings are a table of sections");
        };
        let Some(Shape::Struct(district)) = sections.get("district") else {
            panic!("[district] is a table: {sections:?}");
        };
        assert_eq!(district.get("timezone"), Some(&Shape::Leaf));
        let Some(Shape::Seq(policy)) = district.get("policy") else {
            panic!("district.policy is a list: {district:?}");
        };
        let Shape::Struct(policy) = policy.as_ref() else {
            panic!("district.policy's entries are tables");
        };
        assert!(policy.contains_key("effective_until"));
        assert_eq!(sections.get("contacts"), Some(&Shape::Open));
        assert!(
            matches!(sections.get("escalation"), Some(Shape::Struct(escalation)) if escalation.contains_key("steps"))
        );
        assert_eq!(sections.len(), 17);
    }
}
