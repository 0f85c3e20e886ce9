//! AWS Signature Version 4, as the Kinesis API requires it: the canonical request, the string to
//! sign, the derived signing key and the `Authorization` header. Tested against AWS's published
//! SigV4 test suite (`get-vanilla`, `post-vanilla`, `post-x-www-form-urlencoded`, ...).

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// An access key: kept only in memory unless the user chooses to store it; its `Debug` output
/// never shows the secret or the session token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The access key id (`AKIA…`).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// A session token, for temporary credentials.
    pub session_token: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<hidden>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<hidden>"),
            )
            .finish()
    }
}

/// An HTTP request to sign and send: the method, the path and query of the URL, its headers
/// (`host` among them) and its body. Its `Debug` output hides the session token and the
/// signature.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The full URL (`http://127.0.0.1:4567/`).
    pub url: String,
    /// The path, as sent (`/`).
    pub path: String,
    /// The query string without `?`, as sent (`a=1&b=2`), or empty.
    pub query: String,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let secret = name.eq_ignore_ascii_case("x-amz-security-token")
                    || name.eq_ignore_ascii_case("authorization");
                (
                    name.as_str(),
                    if secret { "<hidden>" } else { value.as_str() },
                )
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

/// The time of a signature, as SigV4 writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmzDate {
    /// `20150830T123600Z`.
    pub date_time: String,
    /// `20150830`.
    pub date: String,
}

impl AmzDate {
    /// The time `ms` milliseconds after 1970-01-01T00:00:00Z (UTC).
    pub fn from_unix_ms(ms: i64) -> AmzDate {
        let secs = ms.div_euclid(1000);
        let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        let (hh, mm, ss) = (rest / 3600, rest % 3600 / 60, rest % 60);
        let date = format!("{y:04}{m:02}{d:02}");
        AmzDate {
            date_time: format!("{date}T{hh:02}{mm:02}{ss:02}Z"),
            date,
        }
    }
}

/// Year, month and day of the day `days` after 1970-01-01 (proleptic Gregorian calendar; Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Where a signature is valid: a region and a service (`kinesis`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// `us-east-1`, ...
    pub region: String,
    /// `kinesis`.
    pub service: String,
}

/// Signs `request` in place: adds `x-amz-date` (and `x-amz-security-token` with a session
/// token), then the `Authorization` header over every header the request has.
pub fn sign(request: &mut HttpRequest, credentials: &Credentials, scope: &Scope, at: &AmzDate) {
    request.headers.retain(|(name, _)| {
        !name.eq_ignore_ascii_case("authorization") && !name.eq_ignore_ascii_case("x-amz-date")
    });
    request
        .headers
        .push(("x-amz-date".into(), at.date_time.clone()));
    if let Some(token) = &credentials.session_token {
        request
            .headers
            .push(("x-amz-security-token".into(), token.clone()));
    }
    let (signed_headers, signature) = signature(request, credentials, scope, at);
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={signed_headers}, Signature={signature}",
        credentials.access_key_id,
        credential_scope(scope, at)
    );
    request
        .headers
        .push(("authorization".into(), authorization));
}

fn credential_scope(scope: &Scope, at: &AmzDate) -> String {
    format!(
        "{}/{}/{}/aws4_request",
        at.date, scope.region, scope.service
    )
}

/// The signed header names (`host;x-amz-date`) and the hex signature of `request` as it is.
pub fn signature(
    request: &HttpRequest,
    credentials: &Credentials,
    scope: &Scope,
    at: &AmzDate,
) -> (String, String) {
    let (canonical, signed_headers) = canonical_request(request);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{}\n{}",
        at.date_time,
        credential_scope(scope, at),
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let key = signing_key(&credentials.secret_access_key, scope, at);
    let signature = hex::encode(hmac(&key, string_to_sign.as_bytes()));
    (signed_headers, signature)
}

/// The canonical request and its signed header names.
pub fn canonical_request(request: &HttpRequest) -> (String, String) {
    let mut headers: Vec<(String, String)> = Vec::new();
    for (name, value) in &request.headers {
        let name = name.to_ascii_lowercase();
        // Trimmed, with runs of spaces made one.
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        match headers.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            None => headers.push((name, value)),
        }
    }
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let signed_headers = headers
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        request.method,
        canonical_path(&request.path),
        canonical_query(&request.query),
        hex::encode(Sha256::digest(&request.body))
    );
    (canonical, signed_headers)
}

/// The path with each segment URI-encoded once more: the path as sent is already encoded, and
/// every AWS service but S3 signs it encoded twice.
fn canonical_path(path: &str) -> String {
    if path.is_empty() {
        return "/".into();
    }
    path.split('/')
        .map(|segment| uri_encode(segment, false))
        .collect::<Vec<_>>()
        .join("/")
}

