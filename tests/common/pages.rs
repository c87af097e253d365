//! The staff pages as a test reads them over plain HTTP: sign in with a
//! token, keep the session cookie and the CSRF token, fetch a page.

use super::TestApp;
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::Response;

/// A client that does not follow redirects (their targets are asserted) and
/// keeps no cookies (each request says which it sends).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("a reqwest client")
}

/// A signed-in browser, as far as the server can tell.
pub struct Signed {
    pub cookie: String,
    pub csrf: String,
}

pub fn set_cookie(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

pub fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or_default().to_owned()
}

/// The CSRF token of the first form on a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a form with a CSRF token") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

pub async fn sign_in(app: &TestApp, token: &str) -> Signed {
    let http = client();
    let response = http
        .post(app.url("/sign-in"))
        .form(&[("token", token), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "sign-in with a valid token");
    let cookie = cookie_pair(&set_cookie(&response, "breachd_session").expect("a session cookie"));
    let page = http
        .get(app.url("/"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csrf = csrf_of(&page.text().await.unwrap());
    Signed { cookie, csrf }
}

pub async fn get_page(app: &TestApp, signed: &Signed, path: &str) -> (u16, String) {
    let response = client()
        .get(app.url(path))
        .header(COOKIE, &signed.cookie)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}
