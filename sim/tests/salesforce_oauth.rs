//! OAuth over real HTTP: authorize + PKCE, refresh, password, JWT bearer, revoke, identity, userinfo.

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Digest;
use sim::salesforce::{Config, SalesforceSim};

/// A throwaway RSA key pair made for this test (never used anywhere else).
const PRIVATE_KEY: &str = r#"-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEAr48UYZlyMxRRm8U3LIt7lFQ2V14pOnYpy2qjNCRCsBDrV0hg
en7A6oibg9QtG5GMgPE9PgD05T5hUjJJZRKYvG/EYmkpLMnpuAkaOWVERFoEG1nw
N1OlAD/iy8Vegwp8LhHhkqEu32oulGReRSiraAUJ0FnUNrFpxzzdUX5dBjjlP52T
UEFmwnsEcwzDEx8AZ6vLyFNUzZfFMPBDAEOcVzNvk5evCHypT+gdBMU6AQbdyezH
GPB4iqOJFVNTwTgW6gSGqX1JaRZC21UwHZs2714mjv3L1BGOtmo15J8JYK1tpYZK
+3dwVMW3V4be7+w3xHSUIi/7p+Bll2uGqdhx1wIDAQABAoIBAEJMuJe7SWN88uzu
581Mx9jWjMcl6lAHu/T0SrowT3cKjLYjwTvBjr2D5ac9g+N7biJr+ILn/ZRtoHdY
QluHUGMpmnLH4CLoBfnYhizSz5s4m4Bw0MU0M4YKmm32FaFLXmZPnm6vrHH3OawU
030uxLy92lzy76/QBHCXzcUvAZaNWcgNn0XHLFiJryN8eNwstPEn6ebtgDVIVnX8
FjQwW8GZjYHGiYw1McCZAHRzeWZ/3lVfm8wm/IBMqYW1+ySPrIOZXwOqrb1r2yAL
w/qtM71qTVwXCE3iKTeiHoTCNb6aTNaZE4I0IljYu6WPhYFqkGT4K2/mvAqpaGnJ
xwaGIhECgYEA3lbO26grbr4HeMi+ppZOTQv+hA7ltoblfrx4a8Bb3PbOin+/8E23
M1t21zH5AOEL7IhxJ4FeMbaiF57VUk/TVmV905VW95r7KQmiJa0OAGLNu6c7M1eB
2oshMvLBNN9d6uCoRYtjdI79clCc8AEIjSstrFBxtCACWRonBCCvX4MCgYEAyiM2
csaIQzJLC0U7rPqIqErEUHyiuvs+6D5dxf5yOd0p7QHtbo9stuns/XIbqYmiuZhj
mAXtf76/iWTKFUaqruZlnWioody8VCLtcIZX5hIePR8ICZJ8D4D01ca6E/bKdWqs
ZHB5jOF91UtQLXBuBarK/KvCqmZHEJ1Eqr944B0CgYEAkST8T1r+V4IIYKo0A441
uYht84nCHiD76ntg5X6iuaII/VMeWuJxCT7ZWuxNkGxZm2UK8W47rpp6QI841U41
Ob5xoNFp/6QV+BlI1+2cKVZW1fz64a5rn96Zoqfkxv5WUkGsuBGhsHK0M486lFco
XPfmDgpJ3/vRbJdtBv3LXr8CgYEAh3XnlC0lvdpjXg8sebR/hkBspP+RUjrzIlJB
J2FoDQ0Afrsu8UuecEn9rq8ciJYa/cN44rT+PwCGfT2VC4MK+SCfckhj0e0KLFwn
wKPXHfCAYTd9fGS1TPJ/oQ+HPb/CV8N/+eNCIb4vRJQvC/RvVs7pL0CvuN/HugOa
s86S46UCgYBAGhPg7vz3bYHbcenmH4werauPuQLIXfWVXlYgWMf0Y5zUf2JAeCPu
W25oIItfw6SvulLrlhcExS7kRzYLvCXeK+yj5pW4RdDzv2ah7JhbAadC4ud1t3e1
xP/ZM6J9xx5NEDcedcrbrjhpkscAPvPlDvSGZSiscqiJ+IBjTwDVCA==
-----END RSA PRIVATE KEY-----
"#;
const PUBLIC_KEY: &str = r#"-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr48UYZlyMxRRm8U3LIt7
lFQ2V14pOnYpy2qjNCRCsBDrV0hgen7A6oibg9QtG5GMgPE9PgD05T5hUjJJZRKY
vG/EYmkpLMnpuAkaOWVERFoEG1nwN1OlAD/iy8Vegwp8LhHhkqEu32oulGReRSir
aAUJ0FnUNrFpxzzdUX5dBjjlP52TUEFmwnsEcwzDEx8AZ6vLyFNUzZfFMPBDAEOc
VzNvk5evCHypT+gdBMU6AQbdyezHGPB4iqOJFVNTwTgW6gSGqX1JaRZC21UwHZs2
714mjv3L1BGOtmo15J8JYK1tpYZK+3dwVMW3V4be7+w3xHSUIi/7p+Bll2uGqdhx
1wIDAQAB
-----END PUBLIC KEY-----
"#;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn token(
    http: &reqwest::Client,
    sim: &SalesforceSim,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let resp = http
        .post(format!("{}/services/oauth2/token", sim.url()))
        .form(form)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.json().await.unwrap())
}

