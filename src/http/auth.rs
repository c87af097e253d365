//! The API's caller: a bearer token turned into a name and a role (see
//! `crate::auth` for the checks), and the 401/403 answers.

use super::problem::Problem;
use super::AppState;
use crate::auth::authenticate;
pub(crate) use crate::auth::Permission;
use crate::settings::Role;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub name: String,
    pub role: Role,
}

impl Caller {
    pub fn require(&self, permission: Permission) -> Result<(), Problem> {
        if permission.allows(self.role) {
            Ok(())
        } else {
            Err(
                Problem::new(StatusCode::FORBIDDEN, "Forbidden").detail(format!(
                    "the {} role may not do this: it takes {}",
                    self.role.as_str(),
                    permission.holders()
                )),
            )
        }
    }
}

fn unauthorized(detail: &str) -> Problem {
    Problem {
        bearer_challenge: true,
        ..Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized").detail(detail)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header_value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| unauthorized("send Authorization: Bearer <token>"))?;
        let presented = header_value
            .to_str()
            .ok()
            .and_then(|value| {
                value
                    .strip_prefix("Bearer ")
                    .or_else(|| value.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| unauthorized("send Authorization: Bearer <token>"))?;
        let Some(token) = authenticate(&state.settings.tokens, presented) else {
            if let Some(address) = peer(parts) {
                state
                    .failed_sign_ins
                    .failed(address)
                    .map_err(Problem::too_many_failures)?;
            }
            return Err(unauthorized("the token is not valid"));
        };
        Ok(Caller {
            name: token.name.clone(),
            role: token.role,
        })
    }
}

/// The address the request came from (the daemon serves with connect info;
/// a router built without it, as in unit tests, has none).
pub(crate) fn peer(parts: &Parts) -> Option<std::net::IpAddr> {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip())
}

/// A caller whose role may report (file incidents, record events), checked
/// while the request's head is read: a forbidden call is answered 403
/// before its body is read or parsed.
pub struct Reporter(pub Caller);

/// A caller whose role may administer, checked as `Reporter` is.
pub struct Admin(pub Caller);

/// The caller of `parts`, if its role holds `permission`.
async fn allowed(
    parts: &mut Parts,
    state: &AppState,
    permission: Permission,
) -> Result<Caller, Problem> {
    let caller = Caller::from_request_parts(parts, state).await?;
    caller.require(permission)?;
    Ok(caller)
}

impl FromRequestParts<AppState> for Reporter {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        allowed(parts, state, Permission::Report)
            .await
            .map(Reporter)
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        allowed(parts, state, Permission::Administer)
            .await
            .map(Admin)
    }
}
