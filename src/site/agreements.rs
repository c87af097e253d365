//! The public list of the district's agreements (`/notices/agreements/`,
//! with its Atom feed): every vendor with a signed agreement in force, as
//! Natick's policy publishes its executed data privacy agreements.
//!
//! [`PublicAgreement`] has no field for a vendor's contacts (who may be
//! people) or anything else personal: what the page can show is what the
//! type holds.

use super::documents::{publish_documents, PublicDocument};
use super::feed::{author, page_link};
use super::{
    create_public_dir, render, sync_dir, write_atomically, DateView, DirectoryPublisher,
    PublishError,
};
use atom_syndication::{Entry, Text};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::path::PathBuf;
use uuid::Uuid;

/// The folder under the site's directory.
pub const AGREEMENTS_DIR: &str = "agreements";
/// One agreement as the public sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicAgreement {
    /// The vendor's id: the feed entry's stable id, never shown.
    pub id: Uuid,
    pub vendor: String,
    pub services: Option<String>,
    /// The agreement's kind in words ("Data privacy agreement").
    pub kind: String,
    pub signed_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    /// When the registration last changed (the feed entry's time).
    pub updated_at: DateTime<Utc>,
    /// The signed agreement, where the district marked it publishable
    /// (`documents/`).
    pub document: Option<PublicDocument>,
}

#[derive(Serialize)]
struct Context<'a> {
    lang: &'a str,
    district_name: &'a str,
    agreements: Vec<Item>,
}

#[derive(Serialize)]
struct Item {
    vendor: String,
    services: Option<String>,
    kind: String,
    signed: DateView,
    expires: Option<DateView>,
    /// The file's name under `documents/`, beside the list.
    document_file: Option<String>,
    document_sha256: Option<String>,
}

fn date(day: NaiveDate) -> DateView {
    DateView {
        iso: day.format("%Y-%m-%d").to_string(),
        text: day.format(super::DATE_FORMAT).to_string(),
    }
}

impl DirectoryPublisher {
    /// Rewrites `agreements/index.html` and `agreements/feed.atom` from the
    /// full list (rendered first, so a template error writes nothing).
    /// Blocking: it writes files.
    pub fn publish_agreements(
        &self,
        district_name: &str,
        agreements: &[PublicAgreement],
    ) -> Result<Vec<PathBuf>, PublishError> {
        let env = super::environment(self.templates.clone());
        let page = render(
            &env,
            "agreements.html",
            &Context {
                lang: super::LANG,
                district_name,
                agreements: agreements
                    .iter()
                    .map(|a| Item {
                        vendor: a.vendor.clone(),
                        services: a.services.clone(),
                        kind: a.kind.clone(),
                        signed: date(a.signed_on),
                        expires: a.expires_on.map(date),
                        document_file: a.document.as_ref().map(|d| d.file_name(a.id)),
                        document_sha256: a.document.as_ref().map(|d| d.sha256.clone()),
                    })
                    .collect(),
            },
        )?;
        let feed = self.agreements_feed(district_name, agreements)?;
        let dir = self.dir.join(AGREEMENTS_DIR);
        create_public_dir(&self.dir)?;
        create_public_dir(&dir)?;
        // Every agreement's document is here: any other file is stale.
        let documents: Vec<_> = agreements
            .iter()
            .filter_map(|a| Some((a.id, a.document.as_ref()?)))
            .collect();
        let mut files = publish_documents(&dir, &documents, |_| true)?;
        // The documents before the list that links them.
        files.push(write_atomically(&dir, "feed.atom", &feed)?);
        files.push(write_atomically(&dir, "index.html", page.as_bytes())?);
        sync_dir(&dir)?;
        Ok(files)
    }

    fn agreements_feed(
        &self,
        district_name: &str,
        agreements: &[PublicAgreement],
    ) -> Result<Vec<u8>, PublishError> {
        let base = format!("{}/{AGREEMENTS_DIR}", self.base());
        let entries: Vec<Entry> = agreements
            .iter()
            .map(|a| {
                let mut entry = Entry::default();
                entry.set_id(format!("urn:uuid:{}", a.id));
                entry.set_title(Text::plain(format!("{}: {}", a.vendor, a.kind)));
                entry.set_updated(self.feed_time(a.updated_at));
                entry.set_links(vec![page_link(format!("{base}/index.html"))]);
                entry.set_authors(vec![author(district_name)]);
                let expires = a
                    .expires_on
                    .map(|day| format!(", expires {}", day.format(super::DATE_FORMAT)))
                    .unwrap_or_default();
                entry.set_summary(Some(Text::plain(format!(
                    "Signed {}{expires}.",
                    a.signed_on.format(super::DATE_FORMAT)
                ))));
                entry
            })
            .collect();
        let updated = agreements
            .iter()
            .map(|a| a.updated_at)
            .max()
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        self.section_feed(
            &base,
            format!("{district_name}: agreements with vendors"),
            district_name,
            updated,
            entries,
        )
    }
}
