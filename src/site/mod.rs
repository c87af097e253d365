//! Website notices: the board's public notice of a breach, posted as static
//! files (one page per notice, an index and an Atom feed) that any web server,
//! or the daemon itself at `/notices/`, can serve.
//!
//! A [`PublicNotice`] has no field that could carry a student's or guardian's
//! personal data, so nothing built from it can leak any: keeping the type
//! narrow is the guarantee, not a scrub of the output. The [`Publisher`] trait
//! separates "what is published" from "where", so that a WordPress REST or
//! webhook publisher can sit beside [`DirectoryPublisher`].
//!
//! Every publication rewrites the index and the feed from the full list of
//! notices rather than patching them, so a lost or half-applied earlier run
//! cannot leave them inconsistent; each file is replaced atomically so a
//! reader never sees a torn page.

mod agreements;
mod contracts;
mod documents;
mod feed;
mod files;

pub use agreements::{PublicAgreement, AGREEMENTS_DIR};
pub use contracts::{contract_url, PublicContract, CONTRACTS_DIR};
pub use documents::{document_extension, PublicDocument, DOCUMENTS_DIR};
pub use files::{content_type_of, sha256_hex, SiteFile, MAX_FILE_BYTES};
use files::{create_public_dir, sync_dir, write_atomically};

use crate::rules::element_words::ClassInWords;
use std::path::{Path, PathBuf};

use atom_syndication::{Entry, FixedDateTime, Text};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Tz;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;
use uuid::Uuid;

/// The page's title until an administrator sets one: it names the vendor
/// (or the district, for a breach of its own systems), never the incident's
/// internal title.
pub fn default_public_title(contractor: Option<&str>, district_name: &str) -> String {
    match contractor.map(str::trim) {
        Some(vendor) if !vendor.is_empty() => {
            format!("Notice of a data security incident involving {vendor}")
        }
        _ => format!("Notice of a data security incident at {district_name}"),
    }
}

/// What leaked, one line per class, as the page lists it: "Student
/// information (not directory information): grades, date of birth".
pub fn data_class_lines(classes: &[ClassInWords]) -> Vec<String> {
    classes
        .iter()
        .map(|class| {
            let mut chars = class.description.chars();
            let mut line: String = chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
            if !class.elements.is_empty() {
                line.push_str(": ");
                line.push_str(&class.elements.join(", "));
            }
            line
        })
        .collect()
}

/// The notice as the public sees it. By construction it holds no student's or
/// guardian's personal data: free text written for the public, a count of
/// students, and the district's own contact.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PublicNotice {
    /// The incident's id; an updated notice keeps it, and so keeps its page
    /// and its feed entry.
    pub id: Uuid,
    /// The page's file name stem; see [`PublicNotice::slug_for`].
    pub slug: String,
    pub title: String,
    pub district_name: String,
    /// Plain text; paragraphs are separated by blank lines.
    pub what_happened: String,
    /// A date in the district's zone.
    pub discovered_on: NaiveDate,
    /// Human descriptions, e.g. "student information (not directory information)".
    pub data_classes: Vec<String>,
    /// Plain text; paragraphs are separated by blank lines.
    pub what_we_are_doing: String,
    /// Plain text; paragraphs are separated by blank lines.
    pub what_families_can_do: String,
    /// The privacy team's public contact, e.g. "Data Privacy Team <dataprivacy@example.org>".
    pub contact: String,
    pub affected_students: Option<u64>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PublicNotice {
    /// The slug for a notice: derived from its id only, so a title can never
    /// steer a file name and an updated notice keeps its address.
    pub fn slug_for(id: Uuid) -> String {
        format!("notice-{id}")
    }
}

/// The public address of the notice page whose slug is `slug`, under the
/// site's `base_url` (with or without a trailing slash).
pub fn page_url(base_url: &str, slug: &str) -> String {
    format!("{}/{slug}.html", base_url.trim_end_matches('/'))
}

/// Where a notice ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    /// The public URL of the notice's page.
    pub url: String,
    /// Every file written, the notice's page first.
    pub files: Vec<PathBuf>,
    /// The same files as rendered, the notice's page first, for the
    /// database copy every instance serves (`store::SiteFileRecord`).
    pub rendered: Vec<SiteFile>,
}