/// The query's parameters, each name and value URI-encoded, sorted by name and then value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (uri_encode(k, true), uri_encode(v, true))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// SigV4's URI encoding: unreserved characters as they are, everything else `%XX` (upper-case
/// hex); `%` is encoded too unless `keep_percent` (a query that arrives encoded).
fn uri_encode(text: &str, keep_percent: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            b'%' if keep_percent => out.push('%'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The signing key: the secret, keyed through the date, the region, the service and
/// `aws4_request`.
fn signing_key(secret: &str, scope: &Scope, at: &AmzDate) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), at.date.as_bytes());
    let k_region = hmac(&k_date, scope.region.as_bytes());
    let k_service = hmac(&k_region, scope.service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length, so `new_from_slice` cannot fail here.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test suite's credentials, scope and time.
    fn suite() -> (Credentials, Scope, AmzDate) {
        (
            Credentials {
                access_key_id: "AKIDEXAMPLE".into(),
                secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
                session_token: None,
            },
            Scope {
                region: "us-east-1".into(),
                service: "service".into(),
            },
            AmzDate::from_unix_ms(1_440_938_160_000),
        )
    }

    fn request(method: &str, query: &str, extra: &[(&str, &str)], body: &str) -> HttpRequest {
        let mut headers = vec![("Host".to_owned(), "example.amazonaws.com".to_owned())];
        headers.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
        HttpRequest {
            method: method.into(),
            url: "https://example.amazonaws.com/".into(),
            path: "/".into(),
            query: query.into(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    fn authorization(mut r: HttpRequest) -> String {
        let (credentials, scope, at) = suite();
        sign(&mut r, &credentials, &scope, &at);
        r.headers
            .iter()
            .find(|(n, _)| n == "authorization")
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    const PREFIX: &str =
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";

    #[test]
    fn the_date_is_written_as_sigv4_wants_it() {
        let at = AmzDate::from_unix_ms(1_440_938_160_000);
        assert_eq!(at.date_time, "20150830T123600Z");
        assert_eq!(at.date, "20150830");
        assert_eq!(AmzDate::from_unix_ms(0).date_time, "19700101T000000Z");
        // A leap day, and the last second of a year.
        assert_eq!(AmzDate::from_unix_ms(951_782_400_000).date, "20000229");
        assert_eq!(
            AmzDate::from_unix_ms(1_798_761_599_000).date_time,
            "20261231T235959Z"
        );
    }

    #[test]
    fn get_vanilla_matches_the_published_signature() {
        assert_eq!(
            authorization(request("GET", "", &[], "")),
            format!("{PREFIX}SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        );
    }

    #[test]
    fn query_parameters_are_sorted_before_signing() {
        // get-vanilla-query-order-key-case
        let r = request("GET", "Param2=value2&Param1=value1", &[], "");
        assert!(authorization(r).ends_with(
            "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
        ));
    }

    #[test]
    fn post_vanilla_matches_the_published_signature() {
        assert!(authorization(request("POST", "", &[], "")).ends_with(
            "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
        ));
    }

    #[test]
    fn a_signed_body_and_content_type_match_the_published_signature() {
        // post-x-www-form-urlencoded
        let r = request(
            "POST",
            "",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            "Param1=value1",
        );
        assert_eq!(
            authorization(r),
            format!("{PREFIX}SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a")
        );
    }

    #[test]
    fn signing_again_replaces_the_old_signature() {
        let (credentials, scope, at) = suite();
        let mut r = request("GET", "", &[], "");
        sign(&mut r, &credentials, &scope, &at);
        sign(&mut r, &credentials, &scope, &at);
        let count = |name: &str| r.headers.iter().filter(|(n, _)| n == name).count();
        assert_eq!((count("authorization"), count("x-amz-date")), (1, 1));
        assert!(authorization(r)
            .ends_with("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
    }

    #[test]
    fn a_session_token_is_sent_and_signed() {
        let (mut credentials, scope, at) = suite();
        credentials.session_token = Some("token".into());
        let mut r = request("GET", "", &[], "");
        sign(&mut r, &credentials, &scope, &at);
        let auth = r.headers.iter().find(|(n, _)| n == "authorization");
        assert!(auth.is_some_and(
            |(_, v)| v.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,")
        ));
    }

    #[test]
    fn a_signed_request_never_shows_its_token_or_signature() {
        let (mut credentials, scope, at) = suite();
        credentials.session_token = Some("SESSIONSECRET".into());
        let mut r = request("GET", "", &[], "");
        sign(&mut r, &credentials, &scope, &at);
        let shown = format!("{r:?}");
        assert!(shown.contains("example.amazonaws.com"));
        assert!(!shown.contains("SESSIONSECRET") && !shown.contains("Signature="));
    }

    #[test]
    fn credentials_never_show_their_secrets() {
        let (mut credentials, _, _) = suite();
        credentials.session_token = Some("SESSIONSECRET".into());
        let shown = format!("{credentials:?}");
        assert!(shown.contains("AKIDEXAMPLE"));
        assert!(!shown.contains("wJalrXUtnFEMI") && !shown.contains("SESSIONSECRET"));
    }
}
