//! The deadline board pages its rows: a district with hundreds of open
//! duties gets pages of 200, soonest first across pages, with the totals of
//! every page in the summary.

mod common;

use common::pages::{get_page, sign_in};
use common::*;
use serde_json::json;

#[tokio::test]
async fn the_board_pages_its_rows() {
    let app = spawn_app_at("2026-04-21T12:00:00-04:00").await;
    for n in 0..130 {
        app.file(&json!({
            "title": format!("Report {n:03}"),
            "contractor": "Vendor Inc.",
            "discovered_at": "2026-04-19T09:00:00-04:00",
            "board_notified_at": "2026-04-20T08:00:00-04:00",
            "data_elements": ["student_name", "grades"]
        }))
        .await;
    }
    let (_, open) = app
        .get("/api/v1/obligations?status=open,overdue&limit=1000", VIEWER)
        .await;
    let total = open["obligations"].as_array().unwrap().len();
    assert!(total > 200, "{total} open duties: more than a page");
    let viewer = sign_in(&app, VIEWER).await;
    let (status, first) = get_page(&app, &viewer, "/").await;
    assert_eq!(status, 200);
    let rows = |html: &str| html.matches("<tr class=\"row-").count();
    assert_eq!(rows(&first), 200, "a page of 200 rows");
    assert!(
        first.contains(&format!("<strong>{total}</strong> open in all")),
        "totals of every page"
    );
    let pages = total.div_ceil(200);
    assert!(
        first.contains(&format!("Page 1 of {pages}")),
        "{pages} pages"
    );
    assert!(first.contains("href=\"/?page=2\""));
    let (_, last) = get_page(&app, &viewer, &format!("/?page={pages}")).await;
    assert_eq!(rows(&last), total - 200 * (pages - 1));
    assert!(!last.contains("later deadlines"));
    // A page past the end, or not a number, shows a page rather than an error.
    let (status, past) = get_page(&app, &viewer, "/?page=999").await;
    assert_eq!(status, 200);
    assert!(past.contains(&format!("Page {pages} of {pages}")));
    let (status, _) = get_page(&app, &viewer, "/?page=x").await;
    assert_eq!(status, 200);
}
