//! Signing in with GitHub (github.com or a GitHub Enterprise Server). GitHub is an
//! OAuth 2.0 provider without ID tokens, so who signed in is read from its REST API
//! with the access token: the account's numeric id (it survives a renamed login) and
//! the addresses GitHub has verified (`GET /user/emails`, scope `user:email`).
//!
//! The code flow uses PKCE (S256) and the state, as for OpenID Connect; the client
//! secret goes in the token request's body, as GitHub documents it.

use super::{OidcError, error_chain};
use crate::settings::{GITHUB_COM, OidcProvider};
use openidconnect::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenUrl,
};
use serde::Deserialize;

/// The one scope asked for: the account's addresses, verified or not, and nothing
/// else (the profile needs no scope).
const SCOPE: &str = "user:email";
/// GitHub's REST API version these answers are read as.
const API_VERSION: &str = "2022-11-28";
/// An answer larger than this is not GitHub's (a person has at most a few hundred
/// addresses): it is refused before it is all read.
const MAX_ANSWER: usize = 1 << 20;
/// Verified addresses looked up per sign-in, the primary first.
const MAX_ADDRESSES: usize = 50;

/// Where a GitHub server takes sign-ins and answers API calls.
struct Endpoints {
    authorize: String,
    token: String,
    api: String,
}

fn endpoints(server: &str) -> Endpoints {
    let api = if server == GITHUB_COM {
        "https://api.github.com".to_owned()
    } else {
        // GitHub Enterprise Server serves its REST API under /api/v3.
        format!("{server}/api/v3")
    };
    Endpoints {
        authorize: format!("{server}/login/oauth/authorize"),
        token: format!("{server}/login/oauth/access_token"),
        api,
    }
}

type Client = oauth2::basic::BasicClient<
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn client(p: &OidcProvider, redirect_uri: String) -> Result<Client, OidcError> {
    let setup = |reason: String| OidcError::Setup {
        provider: p.name.clone(),
        reason,
    };
    let at = endpoints(p.issuer());
    let secret = p
        .secret()
        .map_err(setup)?
        .ok_or_else(|| setup("GitHub needs the OAuth app's client secret".into()))?;
    Ok(
        oauth2::basic::BasicClient::new(ClientId::new(p.client_id.clone()))
            .set_client_secret(ClientSecret::new(secret))
            .set_auth_type(AuthType::RequestBody)
            .set_auth_uri(AuthUrl::new(at.authorize).map_err(|e| setup(format!("URL: {e}")))?)
            .set_token_uri(TokenUrl::new(at.token).map_err(|e| setup(format!("URL: {e}")))?)
            .set_redirect_uri(
                RedirectUrl::new(redirect_uri).map_err(|e| setup(format!("redirect URI: {e}")))?,
            ),
    )
}

/// The authorization URL, with the state and the PKCE verifier to keep. GitHub has no
/// nonce; a random one is kept all the same, so a stored sign-in looks alike for both
/// kinds.
pub(super) fn start(p: &OidcProvider, redirect_uri: String) -> Result<super::Started, OidcError> {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client(p, redirect_uri)?
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new(SCOPE.into()))
        .set_pkce_challenge(challenge)
        .url();
    Ok(super::Started {
        url: url.to_string(),
        state: state.secret().clone(),
        nonce: CsrfToken::new_random().secret().clone(),
        pkce_verifier: verifier.secret().clone(),
    })
}

