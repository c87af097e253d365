//! The website notice's helpers: paragraphs, grouping, slugs, templates.

use super::xml::xml_safe;
use super::*;

#[test]
fn paragraphs_split_on_blank_lines() {
    assert_eq!(
        paragraphs("One\r\ntwo.\n\n  \nThree.\n"),
        vec!["One\ntwo.".to_owned(), "Three.".to_owned()]
    );
    assert!(paragraphs(" \n").is_empty());
}

#[test]
fn thousands_are_grouped() {
    assert_eq!(group_thousands(0), "0");
    assert_eq!(group_thousands(999), "999");
    assert_eq!(group_thousands(1_200), "1,200");
    assert_eq!(group_thousands(12_345_678), "12,345,678");
}

#[test]
fn slugs_cannot_leave_the_directory_or_shadow_the_index() {
    assert!(is_safe_slug(&PublicNotice::slug_for(Uuid::nil())));
    for bad in ["", "index", "../x", "a/b", "a.html", "Notice", "a b"] {
        assert!(!is_safe_slug(bad), "{bad:?}");
    }
}

#[test]
fn templates_load_only_plain_names() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("x.html"), "district").expect("writable");
    assert_eq!(
        load_template(Some(dir.path()), "x.html").expect("loads"),
        Some("district".to_owned())
    );
    assert_eq!(
        load_template(Some(dir.path()), "../x.html").expect("loads"),
        None
    );
    assert!(load_template(None, "notice.html").expect("loads").is_some());
}

#[test]
fn what_xml_cannot_carry_is_dropped_and_line_breaks_kept() {
    assert_eq!(
        xml_safe("Breach\u{0} at\u{1b}[31m\nline\ttab"),
        "Breach at[31m\nline\ttab"
    );
    assert_eq!(xml_safe("\u{FFFE}ok\u{FFFF}"), "ok");
}
