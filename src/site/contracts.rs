//! The contracts section of the public website (`/notices/contracts/`): a
//! page per contract the board executed with a contractor (the date it was
//! executed, a brief description and its purpose, what student data may be
//! collected), an index and an Atom feed, as Conn. Gen. Stat. § 10-234bb
//! has the board post notice of each new contract.
//!
//! [`PublicContract`] holds the contract's public facts and the company's
//! name only: nothing a vendor's contacts or a student could be named in.

use super::documents::{publish_documents, PublicDocument};
use super::feed::{author, page_link};
use super::{
    create_public_dir, render, sync_dir, write_atomically, DateView, DirectoryPublisher,
    PublishError,
};
use atom_syndication::{Entry, Text};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use uuid::Uuid;

/// The folder under the site's directory.
pub const CONTRACTS_DIR: &str = "contracts";

/// One contract's notice as the public sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicContract {
    /// The contract's id: its page's name and its feed entry's id.
    pub id: Uuid,
    pub title: String,
    /// The contractor, a company.
    pub vendor: String,
    /// Plain text; paragraphs are separated by blank lines.
    pub purpose: String,
    pub executed_on: NaiveDate,
    /// What may be collected, one line per class in words.
    pub data_lines: Vec<String>,
    pub published_at: DateTime<Utc>,
    /// The signed contract, where the district marked it publishable:
    /// copied to `documents/` and linked from the contract's own page.
    #[serde(skip)]
    pub document: Option<PublicDocument>,
}

impl PublicContract {
    /// The page's file name stem: from the id only, so no title steers a
    /// file name.
    pub fn slug_for(id: Uuid) -> String {
        format!("contract-{id}")
    }
}

/// The public address of a contract's notice page.
pub fn contract_url(base_url: &str, id: Uuid) -> String {
    format!(
        "{}/{CONTRACTS_DIR}/{}.html",
        base_url.trim_end_matches('/'),
        PublicContract::slug_for(id)
    )
}

#[derive(Serialize)]
struct PageContext<'a> {
    lang: &'a str,
    district_name: &'a str,
    contract: Item,
}

#[derive(Serialize)]
struct IndexContext<'a> {
    lang: &'a str,
    district_name: &'a str,
    contracts: Vec<Item>,
}

#[derive(Serialize)]
struct Item {
    title: String,
    vendor: String,
    href: String,
    purpose: Vec<String>,
    executed: DateView,
    data_lines: Vec<String>,
    /// The document's file name under `documents/`, and its SHA-256.
    document_file: Option<String>,
    document_sha256: Option<String>,
}

fn item(contract: &PublicContract) -> Item {
    Item {
        title: contract.title.clone(),
        vendor: contract.vendor.clone(),
        href: format!("{}.html", PublicContract::slug_for(contract.id)),
        purpose: super::paragraphs(&contract.purpose),
        executed: DateView {
            iso: contract.executed_on.format("%Y-%m-%d").to_string(),
            text: contract.executed_on.format(super::DATE_FORMAT).to_string(),
        },
        data_lines: contract.data_lines.clone(),
        document_file: contract.document.as_ref().map(|d| d.file_name(contract.id)),
        document_sha256: contract.document.as_ref().map(|d| d.sha256.clone()),
    }
}

impl DirectoryPublisher {
    /// Writes `contract`'s page, then rewrites the section's index and feed
    /// from `all` (every published contract, `contract` among them or not:
    /// it replaces any older copy). Rendered first, so a template error
    /// writes nothing. Blocking: it writes files. Answers the page's URL.
    pub fn publish_contract(
        &self,
        district_name: &str,
        contract: &PublicContract,
        all: &[PublicContract],
    ) -> Result<(String, Vec<PathBuf>), PublishError> {
        let mut list: Vec<PublicContract> = all
            .iter()
            .filter(|c| c.id != contract.id)
            .cloned()
            .collect();
        list.push(contract.clone());
        list.sort_by_key(|c| std::cmp::Reverse((c.executed_on, c.published_at)));
        let env = super::environment(self.templates.clone());
        let page = render(
            &env,
            "contract.html",
            &PageContext {
                lang: super::LANG,
                district_name,
                contract: item(contract),
            },
        )?;
        let index = render(
            &env,
            "contracts.html",
            &IndexContext {
                lang: super::LANG,
                district_name,
                contracts: list.iter().map(item).collect(),
            },
        )?;
        let feed = self.contracts_feed(district_name, &list)?;
        let dir = self.dir.join(CONTRACTS_DIR);
        create_public_dir(&self.dir)?;
        create_public_dir(&dir)?;
        // The document before the page that links it; this contract's
        // earlier or unpublishable one goes.
        let documents: Vec<_> = contract.document.iter().map(|d| (contract.id, d)).collect();
        let mine = format!("{}-", contract.id);
        let mut files = publish_documents(&dir, &documents, |name| name.starts_with(&mine))?;
        let slug = PublicContract::slug_for(contract.id);
        files.extend([
            write_atomically(&dir, &format!("{slug}.html"), page.as_bytes())?,
            write_atomically(&dir, "feed.atom", &feed)?,
            write_atomically(&dir, "index.html", index.as_bytes())?,
        ]);
        sync_dir(&dir)?;
        Ok((contract_url(&self.base_url, contract.id), files))
    }

    fn contracts_feed(
        &self,
        district_name: &str,
        contracts: &[PublicContract],
    ) -> Result<Vec<u8>, PublishError> {
        let base = format!("{}/{CONTRACTS_DIR}", self.base());
        let entries: Vec<Entry> = contracts
            .iter()
            .map(|c| {
                let link = page_link(format!("{base}/{}.html", PublicContract::slug_for(c.id)));
                let mut entry = Entry::default();
                entry.set_id(format!("urn:uuid:{}", c.id));
                entry.set_title(Text::plain(format!("{}: {}", c.vendor, c.title)));
                entry.set_updated(self.feed_time(c.published_at));
                entry.set_published(Some(self.feed_time(c.published_at)));
                entry.set_links(vec![link]);
                entry.set_authors(vec![author(district_name)]);
                entry.set_summary(Some(Text::plain(format!(
                    "Contract executed {}.",
                    c.executed_on.format(super::DATE_FORMAT)
                ))));
                entry
            })
            .collect();
        let updated = contracts
            .iter()
            .map(|c| c.published_at)
            .max()
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        self.section_feed(
            &base,
            format!("{district_name}: contracts with access to student data"),
            district_name,
            updated,
            entries,
        )
    }
}
