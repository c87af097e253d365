//! Website publishing against real files: what lands in the directory, that
//! the feed is Atom a reader can parse, that updates keep their identity, and
//! that district templates and HTML escaping behave.

use std::fs;
use std::io::BufReader;
use std::path::Path;

use atom_syndication::Feed;
use breachd::site::{DirectoryPublisher, PublicNotice, PublishError, Publisher};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

const DISTRICT: &str = "Riverside Unified School District";

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("a valid instant")
}

fn notice(title: &str, published_at: DateTime<Utc>) -> PublicNotice {
    let id = Uuid::new_v4();
    PublicNotice {
        id,
        slug: PublicNotice::slug_for(id),
        title: title.to_owned(),
        district_name: DISTRICT.to_owned(),
        what_happened: "A vendor that hosts our student information system told us that an \
                        unauthorized party accessed one of its storage areas.\n\nThe vendor \
                        closed the access the same day."
            .to_owned(),
        discovered_on: NaiveDate::from_ymd_opt(2026, 4, 10).expect("a valid date"),
        data_classes: vec![
            "student information (not directory information)".to_owned(),
            "Social Security numbers".to_owned(),
        ],
        what_we_are_doing: "We are working with the vendor and law enforcement.".to_owned(),
        what_families_can_do: "Watch for unexpected messages that ask for personal details."
            .to_owned(),
        contact: "Data Privacy Team <dataprivacy@example.org>".to_owned(),
        affected_students: Some(1200),
        published_at,
        updated_at: published_at,
    }
}

fn publisher(dir: &Path) -> DirectoryPublisher {
    DirectoryPublisher {
        dir: dir.to_path_buf(),
        base_url: "https://www.example.org/notices".to_owned(),
        zone: chrono_tz::America::New_York,
        templates: None,
    }
}