/// What went wrong. Messages name templates, paths and notice ids; a notice
/// holds no personal data, so neither can these.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("notice {id} cannot be published: {reason}")]
    InvalidNotice { id: Uuid, reason: &'static str },
    #[error("website template {name}: {source}")]
    Template {
        name: String,
        source: minijinja::Error,
    },
    #[error("website file {name} is {bytes} bytes, over the limit of {limit}")]
    TooLarge {
        name: String,
        bytes: usize,
        limit: usize,
    },
    #[error("the Atom feed is not UTF-8")]
    FeedEncoding,
    #[error("writing the Atom feed: {0}")]
    Feed(#[from] atom_syndication::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the publishing task did not finish: {0}")]
    Task(#[from] tokio::task::JoinError),
}

#[async_trait::async_trait]
pub trait Publisher: Send + Sync {
    /// Publishes `notice` (new or updated). `all` is every published notice,
    /// newest first, so that listings can be rebuilt whole; it should include
    /// `notice`, and where it holds an older version, `notice` wins.
    async fn publish(
        &self,
        notice: &PublicNotice,
        all: &[PublicNotice],
    ) -> Result<Publication, PublishError>;

    /// Where the page of the notice with `slug` is (or will be) seen.
    fn page_url(&self, slug: &str) -> String;
}

/// Writes the notices site into a directory: `{slug}.html` per notice,
/// `index.html` and `feed.atom`.
#[derive(Debug, Clone)]
pub struct DirectoryPublisher {
    /// Created when missing.
    pub dir: PathBuf,
    /// The public URL at which `dir` is served, without a trailing slash.
    pub base_url: String,
    /// The district's zone: every date shown is in it.
    pub zone: Tz,
    /// A folder of district overrides: a file here named like one of the
    /// shipped templates (`layout.html`, `notice.html`, `index.html`,
    /// `style.css`) replaces it. Read at each publication, so an edit needs
    /// no restart.
    pub templates: Option<PathBuf>,
}

impl DirectoryPublisher {
    /// The HTML page of one notice, as it would be published; for previews
    /// before approval. Blocking: it may read district templates from disk.
    pub fn render_page(&self, notice: &PublicNotice) -> Result<String, PublishError> {
        let env = environment(self.templates.clone());
        render(&env, "notice.html", &self.page_context(notice))
    }

    fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }

    fn page_context(&self, notice: &PublicNotice) -> PageContext {
        PageContext {
            lang: LANG,
            district_name: notice.district_name.clone(),
            base_url: self.base().to_owned(),
            notice: NoticeView {
                title: notice.title.clone(),
                url: page_url(self.base(), &notice.slug),
                what_happened: paragraphs(&notice.what_happened),
                discovered_on: DateView {
                    iso: notice.discovered_on.format("%Y-%m-%d").to_string(),
                    text: notice.discovered_on.format(DATE_FORMAT).to_string(),
                },
                data_classes: notice.data_classes.clone(),
                what_we_are_doing: paragraphs(&notice.what_we_are_doing),
                what_families_can_do: paragraphs(&notice.what_families_can_do),
                contact: notice.contact.clone(),
                affected_students: notice.affected_students.map(group_thousands),
                published: self.instant(notice.published_at),
                updated: self.instant(notice.updated_at),
                was_updated: notice.updated_at > notice.published_at,
            },
        }
    }

    fn index_context(&self, notice: &PublicNotice, all: &[PublicNotice]) -> IndexContext {
        IndexContext {
            lang: LANG,
            district_name: notice.district_name.clone(),
            base_url: self.base().to_owned(),
            notices: all
                .iter()
                .map(|n| IndexItem {
                    title: n.title.clone(),
                    href: format!("{}.html", n.slug),
                    published: self.instant(n.published_at),
                    updated: self.instant(n.updated_at),
                    was_updated: n.updated_at > n.published_at,
                })
                .collect(),
        }
    }

    fn instant(&self, at: DateTime<Utc>) -> DateView {
        let local = at.with_timezone(&self.zone);
        DateView {
            iso: local.to_rfc3339_opts(SecondsFormat::Secs, false),
            text: local.format(DATETIME_FORMAT).to_string(),
        }
    }

    fn feed_time(&self, at: DateTime<Utc>) -> FixedDateTime {
        at.with_timezone(&self.zone).fixed_offset()
    }

    fn render_feed(
        &self,
        notice: &PublicNotice,
        all: &[PublicNotice],
    ) -> Result<Vec<u8>, PublishError> {
        let base = self.base();
        let district = &notice.district_name;
        let entries: Vec<Entry> = all
            .iter()
            .map(|n| {
                let link = feed::page_link(format!("{base}/{}.html", n.slug));
                let mut entry = Entry::default();
                entry.set_id(entry_id(n.id));
                entry.set_title(Text::plain(n.title.clone()));
                entry.set_updated(self.feed_time(n.updated_at));
                entry.set_published(Some(self.feed_time(n.published_at)));
                entry.set_links(vec![link]);
                entry.set_authors(vec![feed::author(&n.district_name)]);
                entry.set_summary(Some(Text::plain(
                    paragraphs(&n.what_happened)
                        .into_iter()
                        .next()
                        .unwrap_or_else(|| n.title.clone()),
                )));
                entry
            })
            .collect();
        let updated = all
            .iter()
            .map(|n| n.updated_at)
            .max()
            .unwrap_or(notice.updated_at);
        self.section_feed(
            base,
            format!("{district}: data security notices"),
            district,
            updated,
            entries,
        )
    }

    /// Renders everything first, so that a template error writes nothing, then
    /// replaces the files: the page before the listings that link to it.
    fn publish_blocking(
        &self,
        notice: &PublicNotice,
        all: &[PublicNotice],
    ) -> Result<Publication, PublishError> {
        let env = environment(self.templates.clone());
        let page = render(&env, "notice.html", &self.page_context(notice))?;
        let index = render(&env, "index.html", &self.index_context(notice, all))?;
        let feed = String::from_utf8(self.render_feed(notice, all)?)
            .map_err(|_| PublishError::FeedEncoding)?;
        let rendered = [
            (format!("{}.html", notice.slug), page),
            ("feed.atom".to_owned(), feed),
            ("index.html".to_owned(), index),
        ]
        .into_iter()
        .map(|(name, body)| {
            if body.len() > MAX_FILE_BYTES {
                return Err(PublishError::TooLarge {
                    name,
                    bytes: body.len(),
                    limit: MAX_FILE_BYTES,
                });
            }
            Ok(SiteFile {
                content_type: content_type_of(&name),
                name,
                body,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;

        create_public_dir(&self.dir)?;
        let files = rendered
            .iter()
            .map(|file| write_atomically(&self.dir, &file.name, file.body.as_bytes()))
            .collect::<Result<Vec<_>, _>>()?;
        sync_dir(&self.dir)?;
        Ok(Publication {
            url: page_url(self.base(), &notice.slug),
            files,
            rendered,
        })
    }
}

#[async_trait::async_trait]
impl Publisher for DirectoryPublisher {
    async fn publish(
        &self,
        notice: &PublicNotice,
        all: &[PublicNotice],
    ) -> Result<Publication, PublishError> {
        let all = merged(notice, all)?;
        let this = self.clone();
        let notice = notice.clone();
        let count = all.len();
        let publication =
            tokio::task::spawn_blocking(move || this.publish_blocking(&notice, &all)).await??;
        tracing::info!(
            notices = count,
            files = publication.files.len(),
            "website notices written"
        );
        Ok(publication)
    }

    fn page_url(&self, slug: &str) -> String {
        page_url(&self.base_url, slug)
    }
}

const LANG: &str = "en";
const DATE_FORMAT: &str = "%B %-d, %Y";
const DATETIME_FORMAT: &str = "%B %-d, %Y, %-I:%M %p %Z";

/// The shipped templates, compiled into the binary so a fresh install needs
/// no template files at all.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "layout.html",
        include_str!("../../config/templates/site/layout.html"),
    ),
    (
        "notice.html",
        include_str!("../../config/templates/site/notice.html"),
    ),
    (
        "index.html",
        include_str!("../../config/templates/site/index.html"),
    ),
    (
        "style.css",
        include_str!("../../config/templates/site/style.css"),
    ),
    (
        "agreements.html",
        include_str!("../../config/templates/site/agreements.html"),
    ),
    (
        "contract.html",
        include_str!("../../config/templates/site/contract.html"),
    ),
    (
        "contracts.html",
        include_str!("../../config/templates/site/contracts.html"),
    ),
];

fn entry_id(id: Uuid) -> String {
    format!("urn:uuid:{id}")
}

/// The list to publish: `all` with `notice` in place of any older version of
/// it, newest first by first publication (an update does not move a notice
/// up the list). Refuses what would make two notices share a file.
fn merged(notice: &PublicNotice, all: &[PublicNotice]) -> Result<Vec<PublicNotice>, PublishError> {
    let mut list: Vec<PublicNotice> = all
        .iter()
        .filter(|n| n.id != notice.id)
        .cloned()
        .map(PublicNotice::xml_safe)
        .collect();
    list.push(notice.clone().xml_safe());
    list.sort_by_key(|n| std::cmp::Reverse(n.published_at));
    for (i, n) in list.iter().enumerate() {
        if !is_safe_slug(&n.slug) {
            return Err(PublishError::InvalidNotice {
                id: n.id,
                reason: "its slug must be lowercase letters, digits and hyphens, and not \"index\"",
            });
        }
        if list[..i].iter().any(|m| m.id == n.id) {
            return Err(PublishError::InvalidNotice {
                id: n.id,
                reason: "it appears twice in the list of published notices",
            });
        }
        if list[..i].iter().any(|m| m.slug == n.slug) {
            return Err(PublishError::InvalidNotice {
                id: n.id,
                reason: "another notice has the same slug",
            });
        }
    }
    Ok(list)
}

fn is_safe_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 100
        && slug != "index"
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn environment(overrides: Option<PathBuf>) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    // A misspelt variable in a district's template should fail the
    // publication, not post a notice with a hole in it.
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    // HTML-escape everything but stylesheets (including any partial a district
    // adds under another extension): escaping too much is the safe mistake.
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".css") {
            AutoEscape::None
        } else {
            AutoEscape::Html
        }
    });
    env.set_loader(move |name| load_template(overrides.as_deref(), name));
    env
}

