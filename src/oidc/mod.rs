//! OpenID Connect with the district's identity providers (`[[auth.oidc]]`):
//! the authorization code flow with PKCE, `state` and `nonce`, and the ID
//! token validated against the provider's published keys (JWKS), issuer,
//! audience, expiry and nonce, all by the `openidconnect` crate. What comes
//! out is who the person is (the provider's subject, the email only if the
//! provider verified it, and the groups it lists); which role that earns is
//! the caller's business (`settings::RoleMap`).
//!
//! Each provider's discovery document and keys are fetched when first
//! needed and again after an hour, and at once when an ID token names a
//! key breachd has not seen (the provider rotated its keys).
//!
//! Nothing of an ID token is logged or kept beyond the identity above.

use crate::settings::OidcProvider;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthenticationFlow, AuthorizationCode, Client, ClientId, ClientSecret,
    CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields,
    IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    StandardErrorResponse, StandardTokenResponse,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long a provider's discovery document and keys are trusted.
const REFRESH: Duration = Duration::from_secs(3600);
/// How long any request to a provider may take.
const TIMEOUT: Duration = Duration::from_secs(15);

/// The one claim beyond the standard ones breachd reads: the groups some
/// providers (Entra ID, Okta, Keycloak) list, for `group:NAME` roles.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct GroupClaims {
    #[serde(default)]
    groups: Vec<String>,
}

impl AdditionalClaims for GroupClaims {}

type TokenFields = IdTokenFields<
    GroupClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

type TokenResponse = StandardTokenResponse<TokenFields, CoreTokenType>;

/// A provider's client after discovery: authorization endpoint known,
/// token and user-info endpoints as the provider published them.
type ProviderClient = Client<
    GroupClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why a sign-in with a provider failed, in words for the person and the
/// log (never a token's content).
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("no identity provider is called {0:?}")]
    UnknownProvider(String),
    #[error("the identity provider could not be reached or answered unexpectedly: {0}")]
    Provider(String),
    #[error("the identity provider's answer did not check out: {0}")]
    Invalid(String),
}

/// A sign-in begun: where to send the browser, and what to keep for the
/// provider's answer.
#[derive(Debug, Clone)]
pub struct Begun {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Who signed in, as the provider vouches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The provider's stable id for the person.
    pub subject: String,
    /// Their email, only if the provider says it verified it.
    pub verified_email: Option<String>,
    /// Any email the provider sent, verified or not (to tell the person
    /// which account they used).
    pub email: Option<String>,
    pub groups: Vec<String>,
}

struct Discovered {
    at: Instant,
    client: Arc<ProviderClient>,
}

struct Provider {
    settings: OidcProvider,
    redirect: RedirectUrl,
    discovered: Mutex<Option<Discovered>>,
}

/// The configured providers, each discovered when first used.
pub struct Oidc {
    http: reqwest::Client,
    providers: Vec<Provider>,
}

impl Oidc {
    /// `public_url`: where people reach breachd; each provider's redirect
    /// address is `{public_url}/auth/oidc/{id}/callback`.
    pub fn new(providers: &[OidcProvider], public_url: Option<&str>) -> Result<Self, OidcError> {
        let http = reqwest::Client::builder()
            // A redirect followed to wherever a provider's answer points
            // would let it make breachd fetch any address (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .build()
            .map_err(|error| OidcError::Provider(error.to_string()))?;
        let base = public_url.unwrap_or_default().trim_end_matches('/');
        let providers = providers
            .iter()
            .map(|settings| {
                let redirect =
                    RedirectUrl::new(format!("{base}/auth/oidc/{}/callback", settings.id))
                        .map_err(|error| OidcError::Provider(error.to_string()))?;
                Ok(Provider {
                    settings: settings.clone(),
                    redirect,
                    discovered: Mutex::new(None),
                })
            })
            .collect::<Result<Vec<_>, OidcError>>()?;
        Ok(Self { http, providers })
    }

    fn provider(&self, id: &str) -> Result<&Provider, OidcError> {
        self.providers
            .iter()
            .find(|p| p.settings.id == id)
            .ok_or_else(|| OidcError::UnknownProvider(id.to_owned()))
    }

    /// The provider's client, discovered anew when `fresh` or when the
    /// last discovery is older than `REFRESH`.
    async fn client(
        &self,
        provider: &Provider,
        fresh: bool,
    ) -> Result<Arc<ProviderClient>, OidcError> {
        let mut discovered = provider.discovered.lock().await;
        if let Some(known) = discovered.as_ref() {
            if !fresh && known.at.elapsed() < REFRESH {
                return Ok(Arc::clone(&known.client));
            }
        }
        let issuer = IssuerUrl::new(provider.settings.issuer.clone())
            .map_err(|error| OidcError::Provider(error.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|error| OidcError::Provider(format!("discovery: {error}")))?;
        let client = ProviderClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.settings.client_id.clone()),
            Some(ClientSecret::new(
                provider.settings.client_secret.expose().to_owned(),
            )),
        )
        .set_redirect_uri(provider.redirect.clone());
        let client = Arc::new(client);
        *discovered = Some(Discovered {
            at: Instant::now(),
            client: Arc::clone(&client),
        });
        Ok(client)
    }

    /// Begins a sign-in with provider `id`: the authorization URL (with a
    /// PKCE S256 challenge, a random state and nonce) and what to keep.
    pub async fn begin(&self, id: &str) -> Result<Begun, OidcError> {
        let provider = self.provider(id)?;
        let client = self.client(provider, false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        // `openid` is always sent by the crate.
        for scope in provider.settings.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok(Begun {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Ends a sign-in: exchanges the one-time `code` (with the PKCE
    /// verifier) and validates the ID token against the nonce kept.
    pub async fn finish(
        &self,
        id: &str,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<Identity, OidcError> {
        let provider = self.provider(id)?;
        let client = self.client(provider, false).await?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|error| OidcError::Provider(error.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|error| match error {
                // The provider answered, and refused the code (forged,
                // used, expired): a failed sign-in, not an outage.
                openidconnect::RequestTokenError::ServerResponse(refusal) => {
                    OidcError::Invalid(format!("the code was refused: {}", refusal.error()))
                }
                other => OidcError::Provider(format!("token exchange: {other}")),
            })?;
        let id_token = response
            .extra_fields()
            .id_token()
            .ok_or_else(|| OidcError::Invalid("no ID token was returned".into()))?;
        let nonce = Nonce::new(nonce.to_owned());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.clone(),
            Err(first) => {
                // Perhaps signed with a key published since the last
                // discovery: check once more against fresh keys.
                let fresh = self.client(provider, true).await?;
                let verifier = fresh.id_token_verifier();
                let claims = id_token
                    .claims(&verifier, &nonce)
                    .map_err(|_| OidcError::Invalid(first.to_string()))?
                    .clone();
                claims
            }
        };
        let email = claims.email().map(|email| email.as_str().to_owned());
        let verified_email = email
            .clone()
            .filter(|_| claims.email_verified() == Some(true));
        Ok(Identity {
            subject: claims.subject().as_str().to_owned(),
            verified_email,
            email,
            groups: claims.additional_claims().groups.clone(),
        })
    }

    /// The providers' ids and button names, in configuration order.
    pub fn buttons(&self) -> Vec<(String, String)> {
        self.providers
            .iter()
            .map(|p| (p.settings.id.clone(), p.settings.name.clone()))
            .collect()
    }
}
