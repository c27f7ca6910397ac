//! Secrets out of every text that may reach a log, a status page or a
//! metric: error messages from upstream, config errors, panics.
//!
//! An API may echo a secret in any of the encodings it travelled in (raw,
//! URL-encoded, JSON, PHP's JSON), and a request's `signature` is as good as
//! a secret for a replay; all of them are replaced by `<redacted>`.

use crate::providers::php::php_json_encode;

const REDACTED: &str = "<redacted>";

/// `text` with every secret removed, as sent (raw), URL-encoded and
/// JSON-escaped (by serde and the PHP way), and with the value after any `signature` key replaced.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        let json = serde_json::to_string(secret).unwrap_or_default();
        let php = php_json_encode(&serde_json::Value::from(*secret));
        let forms = [
            secret.to_string(),
            url_encode(secret),
            url_encode(secret).replace("%20", "+"),
            json.trim_matches('"').to_string(),
            php.trim_matches('"').to_string(),
        ];
        for form in forms.iter().filter(|f| !f.is_empty()) {
            out = out.replace(form.as_str(), REDACTED);
        }
    }
    redact_signatures(&out)
}

/// Replaces the value following each `signature` key (in JSON, a query
/// string or a form, plain or percent-encoded).
fn redact_signatures(text: &str) -> String {
    const KEY: &str = "signature";
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = lower[search..].find(KEY) {
        let mut at = search + found + KEY.len();
        // Separators between key and value: quotes, colons, equals signs,
        // spaces, backslashes and their percent-encodings.
        loop {
            let rest = &lower[at..];
            let step = ["%22", "%3a", "%3d", "%5c", "\\", "\"", ":", "=", " "]
                .iter()
                .find(|sep| rest.starts_with(**sep))
                .map(|sep| sep.len());
            match step {
                Some(n) => at += n,
                None => break,
            }
        }
        let value_len = text[at..]
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || b"+/=%_-\\".contains(b))
            .count();
        if value_len > 0 {
            out.push_str(&text[copied..at]);
            out.push_str(REDACTED);
            copied = at + value_len;
        }
        search = at + value_len;
    }
    out.push_str(&text[copied..]);
    out
}

/// Percent-encodes all but RFC 3986 unreserved characters.
pub(crate) fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_removes_secrets_in_every_encoding_and_signatures() {
        let secrets = ["k3y/+ä", "s3cr3t"];
        let echoed = concat!(
            r#"{"api_key":"k3y\/+\u00e4","signature":"AbC+\/9=="} "#,
            "json=%7B%22api_key%22%3A%22k3y%2F%2B%C3%A4%22%2C%22signature%22%3A%22AbC%2B%2F9%3D%3D%22%7D ",
            "raw k3y/+ä s3cr3t SIGNATURE=xyz123 ",
            r#"api_key=k3y%2F%2B%C3%A4"#,
        );
        let clean = redact(echoed, &secrets);
        for leak in ["k3y", "s3cr3t", "AbC", "9==", "xyz123", "%2B%2F9"] {
            assert!(!clean.contains(leak), "{leak} in {clean}");
        }
        assert!(clean.contains(r#""signature":"<redacted>""#), "{clean}");
        assert_eq!(redact("no secrets here", &secrets), "no secrets here");
    }
}
