//! `--anonymize`: names, descriptions and external ids replaced by keyed hashes, the same
//! value always by the same text, so that a capture can be shared or committed and still
//! shows which tasks share a name.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Hex digits of the hash kept in a replacement.
const HASH_HEX_DIGITS: usize = 12;

/// What a replaced value was: the start of its replacement.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Workspace,
    Batch,
    Document,
    Description,
    ExternalId,
    Client,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Workspace => "Workspace ",
            Kind::Batch => "Batch ",
            Kind::Document => "Document ",
            Kind::Description => "Description ",
            Kind::ExternalId => "ext-",
            Kind::Client => "client-",
        }
    }
}

/// The keyed hash that replaces values.
pub struct Anonymizer {
    key: Vec<u8>,
}

impl Anonymizer {
    pub fn new(key: &str) -> Self {
        Self {
            key: key.as_bytes().to_vec(),
        }
    }

    /// `value`'s replacement, e.g. "Document 3f2a9c0b17de": SHA-256 of the key's length, the
    /// key and the value, so that the same key and value always give the same text.
    pub fn replace(&self, kind: Kind, value: &str) -> String {
        let mut hash = Sha256::new();
        hash.update((self.key.len() as u64).to_be_bytes());
        hash.update(&self.key);
        hash.update(value.as_bytes());
        let digest = hash.finalize();
        let hex: String = digest
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect::<String>()
            .chars()
            .take(HASH_HEX_DIGITS)
            .collect();
        // A document keeps its file name's extension, which tells what kind of file it is.
        let extension = match kind {
            Kind::Document => value
                .rsplit_once('.')
                .map(|(_, extension)| extension)
                .filter(|extension| {
                    (1..=5).contains(&extension.len())
                        && extension.chars().all(|c| c.is_ascii_alphanumeric())
                })
                .map(|extension| format!(".{extension}"))
                .unwrap_or_default(),
            _ => String::new(),
        };
        format!("{}{hex}{extension}", kind.prefix())
    }

    /// Replaces the string value of `field` in `object` (null and absent stay as they are).
    pub fn field(&self, object: &mut Map<String, Value>, field: &str, kind: Kind) {
        if let Some(Value::String(text)) = object.get_mut(field) {
            *text = self.replace(kind, text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_key_and_value_give_the_same_replacement() {
        let one = Anonymizer::new("key");
        let first = one.replace(Kind::Document, "invoice.pdf");
        assert_eq!(first, one.replace(Kind::Document, "invoice.pdf"));
        assert!(first.starts_with("Document ") && first.ends_with(".pdf"));
        assert_eq!(first.len(), "Document ".len() + 12 + ".pdf".len());
        assert_eq!(
            one.replace(Kind::Document, "notes"),
            one.replace(Kind::Document, "notes")
        );
        assert!(!one.replace(Kind::Batch, "March.2022").contains('.'));
        assert_ne!(first, one.replace(Kind::Document, "invoice2.pdf"));
        assert_ne!(
            first,
            Anonymizer::new("other").replace(Kind::Document, "invoice.pdf")
        );
    }

    #[test]
    fn null_fields_stay_null() {
        let mut object = serde_json::json!({"description": null, "displayName": "a.pdf"})
            .as_object()
            .cloned()
            .unwrap();
        let anonymizer = Anonymizer::new("k");
        anonymizer.field(&mut object, "description", Kind::Description);
        anonymizer.field(&mut object, "displayName", Kind::Document);
        assert_eq!(object["description"], Value::Null);
        assert!(object["displayName"]
            .as_str()
            .unwrap()
            .starts_with("Document "));
    }
}
