//! Single sign-on with OpenID Connect: the authorization code flow with PKCE and a
//! nonce, against providers found by their issuer's discovery document; and with
//! GitHub, which has no ID tokens (`github`). This module talks to the provider; which
//! account a person signs in to is decided in `app::sso` (by a linked subject, else by
//! a verified e-mail address).

mod github;

use crate::settings::{OidcProvider, ProviderKind};
use openidconnect::core::{CoreClient, CoreProviderMetadata, CoreResponseType};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A provider's discovery document and keys are fetched again after this long, so a
/// key rotation at the provider is picked up without a restart.
const METADATA_TTL: Duration = Duration::from_secs(3600);
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("no sign-in provider is called `{0}`")]
    UnknownProvider(String),
    #[error("{provider} cannot be reached or answered wrongly: {reason}")]
    Provider { provider: String, reason: String },
    #[error("{provider} is set up wrongly: {reason}")]
    Setup { provider: String, reason: String },
    #[error("{provider} sent an answer that does not verify: {reason}")]
    Rejected { provider: String, reason: String },
}

/// What a provider says about the person who signed in there.
#[derive(Clone, Debug)]
pub struct Claims {
    pub subject: String,
    /// The addresses the provider has verified, its primary one first.
    pub verified_emails: Vec<String>,
    /// The provider named an address it has not verified.
    pub unverified_email: bool,
}

/// Where to send the browser, and what to keep until it comes back.
pub struct Started {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

pub struct Oidc {
    providers: Vec<OidcProvider>,
    http: reqwest::Client,
    /// id → (discovery document with keys, when fetched).
    metadata: tokio::sync::Mutex<HashMap<String, (Arc<CoreProviderMetadata>, Instant)>>,
    public_url: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

impl Oidc {
    pub fn new(providers: Vec<OidcProvider>, public_url: String) -> Result<Oidc, String> {
        let tls = tls_config()?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            // Following redirects would let a provider's answer send us anywhere (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .connect_timeout(HTTP_TIMEOUT)
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Oidc {
            providers,
            http,
            metadata: tokio::sync::Mutex::new(HashMap::new()),
            public_url,
        })
    }

    /// The configured providers, for the sign-in page's buttons.
    pub fn providers(&self) -> &[OidcProvider] {
        &self.providers
    }

    fn provider(&self, id: &str) -> Result<&OidcProvider, OidcError> {
        self.providers
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| OidcError::UnknownProvider(id.to_owned()))
    }

    pub fn redirect_uri(&self, id: &str) -> String {
        format!("{}/login/oidc/{id}/callback", self.public_url)
    }

    async fn metadata(&self, p: &OidcProvider) -> Result<Arc<CoreProviderMetadata>, OidcError> {
        let mut cache = self.metadata.lock().await;
        if let Some((m, at)) = cache.get(&p.id)
            && at.elapsed() < METADATA_TTL
        {
            return Ok(m.clone());
        }
        let issuer = IssuerUrl::new(p.issuer().to_owned()).map_err(|e| OidcError::Setup {
            provider: p.name.clone(),
            reason: format!("issuer URL: {e}"),
        })?;
        let http = self.http_client();
        let m = CoreProviderMetadata::discover_async(issuer, &http)
            .await
            .map_err(|e| OidcError::Provider {
                provider: p.name.clone(),
                reason: error_chain(&e),
            })?;
        let m = Arc::new(m);
        cache.insert(p.id.clone(), (m.clone(), Instant::now()));
        Ok(m)
    }

