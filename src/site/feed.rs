//! The shell of every Atom feed the site publishes (the notices, the list of
//! agreements, the contract notices): the same links, author and language,
//! so that a reader treats the sections alike.

use super::{DirectoryPublisher, PublishError, LANG};
use atom_syndication::{Entry, Feed, Link, Person, Text};
use chrono::{DateTime, Utc};

/// A link to a page of the site, as an entry's or the feed's `alternate`.
pub(super) fn page_link(href: String) -> Link {
    let mut link = Link::default();
    link.set_href(href);
    link.set_rel("alternate");
    link.set_mime_type(Some("text/html".to_owned()));
    link
}

/// The district, as the author of a feed and of its entries.
pub(super) fn author(name: &str) -> Person {
    let mut person = Person::default();
    person.set_name(name);
    person
}

impl DirectoryPublisher {
    /// The feed of the section at `base` (its `feed.atom` beside its
    /// `index.html`), updated when its newest entry was.
    pub(super) fn section_feed(
        &self,
        base: &str,
        title: String,
        district: &str,
        updated: DateTime<Utc>,
        entries: Vec<Entry>,
    ) -> Result<Vec<u8>, PublishError> {
        let mut self_link = Link::default();
        self_link.set_href(format!("{base}/feed.atom"));
        self_link.set_rel("self");
        self_link.set_mime_type(Some("application/atom+xml".to_owned()));
        let mut feed = Feed::default();
        // The feed's own URL: stable for as long as the site stays where it
        // is, which is what a subscriber's reader keys on anyway.
        feed.set_id(format!("{base}/feed.atom"));
        feed.set_title(Text::plain(title));
        feed.set_updated(self.feed_time(updated));
        feed.set_links(vec![self_link, page_link(format!("{base}/index.html"))]);
        feed.set_authors(vec![author(district)]);
        feed.set_lang(Some(LANG.to_owned()));
        feed.set_entries(entries);
        Ok(feed.write_to(Vec::new())?)
    }
}
