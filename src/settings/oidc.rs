//! `[[auth.oidc]]` identity providers, `[auth.roles]` (who gets which role
//! by verified email or group) and `auth.token_sign_in`.

use super::raw::{RawAuth, RawOidc, RawRoles};
use super::{Problems, Role, Secret};
use std::path::{Path, PathBuf};

/// One OpenID provider people sign in with.
#[derive(Debug, Clone)]
pub struct OidcProvider {
    /// Short, used in URLs: `/auth/oidc/{id}/login`.
    pub id: String,
    /// Shown on the button: "Sign in with {name}".
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    /// From `client_secret_file`, else `$CREDENTIALS_DIRECTORY/oidc-{id}`.
    pub client_secret: Secret,
    pub scopes: Vec<String>,
}

/// Who a role is given to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    /// A verified email address, compared without regard to case.
    Email(String),
    /// A group the provider names in the ID token's `groups` claim.
    Group(String),
}

/// `[auth.roles]`: each role's members.
#[derive(Debug, Clone, Default)]
pub struct RoleMap {
    entries: Vec<(Role, Member)>,
}

impl RoleMap {
    /// The highest role given to a person with this verified email (if
    /// any) and these groups; None when none is.
    pub fn role_of(&self, verified_email: Option<&str>, groups: &[String]) -> Option<Role> {
        let email = verified_email.map(str::to_lowercase);
        self.entries
            .iter()
            .filter(|(_, member)| match member {
                Member::Email(address) => email.as_deref() == Some(address.as_str()),
                Member::Group(group) => groups.iter().any(|g| g == group),
            })
            .map(|(role, _)| *role)
            .max()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn valid_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

pub(crate) fn providers(raw: &[RawOidc], problems: &mut Problems) -> Vec<OidcProvider> {
    let mut providers: Vec<OidcProvider> = Vec::new();
    for (i, provider) in raw.iter().enumerate() {
        let key = |field: &str| format!("auth.oidc[{i}].{field}");
        let text = |value: &Option<String>| value.as_deref().unwrap_or_default().trim().to_owned();
        let id = text(&provider.id);
        let mut ok = true;
        if !valid_id(&id) {
            problems.push(
                &key("id"),
                "must be 1 to 32 lowercase letters, digits or '-' (it is used in URLs)".into(),
            );
            ok = false;
        } else if providers.iter().any(|other| other.id == id) {
            problems.push(&key("id"), format!("{id:?} is used by another provider"));
            ok = false;
        }
        let name = text(&provider.name);
        if name.is_empty() {
            problems.push(
                &key("name"),
                "is required (it is shown on the sign-in button)".into(),
            );
            ok = false;
        }
        let issuer = text(&provider.issuer);
        match reqwest::Url::parse(&issuer) {
            Ok(url) if url.scheme() == "https" || loopback(&url) => {}
            _ => {
                problems.push(
                    &key("issuer"),
                    format!("{issuer:?} is not an https address such as \"https://accounts.google.com\""),
                );
                ok = false;
            }
        }
        let client_id = text(&provider.client_id);
        if client_id.is_empty() {
            problems.push(&key("client_id"), "is required".into());
            ok = false;
        }
        let secret_path = match text(&provider.client_secret_file).as_str() {
            "" => std::env::var_os("CREDENTIALS_DIRECTORY")
                .map(|dir| PathBuf::from(dir).join(format!("oidc-{id}"))),
            path => Some(PathBuf::from(path)),
        };
        let client_secret = match secret_path {
            Some(path) => problems.parse(&key("client_secret_file"), read_secret(&path)),
            None => {
                problems.push(
                    &key("client_secret_file"),
                    format!("is required (or a file oidc-{id} in $CREDENTIALS_DIRECTORY)"),
                );
                None
            }
        };
        let scopes = match &provider.scopes {
            None => vec!["openid".into(), "email".into(), "profile".into()],
            Some(scopes) => {
                let mut scopes: Vec<String> = scopes.iter().map(|s| s.trim().to_owned()).collect();
                if scopes.iter().any(|s| s.is_empty() || s.contains(' ')) {
                    problems.push(&key("scopes"), "each scope is one word".into());
                    ok = false;
                }
                if !scopes.iter().any(|s| s == "openid") {
                    scopes.insert(0, "openid".into());
                }
                scopes
            }
        };
        if let (true, Some(client_secret)) = (ok, client_secret) {
            providers.push(OidcProvider {
                id,
                name,
                issuer,
                client_id,
                client_secret,
                scopes,
            });
        }
    }
    providers
}

/// `http://` is accepted for a provider on this machine (tests, a local
/// proxy), never across a network.
fn loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    url.scheme() == "http"
        && (host == "localhost"
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback()))
}

fn read_secret(path: &Path) -> Result<Secret, String> {
    let secret = super::email::read_secret(path)?;
    if secret.trim().is_empty() {
        return Err(format!("{} is empty", path.display()));
    }
    Ok(Secret::new(secret))
}