fn load_template(overrides: Option<&Path>, name: &str) -> Result<Option<String>, minijinja::Error> {
    // Only plain file names: an `include` in a district template must not
    // reach outside its folder.
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && Path::new(name).file_name() == Some(name.as_ref());
    if let (Some(dir), true) = (overrides, plain) {
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(source) => return Ok(Some(source)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("cannot read {}", path.display()),
                )
                .with_source(e))
            }
        }
    }
    Ok(EMBEDDED
        .iter()
        .find(|(embedded, _)| *embedded == name)
        .map(|(_, source)| (*source).to_owned()))
}

fn render<S: Serialize>(
    env: &Environment<'_>,
    name: &str,
    ctx: &S,
) -> Result<String, PublishError> {
    let error = |source| PublishError::Template {
        name: name.to_owned(),
        source,
    };
    let mut out = env
        .get_template(name)
        .map_err(error)?
        .render(ctx)
        .map_err(error)?;
    out.push('\n');
    Ok(out)
}

/// Splits plain text on blank lines; lines within a paragraph are kept.
fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            if !current.is_empty() {
                out.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    out
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

// ---- what the templates see ------------------------------------------------

#[derive(Serialize)]
struct PageContext {
    lang: &'static str,
    district_name: String,
    base_url: String,
    notice: NoticeView,
}

#[derive(Serialize)]
struct NoticeView {
    title: String,
    url: String,
    what_happened: Vec<String>,
    discovered_on: DateView,
    data_classes: Vec<String>,
    what_we_are_doing: Vec<String>,
    what_families_can_do: Vec<String>,
    contact: String,
    affected_students: Option<String>,
    published: DateView,
    updated: DateView,
    was_updated: bool,
}

#[derive(Serialize)]
struct IndexContext {
    lang: &'static str,
    district_name: String,
    base_url: String,
    notices: Vec<IndexItem>,
}

#[derive(Serialize)]
struct IndexItem {
    title: String,
    href: String,
    published: DateView,
    updated: DateView,
    was_updated: bool,
}

/// A date or instant for a `<time>` element: machine-readable and as shown.
#[derive(Serialize)]
struct DateView {
    iso: String,
    text: String,
}

#[cfg(test)]
mod tests;
mod xml;
