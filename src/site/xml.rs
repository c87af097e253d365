//! Text as XML 1.0 can carry it, for the feed and the pages.

use super::PublicNotice;

/// What XML 1.0 can carry, and nothing else: text stored before control
/// characters were refused at input would otherwise make the feed invalid,
/// and every notice in it with it.
pub(super) fn xml_safe(text: &str) -> String {
    text.chars()
        .filter(|c| {
            matches!(c, '\t' | '\n' | '\r')
                || !(c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        })
        .collect()
}

impl PublicNotice {
    /// The notice with every text field cleaned by `xml_safe`.
    pub(super) fn xml_safe(self) -> Self {
        Self {
            title: xml_safe(&self.title),
            district_name: xml_safe(&self.district_name),
            what_happened: xml_safe(&self.what_happened),
            data_classes: self.data_classes.iter().map(|c| xml_safe(c)).collect(),
            what_we_are_doing: xml_safe(&self.what_we_are_doing),
            what_families_can_do: xml_safe(&self.what_families_can_do),
            contact: xml_safe(&self.contact),
            ..self
        }
    }
}