pub(crate) fn roles(raw: &RawRoles, problems: &mut Problems) -> RoleMap {
    let mut entries = Vec::new();
    for (role, members) in [
        (Role::Admin, &raw.admin),
        (Role::Reporter, &raw.reporter),
        (Role::Viewer, &raw.viewer),
    ] {
        for (i, member) in members.iter().enumerate() {
            let key = format!("auth.roles.{}[{i}]", role.as_str());
            let member = member.trim();
            if let Some(group) = member.strip_prefix("group:") {
                if group.trim().is_empty() {
                    problems.push(&key, "names no group after \"group:\"".into());
                } else {
                    entries.push((role, Member::Group(group.trim().to_owned())));
                }
            } else if member.contains('@') && !member.contains(char::is_whitespace) {
                entries.push((role, Member::Email(member.to_lowercase())));
            } else {
                problems.push(
                    &key,
                    format!("{member:?} is neither an email address nor \"group:NAME\""),
                );
            }
        }
    }
    RoleMap { entries }
}

/// Checks what only makes sense with providers: the redirect URI is made
/// from `server.public_url`.
pub(crate) fn check(
    raw: &RawAuth,
    providers: &[OidcProvider],
    public_url: Option<&Option<String>>,
    problems: &mut Problems,
) {
    if !providers.is_empty() && matches!(public_url, Some(None)) {
        problems.push(
            "server.public_url",
            "is required with [[auth.oidc]] providers: their redirect address is made from it"
                .into(),
        );
    }
    if !raw.token_sign_in && providers.is_empty() && !raw.oidc.is_empty() {
        // The providers are broken (reported above); nothing to add.
    } else if !raw.token_sign_in && raw.oidc.is_empty() {
        problems.push(
            "auth.token_sign_in",
            "may only be false once an [[auth.oidc]] provider is configured: nobody could sign in"
                .into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bad_provider_key_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "s3cret\n").unwrap();
        let good = format!(
            "[server]\npublic_url = \"https://breachd.district.org\"\n\
             [[auth.oidc]]\nid = \"google\"\nname = \"Google\"\nissuer = \"https://accounts.google.com\"\n\
             client_id = \"abc\"\nclient_secret_file = \"{}\"\n\
             [auth.roles]\nadmin = [\"Privacy@District.org\", \"group:breachd-admins\"]\n",
            secret.display()
        );
        let settings = crate::settings::Settings::from_toml_layers(&[&good]).unwrap();
        assert!(!settings.warnings().iter().any(|w| w.contains("auth.roles")));
        let roleless = good.replace("admin = [", "viewer = [] # ");
        let warned = crate::settings::Settings::from_toml_layers(&[&roleless]).unwrap();
        assert!(
            warned
                .warnings()
                .iter()
                .any(|w| w.contains("auth.roles gives nobody a role")),
            "{:?}",
            warned.warnings()
        );
        assert_eq!(settings.oidc[0].scopes, ["openid", "email", "profile"]);
        assert_eq!(settings.oidc[0].client_secret.expose(), "s3cret");
        assert_eq!(
            settings.roles.role_of(Some("privacy@district.org"), &[]),
            Some(Role::Admin)
        );

        let bad = "[[auth.oidc]]\nid = \"Google Workspace\"\nissuer = \"http://idp.example.org\"\n\
                   client_secret_file = \"/nonexistent/secret\"\n\
                   [auth.roles]\nviewer = [\"nobody\"]\n";
        let errors = crate::settings::Settings::from_toml_layers(&[bad])
            .unwrap_err()
            .to_string();
        for key in [
            "auth.oidc[0].id",
            "auth.oidc[0].name",
            "auth.oidc[0].issuer",
            "auth.oidc[0].client_id",
            "auth.oidc[0].client_secret_file",
            "auth.roles.viewer[0]",
        ] {
            assert!(errors.contains(key), "{key} not named in {errors}");
        }
        let no_url = good.replace("public_url = \"https://breachd.district.org\"", "");
        let errors = crate::settings::Settings::from_toml_layers(&[&no_url])
            .unwrap_err()
            .to_string();
        assert!(errors.contains("server.public_url"), "{errors}");
        let locked_out = "[auth]\ntoken_sign_in = false\n";
        let errors = crate::settings::Settings::from_toml_layers(&[locked_out])
            .unwrap_err()
            .to_string();
        assert!(errors.contains("auth.token_sign_in"), "{errors}");
    }

    #[test]
    fn the_highest_matching_role_wins() {
        let mut problems = Problems::default();
        let roles = roles(
            &RawRoles {
                admin: vec!["group:breachd-admins".into()],
                reporter: vec!["Pat@District.example".into()],
                viewer: vec!["pat@district.example".into(), "lee@district.example".into()],
            },
            &mut problems,
        );
        let admins = ["breachd-admins".to_owned()];
        assert_eq!(
            roles.role_of(Some("pat@district.example"), &[]),
            Some(Role::Reporter)
        );
        assert_eq!(
            roles.role_of(Some("LEE@district.example"), &[]),
            Some(Role::Viewer)
        );
        assert_eq!(roles.role_of(None, &admins), Some(Role::Admin));
        assert_eq!(roles.role_of(Some("sam@elsewhere.example"), &[]), None);
        assert_eq!(roles.role_of(None, &[]), None);
    }
}
