//! ScaleEngine request signing, byte for byte as the PHP reference client.
//!
//! The API verifies `base64(hmac_sha256(json_encode($request), secret))`
//! over its own PHP `json_encode` of the request it decoded. So the JSON we
//! sign must be exactly PHP's: keys in the order sent, `/` escaped as `\/`,
//! every non-ASCII character as `\uXXXX` (lowercase hex, UTF-16 surrogate
//! pairs above the BMP): [`php_json_encode`].

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::providers::php::php_json_encode;

/// `base64_encode(hash_hmac('sha256', $json, $secret, true))`
pub fn signature(json: &str, secret: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(json.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Signs `request` and returns the final `json` form field: the request
/// with `signature` appended, encoded again the PHP way.
pub fn signed_json(mut request: Map<String, Value>, secret: &str) -> String {
    let sig = signature(&php_json_encode(&Value::Object(request.clone())), secret);
    request.insert("signature".into(), Value::String(sig));
    php_json_encode(&Value::Object(request))
}

/// Server side: whether a decoded request carries a valid signature.
/// Used by the simulator, which recomputes the way a PHP server does.
pub fn verify(mut request: Map<String, Value>, secret: &str) -> bool {
    let Some(Value::String(sent)) = request.shift_remove("signature") else {
        return false;
    };
    let expected = signature(&php_json_encode(&Value::Object(request)), secret);
    // Compare every byte, so the time taken says nothing about where they differ.
    sent.len() == expected.len()
        && sent
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::fixtures;

    /// The vectors were produced by real PHP (`tests/fixtures/php_sign.php`).
    #[test]
    fn signature_matches_php_vectors() {
        let vectors = fixtures::json("php_sign_vectors.json");
        let vectors = vectors.as_array().unwrap();
        assert!(vectors.len() >= 5);
        for v in vectors {
            let request = v["request"].as_object().unwrap().clone();
            let secret = v["secret"].as_str().unwrap();
            assert_eq!(
                php_json_encode(&Value::Object(request.clone())),
                v["canonical"].as_str().unwrap(),
                "canonical JSON of case {}",
                v["name"]
            );
            assert_eq!(
                signature(v["canonical"].as_str().unwrap(), secret),
                v["signature"].as_str().unwrap(),
                "signature of case {}",
                v["name"]
            );
            assert_eq!(
                signed_json(request, secret),
                v["json"].as_str().unwrap(),
                "posted json of case {}",
                v["name"]
            );
        }
    }

    #[test]
    fn signature_matches_php_for_slashes_and_non_ascii() {
        let value: Value = serde_json::from_str(r#"{"url":["a/b","caf\u00e9 ü","😀"]}"#).unwrap();
        assert_eq!(
            php_json_encode(&value),
            r#"{"url":["a\/b","caf\u00e9 \u00fc","\ud83d\ude00"]}"#
        );
    }

    #[test]
    fn verify_accepts_own_signature_and_rejects_tampering() {
        let request: Map<String, Value> =
            serde_json::from_str(r#"{"command":"video.usage","app":"x/y"}"#).unwrap();
        let json = signed_json(request, "s3cret");
        let decoded: Map<String, Value> = serde_json::from_str(&json).unwrap();
        assert!(verify(decoded.clone(), "s3cret"));
        assert!(!verify(decoded.clone(), "other"));
        let mut tampered = decoded;
        tampered.insert("app".into(), Value::String("z".into()));
        assert!(!verify(tampered, "s3cret"));
    }

    /// Re-runs the PHP script when PHP is installed (CI installs it and sets
    /// `REQUIRE_PHP=1`), proving the committed vectors are PHP's own output.
    #[test]
    fn committed_vectors_are_what_php_prints() {
        let output = match std::process::Command::new("php")
            .arg(fixtures::path("php_sign.php"))
            .arg(fixtures::path("php_sign_cases.json"))
            .output()
        {
            Ok(output) => output,
            Err(_) if std::env::var_os("REQUIRE_PHP").is_none() => {
                eprintln!("php not installed; skipping the live PHP comparison");
                return;
            }
            Err(e) => panic!("REQUIRE_PHP is set but php cannot run: {e}"),
        };
        assert!(output.status.success(), "{:?}", output);
        let live: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(live, fixtures::json("php_sign_vectors.json"));
    }
}