/// GitHub's refusal, which its token endpoint sends with `200 OK`.
#[derive(Deserialize)]
struct Refusal {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct Account {
    id: u64,
}

#[derive(Deserialize)]
struct Address {
    email: String,
    #[serde(default)]
    primary: bool,
    #[serde(default)]
    verified: bool,
}

/// Trades the code for an access token, then reads the account's id and addresses.
pub(super) async fn finish(
    oidc: &super::Oidc,
    p: &OidcProvider,
    code: &str,
    pkce_verifier: &str,
) -> Result<super::Claims, OidcError> {
    let rejected = |reason: String| OidcError::Rejected {
        provider: p.name.clone(),
        reason,
    };
    let http = &oidc.http;
    let tokens = client(p, oidc.redirect_uri(&p.id))?
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
        .request_async(&oidc.http_client())
        .await
        .map_err(|e| {
            let why = match &e {
                RequestTokenError::Parse(_, body) => {
                    match serde_json::from_slice::<Refusal>(body) {
                        Ok(r) => match r.error_description {
                            Some(d) => format!("{}: {d}", r.error),
                            None => r.error,
                        },
                        Err(_) => error_chain(&e),
                    }
                }
                _ => error_chain(&e),
            };
            rejected(format!("the code was refused: {why}"))
        })?;
    let token = tokens.access_token().secret();
    let api = endpoints(p.issuer()).api;
    let account: Account = get(http, &format!("{api}/user"), token)
        .await
        .map_err(|why| rejected(format!("reading your account: {why}")))?;
    let addresses: Vec<Address> = get(http, &format!("{api}/user/emails"), token)
        .await
        .map_err(|why| {
            rejected(format!(
                "reading your e-mail addresses (the app needs the `{SCOPE}` scope, or for a GitHub App the \"Email addresses\" permission): {why}"
            ))
        })?;
    Ok(claims(account, addresses))
}

fn claims(account: Account, mut addresses: Vec<Address>) -> super::Claims {
    // The primary address first: it names the account in messages.
    addresses.sort_by_key(|a| !a.primary);
    super::Claims {
        subject: account.id.to_string(),
        unverified_email: addresses.iter().any(|a| !a.verified),
        verified_emails: addresses
            .into_iter()
            .filter(|a| a.verified)
            .map(|a| a.email)
            .take(MAX_ADDRESSES)
            .collect(),
    }
}

/// One GitHub API call with the person's token, its answer read up to `MAX_ANSWER`.
async fn get<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
    token: &str,
) -> Result<T, String> {
    let mut res = http
        .get(url)
        .bearer_auth(token)
        .header("accept", "application/vnd.github+json")
        .header("x-github-api-version", API_VERSION)
        // GitHub refuses API calls without a User-Agent.
        .header("user-agent", concat!("embargo/", env!("CARGO_PKG_VERSION")))
        .send()
        .await
        .map_err(|e| error_chain(&e))?;
    let status = res.status();
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(|e| error_chain(&e))? {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(format!("an answer larger than {MAX_ANSWER} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    if !status.is_success() {
        #[derive(Deserialize)]
        struct Message {
            message: String,
        }
        let said = serde_json::from_slice::<Message>(&body)
            .map(|m| format!(": {}", m.message))
            .unwrap_or_default();
        return Err(format!("{status}{said}"));
    }
    serde_json::from_slice(&body).map_err(|e| format!("an answer that is not GitHub's: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_com_and_enterprise_servers_have_their_own_api_address() {
        let com = endpoints(GITHUB_COM);
        assert_eq!(com.authorize, "https://github.com/login/oauth/authorize");
        assert_eq!(com.token, "https://github.com/login/oauth/access_token");
        assert_eq!(com.api, "https://api.github.com");
        let ghes = endpoints("https://github.example.org");
        assert_eq!(ghes.api, "https://github.example.org/api/v3");
    }

    #[test]
    fn only_verified_addresses_count_and_the_primary_comes_first() {
        let address = |email: &str, primary, verified| Address {
            email: email.into(),
            primary,
            verified,
        };
        let c = claims(
            Account { id: 583231 },
            vec![
                address("old@example.org", false, false),
                address("work@example.org", false, true),
                address("me@example.org", true, true),
            ],
        );
        assert_eq!(c.subject, "583231");
        assert_eq!(c.verified_emails, ["me@example.org", "work@example.org"]);
        assert!(c.unverified_email);
        let c = claims(
            Account { id: 1 },
            vec![address("a@example.org", true, false)],
        );
        assert!(c.verified_emails.is_empty());
        assert!(c.unverified_email);
    }
}
