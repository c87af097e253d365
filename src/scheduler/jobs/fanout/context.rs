//! What a family notice says, before it is addressed to a guardian: the
//! template context every message of one incident shares, and the parts that
//! differ by the guardian's language.
//!
//! `by_language` holds, per language, what leaked in that language's words,
//! the dates written its way, and the free text the administrator wrote in
//! it (a field left out reads English, listed in `english_fallback` so that
//! the preview can say so). The composer lays a guardian's language over the
//! shared part; English is the fallback for a language with no entry. The
//! preview renders from the same context, so what it shows is what is sent.

use crate::domain::timestamp::format_in_zone;
use crate::domain::ClockEvent;
use crate::email::dates::long_date;
use crate::email::templates::primary_language;
use crate::rules::element_words::FALLBACK_LANGUAGE;
use crate::settings::Settings;
use crate::store::{IncidentRecord, NoticeRecord, NoticeWording};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};

/// The shared context, with `by_language` for the composer.
pub fn notice_context(
    settings: &Settings,
    incident: &IncidentRecord,
    notice: &NoticeRecord,
) -> Value {
    let zone = settings.timezone;
    let day_of = |event: &str| {
        incident
            .events
            .iter()
            .find(|e| e.kind.as_str() == event)
            .map(|e| e.at.with_timezone(&zone).date_naive())
    };
    let discovered = day_of(ClockEvent::DISCOVERED);
    let contractor = incident
        .contractor
        .as_deref()
        .map(str::trim)
        .filter(|name| !name.is_empty());
    // The district learned of a vendor's breach when the vendor told it;
    // of its own breach, when it discovered it (said once, not twice).
    let learned = contractor.and(day_of(ClockEvent::BOARD_NOTIFIED));
    let taxonomy = &settings.engine.taxonomy;
    let languages: BTreeSet<String> = taxonomy
        .languages()
        .into_iter()
        .chain(notice.languages.keys().cloned())
        .chain(std::iter::once(FALLBACK_LANGUAGE.to_owned()))
        .collect();
    let by_language: Map<String, Value> = languages
        .into_iter()
        .map(|language| {
            let wording = notice.languages.get(&language);
            let mut part = wording_in(notice, wording);
            part.insert(
                "data_classes".into(),
                json!(taxonomy.in_words(&incident.classification, &language)),
            );
            part.insert(
                "discovered_on".into(),
                json!(discovered.map(|day| long_date(day, &language))),
            );
            part.insert(
                "learned_on".into(),
                json!(learned.map(|day| long_date(day, &language))),
            );
            (language, Value::Object(part))
        })
        .collect();
    let english = by_language
        .get(FALLBACK_LANGUAGE)
        .cloned()
        .unwrap_or_default();
    let mut context = json!({
        "district": settings.district_name,
        "incident_id": incident.id,
        "contractor": contractor,
        // Who discovered the breach: the vendor, named, or the district.
        "discoverer": contractor.unwrap_or(&settings.district_name),
        "notice_url": super::super::publish::page_url(settings, incident.id),
        "approved_at": notice.approved_at.map(|at| format_in_zone(at, zone)),
        "by_language": by_language,
    });
    // English at the top level too: a district's own template for a
    // language without an entry still reads every field.
    if let (Some(context), Value::Object(english)) = (context.as_object_mut(), english) {
        for (key, value) in english {
            context.entry(key).or_insert(value);
        }
    }
    context
}

/// The four free-text fields in a language, English where it wrote none.
fn wording_in(notice: &NoticeRecord, wording: Option<&NoticeWording>) -> Map<String, Value> {
    let mut part = Map::new();
    let mut fallback = Vec::new();
    for (field, english, own) in [
        (
            "what_happened",
            &notice.what_happened,
            wording.and_then(|w| w.what_happened.as_ref()),
        ),
        (
            "what_we_are_doing",
            &notice.what_we_are_doing,
            wording.and_then(|w| w.what_we_are_doing.as_ref()),
        ),
        (
            "what_families_can_do",
            &notice.what_families_can_do,
            wording.and_then(|w| w.what_families_can_do.as_ref()),
        ),
        (
            "contact",
            &notice.contact,
            wording.and_then(|w| w.contact.as_ref()),
        ),
    ] {
        let text = match own {
            Some(own) => own.clone(),
            None => {
                fallback.push(field);
                english.clone()
            }
        };
        part.insert(field.into(), json!(text));
    }
    part.insert("english_fallback".into(), json!(fallback));
    part
}

/// The notice context made ready for one message after another: the shared
/// part and each language's part as template values, built once per
/// incident, laid together per guardian. The fan-out, the preview and the
/// paper letters all address their guardians through it.
pub struct PerGuardian {
    shared: minijinja::Value,
    by_language: HashMap<String, minijinja::Value>,
}

impl PerGuardian {
    pub fn new(context: &Value) -> Self {
        let by_language = context["by_language"]
            .as_object()
            .map(|parts| {
                parts
                    .iter()
                    .map(|(language, part)| {
                        (language.clone(), minijinja::Value::from_serialize(part))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            shared: minijinja::Value::from_serialize(context),
            by_language,
        }
    }

    /// The language a guardian's message is written in: the primary subtag
    /// of `tag` where the notice has a part for it, English otherwise.
    pub fn language(&self, tag: Option<&str>) -> String {
        tag.and_then(primary_language)
            .filter(|language| self.by_language.contains_key(language))
            .unwrap_or_else(|| FALLBACK_LANGUAGE.to_owned())
    }

    /// One guardian's context: their language's part over the shared one.
    pub fn for_guardian(
        &self,
        tag: Option<&str>,
        guardian: &str,
        children: &[&str],
    ) -> minijinja::Value {
        let in_language = self
            .by_language
            .get(&self.language(tag))
            .cloned()
            .unwrap_or_default();
        minijinja::context! {
            guardian => guardian,
            children => children,
            // The last map that has a key gives its value.
            ..minijinja::value::merge_maps([self.shared.clone(), in_language])
        }
    }
}