    /// The provider's authorization URL for a new sign-in.
    pub async fn start(&self, id: &str) -> Result<Started, OidcError> {
        let p = self.provider(id)?;
        if p.kind == ProviderKind::Github {
            return github::start(p, self.redirect_uri(id));
        }
        let client = self.client(p).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Started {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Trades the code for tokens, verifies the ID token (signature, issuer, audience,
    /// expiry, nonce) and reads the person's e-mail address from it, or from the
    /// UserInfo endpoint where the provider keeps it there. GitHub: see `github`.
    pub async fn finish(
        &self,
        id: &str,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<Claims, OidcError> {
        let p = self.provider(id)?;
        if p.kind == ProviderKind::Github {
            return github::finish(self, p, code, pkce_verifier).await;
        }
        let client = self.client(p).await?;
        let http = self.http_client();
        let rejected = |reason: String| OidcError::Rejected {
            provider: p.name.clone(),
            reason,
        };
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| OidcError::Setup {
                provider: p.name.clone(),
                reason: e.to_string(),
            })?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&http)
            .await
            .map_err(|e| rejected(format!("the code was refused: {}", error_chain(&e))))?;
        let id_token = tokens
            .extra_fields()
            .id_token()
            .ok_or_else(|| rejected("no ID token came with the access token".into()))?;
        let claims = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(nonce.to_owned()))
            .map_err(|e| rejected(format!("ID token: {e}")))?;
        let subject = claims.subject().to_string();
        let mut email = claims.email().map(|e| e.to_string());
        let mut email_verified = claims.email_verified().unwrap_or(false);
        if email.is_none() {
            let info: openidconnect::core::CoreUserInfoClaims = client
                .user_info(
                    tokens.access_token().clone(),
                    Some(claims.subject().clone()),
                )
                .map_err(|e| OidcError::Setup {
                    provider: p.name.clone(),
                    reason: format!("no UserInfo endpoint and no e-mail in the ID token: {e}"),
                })?
                .request_async(&http)
                .await
                .map_err(|e| rejected(format!("UserInfo: {}", error_chain(&e))))?;
            email = info.email().map(|e| e.to_string());
            email_verified = info.email_verified().unwrap_or(false);
        }
        Ok(Claims {
            subject,
            unverified_email: email.is_some() && !email_verified,
            verified_emails: email.filter(|_| email_verified).into_iter().collect(),
        })
    }

    async fn client(
        &self,
        p: &OidcProvider,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        OidcError,
    > {
        let metadata = self.metadata(p).await?;
        let secret = p.secret().map_err(|reason| OidcError::Setup {
            provider: p.name.clone(),
            reason,
        })?;
        let redirect =
            RedirectUrl::new(self.redirect_uri(&p.id)).map_err(|e| OidcError::Setup {
                provider: p.name.clone(),
                reason: format!("redirect URI: {e}"),
            })?;
        Ok(CoreClient::from_provider_metadata(
            (*metadata).clone(),
            ClientId::new(p.client_id.clone()),
            secret.map(ClientSecret::new),
        )
        .set_redirect_uri(redirect))
    }

    /// `oauth2`'s HTTP seam, over our reqwest client (no redirects, timeouts).
    fn http_client(
        &self,
    ) -> impl Fn(
        openidconnect::HttpRequest,
    ) -> std::pin::Pin<
        Box<dyn Future<Output = Result<openidconnect::HttpResponse, HttpError>> + Send>,
    > + '_ {
        move |request: openidconnect::HttpRequest| {
            let http = self.http.clone();
            Box::pin(async move {
                let request = reqwest::Request::try_from(request)
                    .map_err(|e| HttpError(format!("request: {e}")))?;
                let response = http
                    .execute(request)
                    .await
                    .map_err(|e| HttpError(error_chain(&e)))?;
                let mut builder = axum::http::Response::builder().status(response.status());
                for (name, value) in response.headers() {
                    builder = builder.header(name, value);
                }
                let body = response
                    .bytes()
                    .await
                    .map_err(|e| HttpError(error_chain(&e)))?;
                builder
                    .body(body.to_vec())
                    .map_err(|e| HttpError(format!("response: {e}")))
            })
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// rustls with the `ring` provider and the operating system's trust store, as the
/// other outbound clients build it (not installed process-wide).
fn tls_config() -> Result<rustls::ClientConfig, String> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
