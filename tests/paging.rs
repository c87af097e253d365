//! Nothing past the first page is lost: the obligations list pages by
//! `offset` with a `next_offset`, `breachd status` walks every page, and the
//! digest says how many it does not list.

mod common;

use common::{spawn_app, ADMIN};
use serde_json::json;
use std::collections::BTreeSet;

#[tokio::test]
async fn every_obligation_is_on_exactly_one_page() {
    let app = spawn_app().await;
    for n in 0..3 {
        app.file(&json!({
            "title": format!("Breach {n}"),
            "contractor": "Vendor Inc.",
            "discovered_at": "2026-04-19T09:00:00-04:00",
            "board_notified_at": "2026-04-20T08:00:00-04:00",
            "data_elements": ["grades"],
        }))
        .await;
    }
    let (_, all) = app.get("/api/v1/obligations?limit=1000", ADMIN).await;
    let expected: BTreeSet<String> = all["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        expected.len() > 4,
        "enough obligations to page: {}",
        expected.len()
    );
    assert!(all.get("next_offset").is_none(), "one page holds them all");
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let (status, page) = app
            .get(
                &format!("/api/v1/obligations?limit=2&offset={offset}"),
                ADMIN,
            )
            .await;
        assert_eq!(status, 200, "{page}");
        let ids: Vec<String> = page["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect();
        assert!(ids.len() <= 2);
        seen.extend(ids);
        match page["next_offset"].as_i64() {
            Some(next) => offset = next,
            None => break,
        }
    }
    assert_eq!(seen.len(), expected.len(), "no obligation twice: {seen:?}");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), expected);
    app.stop().await;
}