fn read_feed(dir: &Path) -> Feed {
    let file = fs::File::open(dir.join("feed.atom")).expect("feed.atom exists");
    Feed::read_from(BufReader::new(file)).expect("feed.atom parses as Atom")
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("the directory exists")
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .into_string()
                .expect("a UTF-8 name")
        })
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn one_notice_writes_its_page_the_index_and_the_feed() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let dir = tmp.path().join("site"); // missing: the publisher creates it
    let n = notice(
        "Student information system incident",
        at(2026, 4, 13, 18, 30),
    );

    let publication = publisher(&dir)
        .publish(&n, std::slice::from_ref(&n))
        .await
        .expect("published");

    let page_name = format!("notice-{}.html", n.id);
    assert_eq!(
        publication.url,
        format!("https://www.example.org/notices/{page_name}")
    );
    assert_eq!(
        publication.files,
        vec![
            dir.join(&page_name),
            dir.join("feed.atom"),
            dir.join("index.html")
        ]
    );
    assert_eq!(
        names(&dir),
        vec!["feed.atom", "index.html", page_name.as_str()]
    );

    let page = read(&dir, &page_name);
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(page.contains(r#"<html lang="en">"#));
    assert!(page.contains("<h1>Student information system incident</h1>"));
    assert!(page.contains(DISTRICT));
    for class in &n.data_classes {
        assert!(page.contains(&format!("<li>{class}</li>")), "{class}");
    }
    assert!(page.contains("The vendor closed the access the same day."));
    assert!(page.contains("Number of students affected: 1,200."));
    assert!(page.contains("Data Privacy Team &lt;dataprivacy@example.org&gt;"));
    // Shown in the district's zone: 18:30 UTC is 2:30 PM in New York in April.
    assert!(
        page.contains(
            r#"<time datetime="2026-04-13T14:30:00-04:00">April 13, 2026, 2:30 PM EDT</time>"#
        ),
        "{page}"
    );
    assert!(page.contains(r#"<time datetime="2026-04-10">April 10, 2026</time>"#));
    assert!(
        !page.contains("updated <time"),
        "a new notice is not 'updated'"
    );

    let index = read(&dir, "index.html");
    assert!(index.contains(&format!(r#"<a href="{page_name}">"#)));
    assert!(index.contains(r#"<html lang="en">"#));

    let feed = read_feed(&dir);
    assert_eq!(feed.id(), "https://www.example.org/notices/feed.atom");
    assert_eq!(
        feed.title().as_str(),
        format!("{DISTRICT}: data security notices")
    );
    assert_eq!(*feed.updated(), n.updated_at);
    assert!(feed
        .links()
        .iter()
        .any(|l| l.rel() == "self" && l.href() == "https://www.example.org/notices/feed.atom"));
    assert_eq!(feed.entries().len(), 1);
    let entry = &feed.entries()[0];
    assert_eq!(entry.id(), format!("urn:uuid:{}", n.id));
    assert_eq!(entry.title().as_str(), n.title);
    assert_eq!(*entry.updated(), n.updated_at);
    assert_eq!(
        entry.published().copied(),
        Some(n.published_at.fixed_offset())
    );
    assert_eq!(entry.authors().len(), 1);
    assert_eq!(entry.authors()[0].name(), DISTRICT);
    assert!(entry
        .links()
        .iter()
        .any(|l| l.rel() == "alternate" && l.href() == publication.url));
    assert!(entry
        .summary()
        .expect("a summary")
        .as_str()
        .starts_with("A vendor that hosts"));
}

#[tokio::test]
async fn an_updated_notice_keeps_its_page_and_entry_id() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let publisher = publisher(tmp.path());
    let first = notice(
        "Student information system incident",
        at(2026, 4, 13, 18, 30),
    );
    publisher
        .publish(&first, std::slice::from_ref(&first))
        .await
        .expect("published");
    let entry_id = read_feed(tmp.path()).entries()[0].id().to_owned();

    let mut second = first.clone();
    second.title = "Student information system incident (update)".to_owned();
    second.what_we_are_doing = "The vendor has rotated every credential.".to_owned();
    second.updated_at = at(2026, 4, 15, 13, 0);
    // `all` may still hold the old version: the one being published wins.
    let publication = publisher
        .publish(&second, std::slice::from_ref(&first))
        .await
        .expect("republished");

    let page_name = format!("notice-{}.html", first.id);
    assert_eq!(publication.files[0], tmp.path().join(&page_name));
    assert_eq!(
        names(tmp.path()),
        vec!["feed.atom", "index.html", page_name.as_str()]
    );

    let page = read(tmp.path(), &page_name);
    assert!(page.contains("The vendor has rotated every credential."));
    assert!(page.contains(
        r#"updated <time datetime="2026-04-15T09:00:00-04:00">April 15, 2026, 9:00 AM EDT</time>"#
    ));

    let feed = read_feed(tmp.path());
    assert_eq!(feed.entries().len(), 1);
    let entry = &feed.entries()[0];
    assert_eq!(entry.id(), entry_id);
    assert_eq!(entry.title().as_str(), second.title);
    assert_eq!(*entry.updated(), second.updated_at);
    assert_eq!(
        entry.published().copied(),
        Some(first.published_at.fixed_offset())
    );
    assert_eq!(*feed.updated(), second.updated_at);
}

#[tokio::test]
async fn two_notices_are_listed_newest_first() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let publisher = publisher(tmp.path());
    let older = notice("Older incident", at(2026, 1, 5, 15, 0));
    publisher
        .publish(&older, std::slice::from_ref(&older))
        .await
        .expect("published");
    let newer = notice("Newer incident", at(2026, 3, 2, 15, 0));
    publisher
        .publish(&newer, &[newer.clone(), older.clone()])
        .await
        .expect("published");

    let index = read(tmp.path(), "index.html");
    let at_newer = index.find("Newer incident").expect("newer is listed");
    let at_older = index.find("Older incident").expect("older is listed");
    assert!(at_newer < at_older, "newest first:\n{index}");
    assert!(index.contains(&format!(r#"<a href="{}.html">"#, older.slug)));
    assert!(index.contains(&format!(r#"<a href="{}.html">"#, newer.slug)));

    let feed = read_feed(tmp.path());
    let ids: Vec<&str> = feed.entries().iter().map(|e| e.id()).collect();
    assert_eq!(
        ids,
        vec![
            format!("urn:uuid:{}", newer.id),
            format!("urn:uuid:{}", older.id)
        ]
    );
    assert_eq!(*feed.updated(), newer.updated_at);
    assert_eq!(
        names(tmp.path()),
        {
            let mut expected = vec![
                "feed.atom".to_owned(),
                "index.html".to_owned(),
                format!("{}.html", older.slug),
                format!("{}.html", newer.slug),
            ];
            expected.sort();
            expected
        },
        "both pages and nothing else: no temporary files left behind"
    );
}

#[tokio::test]
async fn markup_in_the_text_is_escaped() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let mut n = notice(
        "Incident <script>alert(1)</script>",
        at(2026, 4, 13, 18, 30),
    );
    n.what_happened = "Files named <b>\"x\" & 'y'</b> were copied.".to_owned();
    publisher(tmp.path())
        .publish(&n, std::slice::from_ref(&n))
        .await
        .expect("published");

    for name in [format!("{}.html", n.slug), "index.html".to_owned()] {
        let html = read(tmp.path(), &name);
        assert!(!html.contains("<script>"), "{name}:\n{html}");
        assert!(
            html.contains("Incident &lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
            "{name}:\n{html}"
        );
    }
    let page = read(tmp.path(), &format!("{}.html", n.slug));
    assert!(!page.contains("<b>"));
    assert!(
        page.contains("&lt;b&gt;&quot;x&quot; &amp; &#x27;y&#x27;&lt;&#x2f;b&gt;"),
        "{page}"
    );

    // The feed carries the title as text and a reader gets it back intact.
    assert_eq!(read_feed(tmp.path()).entries()[0].title().as_str(), n.title);
}

#[tokio::test]
async fn a_district_template_overrides_the_shipped_one() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let templates = tmp.path().join("templates");
    fs::create_dir(&templates).expect("a templates folder");
    fs::write(
        templates.join("notice.html"),
        "{% extends \"layout.html\" %}{% block main %}<h1>District notice: {{ notice.title }}</h1>\
         <p>Call {{ notice.contact }}.</p>{% endblock %}",
    )
    .expect("an override");
    let site = tmp.path().join("site");
    let publisher = DirectoryPublisher {
        templates: Some(templates),
        ..publisher(&site)
    };
    let n = notice("Incident & response", at(2026, 4, 13, 18, 30));
    publisher
        .publish(&n, std::slice::from_ref(&n))
        .await
        .expect("published");

    let page = read(&site, &format!("{}.html", n.slug));
    assert!(
        page.contains("<h1>District notice: Incident &amp; response</h1>"),
        "{page}"
    );
    assert!(page.contains("Call Data Privacy Team &lt;dataprivacy@example.org&gt;."));
    assert!(
        page.contains(r#"<html lang="en">"#),
        "the shipped layout still frames it"
    );
    assert!(!page.contains("What families can do"));
    // Files the district did not override keep the shipped version.
    assert!(read(&site, "index.html").contains("<h1>Data security notices</h1>"));
    // The preview renders the same page as the one published.
    assert_eq!(publisher.render_page(&n).expect("renders"), page);
}

#[tokio::test]
async fn a_broken_district_template_fails_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let templates = tmp.path().join("templates");
    fs::create_dir(&templates).expect("a templates folder");
    fs::write(templates.join("index.html"), "{{ notice.titel }").expect("an override");
    let site = tmp.path().join("site");
    let publisher = DirectoryPublisher {
        templates: Some(templates),
        ..publisher(&site)
    };
    let n = notice("Incident", at(2026, 4, 13, 18, 30));
    let err = publisher
        .publish(&n, std::slice::from_ref(&n))
        .await
        .expect_err("a syntax error");
    assert!(
        matches!(&err, PublishError::Template { name, .. } if name == "index.html"),
        "{err}"
    );
    assert!(!site.exists(), "nothing is written when rendering fails");
}

#[tokio::test]
async fn a_slug_that_is_not_derived_from_the_id_is_refused() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    for slug in ["../escape", "index", "Notice Title", ""] {
        let mut n = notice("Incident", at(2026, 4, 13, 18, 30));
        n.slug = slug.to_owned();
        let err = publisher(tmp.path())
            .publish(&n, std::slice::from_ref(&n))
            .await
            .expect_err("an unsafe slug");
        assert!(
            matches!(err, PublishError::InvalidNotice { id, .. } if id == n.id),
            "{slug:?}: {err}"
        );
    }
    assert!(names(tmp.path()).is_empty());
}

#[cfg(unix)]
#[tokio::test]
async fn published_files_are_readable_by_the_web_server() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let n = notice("Incident", at(2026, 4, 13, 18, 30));
    let publication = publisher(tmp.path())
        .publish(&n, std::slice::from_ref(&n))
        .await
        .expect("published");
    for file in publication.files {
        let mode = fs::metadata(&file).expect("written").permissions().mode();
        assert_eq!(mode & 0o044, 0o044, "{}: {mode:o}", file.display());
    }
}

#[test]
fn a_public_notice_has_only_public_fields() {
    // A new field would be a new way for personal data to reach the website:
    // adding one should be a decision, made here as well.
    let n = notice("Incident", at(2026, 4, 13, 18, 30));
    let value = serde_json::to_value(&n).expect("serializes");
    let mut fields: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        vec![
            "affected_students",
            "contact",
            "data_classes",
            "discovered_on",
            "district_name",
            "id",
            "published_at",
            "slug",
            "title",
            "updated_at",
            "what_families_can_do",
            "what_happened",
            "what_we_are_doing",
        ]
    );
}

/// A web server running as another user must read the site: the files are
/// 0644 and the folders 0755 under the systemd unit's own `UMask` (0077,
/// which would otherwise leave them 0600 and 0700), and what is written is
/// what the database copy holds.
#[cfg(unix)]
#[tokio::test]
async fn published_files_are_readable_by_another_user_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let dir = tmp.path().join("site");
    let n = notice("Readable", at(2026, 4, 13, 18, 30));
    let unit = fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/systemd/breachd.service"
    ))
    .expect("the systemd unit ships");
    let umask = unit
        .lines()
        .find_map(|line| line.strip_prefix("UMask="))
        .map(|mask| u32::from_str_radix(mask.trim(), 8).expect("the unit's UMask is octal"))
        .expect("the unit sets a UMask");
    assert_ne!(
        umask & 0o044,
        0,
        "the test is meaningful only under a strict umask"
    );
    // SAFETY: umask only swaps the process's file-creation mask; the other
    // tests of this binary set their files' modes or only read them back.
    let previous = unsafe { libc::umask(umask as libc::mode_t) };
    let published = publisher(&dir).publish(&n, std::slice::from_ref(&n)).await;
    unsafe { libc::umask(previous) };
    let publication = published.expect("published");
    let mode = |path: &Path| fs::metadata(path).expect("it exists").permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o755, "the site folder");
    for file in &publication.files {
        assert_eq!(mode(file), 0o644, "{}", file.display());
    }
    for rendered in &publication.rendered {
        assert_eq!(read(&dir, &rendered.name), rendered.body);
        assert_eq!(
            rendered.sha256(),
            breachd::site::sha256_hex(rendered.body.as_bytes())
        );
    }
    assert_eq!(
        publication.rendered[0].name,
        format!("notice-{}.html", n.id)
    );
}