#[tokio::test]
async fn web_server_flow_with_pkce_then_refresh_and_revoke() {
    let sim = SalesforceSim::start(Config::default()).await.unwrap();
    let http = no_redirects();
    let verifier = "a-long-random-verifier-string-of-enough-length-0123456789";
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier));
    let redirect = "http://127.0.0.1:9/callback";
    let authorize = format!(
        "{}/services/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&state=xyz&code_challenge={challenge}&code_challenge_method=S256",
        sim.url(),
        sim.client_id(),
        urlencoding::encode(redirect)
    );
    let resp = http.get(&authorize).send().await.unwrap();
    assert!(resp.status().is_redirection());
    let location = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    let params: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(params["state"], "xyz");
    let code = params["code"].clone();

    let (status, bad) = token(
        &http,
        &sim,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &sim.client_id()),
            ("redirect_uri", redirect),
            ("code_verifier", "wrong"),
        ],
    )
    .await;
    assert_eq!(
        (status, bad["error"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalid_grant"))
    );

    let resp = http.get(&authorize).send().await.unwrap();
    let location = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let (status, tokens) = token(
        &http,
        &sim,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &sim.client_id()),
            ("client_secret", &sim.client_secret()),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    for key in [
        "access_token",
        "refresh_token",
        "signature",
        "scope",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
    ] {
        assert!(tokens[key].is_string(), "{key} in {tokens}");
    }
    assert_eq!(tokens["instance_url"], sim.url());
    assert!(tokens["issued_at"].as_str().unwrap().parse::<u64>().is_ok());

    let access = tokens["access_token"].as_str().unwrap();
    let id: Value = http
        .get(tokens["id"].as_str().unwrap())
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["user_id"], sim.admin_user_id());
    let info: Value = http
        .get(format!("{}/services/oauth2/userinfo", sim.url()))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["organization_id"], sim.org_id());

    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (status, refreshed) = token(
        &http,
        &sim,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", &sim.client_id()),
            ("client_secret", &sim.client_secret()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        refreshed.get("refresh_token").is_none(),
        "no rotation: no new refresh token"
    );

    let r = http
        .post(format!("{}/services/oauth2/revoke", sim.url()))
        .form(&[("token", refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (status, err) = token(
        &http,
        &sim,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", &sim.client_id()),
        ],
    )
    .await;
    assert_eq!(
        (status, err),
        (
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_grant", "error_description": "expired access/refresh token"})
        )
    );

    let r = http
        .post(format!("{}/services/oauth2/revoke", sim.url()))
        .form(&[("token", access)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = http
        .get(format!("{}/services/data/v62.0/limits", sim.url()))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn approval_page_when_not_auto_approving() {
    let sim = SalesforceSim::start(Config {
        auto_approve: false,
        ..Config::default()
    })
    .await
    .unwrap();
    let http = no_redirects();
    let page = http
        .get(format!("{}/services/oauth2/authorize?response_type=code&client_id={}&redirect_uri=http://127.0.0.1:9/cb&state=s", sim.url(), sim.client_id()))
        .send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Allow Access?") && page.contains("carol@example.com"));
    let resp = http
        .post(format!("{}/services/oauth2/authorize", sim.url()))
        .form(&[
            ("client_id", sim.client_id().as_str()),
            ("redirect_uri", "http://127.0.0.1:9/cb"),
            ("state", "s"),
            ("decision", "deny"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .contains("error=access_denied")
    );
}

#[tokio::test]
async fn jwt_bearer_and_password_flows() {
    let sim = SalesforceSim::start(Config {
        jwt_public_key_pem: Some(PUBLIC_KEY.into()),
        ..Config::default()
    })
    .await
    .unwrap();
    let http = no_redirects();
    let claims = |exp: i64, sub: &str| json!({"iss": sim.client_id(), "sub": sub, "aud": "https://login.salesforce.com", "exp": exp});
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(PRIVATE_KEY.as_bytes()).unwrap();
    let sign = |c: Value| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
            &c,
            &key,
        )
        .unwrap()
    };
    let now = chrono::Utc::now().timestamp();
    let grant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    let (status, ok) = token(
        &http,
        &sim,
        &[
            ("grant_type", grant),
            (
                "assertion",
                &sign(claims(now + 180, "carol@example.com.sfsim")),
            ),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    assert!(ok.get("refresh_token").is_none());
    let (status, expired) = token(
        &http,
        &sim,
        &[
            ("grant_type", grant),
            (
                "assertion",
                &sign(claims(now - 3600, "carol@example.com.sfsim")),
            ),
        ],
    )
    .await;
    assert_eq!(
        (status, expired["error"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalid_grant"))
    );
    let (status, _) = token(
        &http,
        &sim,
        &[("grant_type", grant), ("assertion", "not.a.jwt")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, ok) = token(
        &http,
        &sim,
        &[
            ("grant_type", "password"),
            ("client_id", &sim.client_id()),
            ("client_secret", &sim.client_secret()),
            ("username", "bob@example.com.sfsim"),
            ("password", "sim-password"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    let (status, bad) = token(
        &http,
        &sim,
        &[
            ("grant_type", "password"),
            ("client_id", &sim.client_id()),
            ("client_secret", &sim.client_secret()),
            ("username", "bob@example.com.sfsim"),
            ("password", "wrong"),
        ],
    )
    .await;
    assert_eq!(
        (status, bad["error_description"].clone()),
        (StatusCode::BAD_REQUEST, json!("authentication failure"))
    );
}
