//! `basic_auth_users`: user names and bcrypt hashes, and the check of a
//! request's `Authorization: Basic` against them.
//!
//! Basic auth costs one bcrypt per new credential: verdicts are cached under
//! a SHA-256 of user, stored hash and password (never the password itself),
//! so a scrape every 15 s does not pay ~70 ms of CPU each time. A flood of
//! wrong passwords must cost no more than that: bcrypts run one at a time,
//! few may wait for their turn (the rest are answered 429 at once), and a
//! wrong password's verdict never pushes a right one out of the cache. An
//! unknown user name costs a bcrypt too, and names are compared in constant
//! time: neither time nor answer tells which names exist.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use tokio::sync::Semaphore;

use super::{invalid, Invalid, Web, WebConfig};

/// Verdicts kept for presented credentials; beyond this, random wrong ones
/// go.
const VERIFIED_CAPACITY: usize = 128;

/// New credentials being verified or waiting for their turn at once; more
/// are answered 429 Too Many Requests (exporter-toolkit's answer to a rate
/// limit), not 401: the credentials were not checked, and a client with
/// good ones should retry rather than think them wrong.
const MAX_PENDING_VERIFICATIONS: usize = 8;

/// Salt and digest of exporter-toolkit's bcrypt of "fakepassword": checked
/// for an unknown user at the configured users' cost, so that a wrong user
/// name costs what a wrong password does.
const UNKNOWN_USER_SALT_AND_DIGEST: &str = "QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

pub(super) fn check_users(
    users: BTreeMap<String, String>,
) -> Result<Vec<(String, String)>, Invalid> {
    for (user, hash) in &users {
        let key = format!("basic_auth_users.{user}");
        if user.contains(':') {
            return Err(invalid(key, "a user name cannot contain `:`"));
        }
        // The hash is a secret too: the error does not quote it.
        if hash.parse::<bcrypt::HashParts>().is_err() {
            return Err(invalid(
                key,
                "is not a bcrypt hash (make one with: htpasswd -nBC 10 \"\" | tr -d ':\\n')",
            ));
        }
    }
    Ok(users.into_iter().collect())
}

/// A hash as costly as the dearest of `users`' (they should share one).
pub(super) fn unknown_user_hash(users: &[(String, String)]) -> String {
    let cost = users
        .iter()
        .filter_map(|(_, hash)| hash.parse::<bcrypt::HashParts>().ok())
        .map(|parts| parts.get_cost())
        .max()
        .unwrap_or(bcrypt::DEFAULT_COST);
    format!("$2y${cost:02}${UNKNOWN_USER_SALT_AND_DIGEST}")
}

impl Web {
    /// Whether `headers` carry credentials the configuration accepts (any
    /// request does when it lists no users).
    pub(super) async fn authorized(
        self: &Arc<Self>,
        config: &WebConfig,
        headers: &HeaderMap,
    ) -> Access {
        if config.users.is_empty() {
            return Access::Granted;
        }
        let Some((user, password)) = basic_credentials(headers) else {
            return Access::Denied;
        };
        // Every name is compared, in constant time: no early exit tells
        // which names exist.
        let mut hash = None;
        for (name, stored) in &config.users {
            if bool::from(name.as_bytes().ct_eq(&user)) {
                hash = Some(stored.clone());
            }
        }
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| config.unknown_user_hash.clone());
        let key: [u8; 32] = {
            let mut digest = Sha256::new();
            for part in [&user[..], hash.as_bytes(), &password[..]] {
                digest.update((part.len() as u64).to_le_bytes());
                digest.update(part);
            }
            digest.finalize().into()
        };
        if let Some(verdict) = self.verified.get(&key) {
            return Access::from(verdict);
        }
        let Ok(pending) = self.verified.pending.clone().try_acquire_owned() else {
            return Access::Busy;
        };
        let web = self.clone();
        let verify = tokio::task::spawn_blocking(move || {
            let _pending = pending;
            // One bcrypt at a time: on two cores, a burst of new
            // credentials must not starve the scrapes.
            let _one = web
                .verified
                .bcrypt
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if let Some(verdict) = web.verified.get(&key) {
                return verdict;
            }
            let verdict = bcrypt::verify(&password, &hash).unwrap_or(false) && known;
            web.verified.insert(key, verdict);
            verdict
        });
        Access::from(verify.await.unwrap_or(false))
    }
}

/// What a request's credentials are worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    Granted,
    Denied,
    /// Not checked: [`MAX_PENDING_VERIFICATIONS`] are pending already.
    Busy,
}

impl From<bool> for Access {
    fn from(verdict: bool) -> Self {
        if verdict {
            Access::Granted
        } else {
            Access::Denied
        }
    }
}

/// (user, password) from `Authorization: Basic`, when well formed.
fn basic_credentials(headers: &HeaderMap) -> Option<(Vec<u8>, Vec<u8>)> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let colon = decoded.iter().position(|&b| b == b':')?;
    Some((decoded[..colon].to_vec(), decoded[colon + 1..].to_vec()))
}

/// Verdicts by credential digest, bounded; the lock that serialises
/// bcrypt, and the permits to wait for it.
pub(super) struct Verified {
    verdicts: Mutex<HashMap<[u8; 32], bool>>,
    bcrypt: Mutex<()>,
    pending: Arc<Semaphore>,
}

impl Default for Verified {
    fn default() -> Self {
        Verified {
            verdicts: Mutex::default(),
            bcrypt: Mutex::default(),
            pending: Arc::new(Semaphore::new(MAX_PENDING_VERIFICATIONS)),
        }
    }
}

impl Verified {
    fn get(&self, key: &[u8; 32]) -> Option<bool> {
        let verdicts = self.verdicts.lock().unwrap_or_else(|e| e.into_inner());
        verdicts.get(key).copied()
    }

    /// Makes room by evicting a random wrong verdict, or for a right one,
    /// a random right one: a flood of wrong passwords churns only itself,
    /// and never pushes out the scraper's verdict.
    fn insert(&self, key: [u8; 32], verdict: bool) {
        let mut verdicts = self.verdicts.lock().unwrap_or_else(|e| e.into_inner());
        if verdicts.len() >= VERIFIED_CAPACITY && !verdicts.contains_key(&key) {
            let wrong = verdicts.values().filter(|v| !**v).count();
            let (pool, n) = match (wrong, verdict) {
                (0, false) => return, // only right ones kept: not worth one
                (0, true) => (true, verdicts.len()),
                (n, _) => (false, n),
            };
            let victim = verdicts
                .iter()
                .filter(|(_, v)| **v == pool)
                .nth(fastrand::usize(..n))
                .map(|(k, _)| *k);
            if let Some(victim) = victim {
                verdicts.remove(&victim);
            }
        }
        verdicts.insert(key, verdict);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::tests::{temp_dir, write};
    use super::*;

    /// Users alice and bob with password "secret" hashed at `cost`.
    fn users(name: &str, cost: u32) -> (Arc<Web>, Arc<WebConfig>) {
        let hash = bcrypt::hash("secret", cost).unwrap();
        let path = write(
            &temp_dir(name),
            "web.yml",
            &format!("basic_auth_users:\n  alice: {hash}\n  bob: {hash}\n"),
        );
        let web = Arc::new(Web::new(&path, WebConfig::load(&path).unwrap()));
        let current = web.current.load_full();
        (web, current)
    }

    fn basic(credentials: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let value = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        );
        headers.insert(AUTHORIZATION, value.parse().unwrap());
        headers
    }

    #[tokio::test]
    async fn basic_auth_checks_user_and_password_and_caches_verdicts() {
        let (web, current) = users("auth", 4);
        let access = |credentials: &'static str| {
            let (web, current) = (web.clone(), current.clone());
            async move { web.authorized(&current, &basic(credentials)).await }
        };
        assert_eq!(access("alice:secret").await, Access::Granted);
        assert_eq!(access("bob:secret").await, Access::Granted);
        assert_eq!(access("alice:wrong").await, Access::Denied);
        assert_eq!(access("carol:secret").await, Access::Denied);
        assert_eq!(
            web.authorized(&current, &HeaderMap::new()).await,
            Access::Denied
        );
        // Four verdicts, none holding a password.
        assert_eq!(web.verified.verdicts.lock().unwrap().len(), 4);
        // A cached verdict is the same verdict.
        assert_eq!(access("alice:secret").await, Access::Granted);
        assert_eq!(access("alice:wrong").await, Access::Denied);
    }

    /// A flood of new credentials while bcrypt is busy: a few wait, the
    /// rest are refused at once, and a cached right one is still let in.
    #[tokio::test(flavor = "multi_thread")]
    async fn verifications_beyond_the_bound_are_refused_at_once() {
        let (web, current) = users("auth-flood", 4);
        assert_eq!(
            web.authorized(&current, &basic("alice:secret")).await,
            Access::Granted
        );
        let within = Duration::from_secs(30);
        let (release, released) = std::sync::mpsc::channel::<()>();
        let holder = tokio::task::spawn_blocking({
            let web = web.clone();
            move || {
                let _busy = web.verified.bcrypt.lock().unwrap();
                released.recv().unwrap();
            }
        });
        let waiting: Vec<_> = (0..MAX_PENDING_VERIFICATIONS)
            .map(|i| {
                let (web, current) = (web.clone(), current.clone());
                tokio::spawn(async move {
                    let credentials = basic(&format!("alice:guess{i}"));
                    web.authorized(&current, &credentials).await
                })
            })
            .collect();
        let deadline = std::time::Instant::now() + within;
        while web.verified.pending.available_permits() > 0 {
            assert!(std::time::Instant::now() < deadline, "never all pending");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let refused = tokio::time::timeout(
            within,
            web.authorized(&current, &basic("alice:one-too-many")),
        )
        .await;
        assert_eq!(refused.ok(), Some(Access::Busy));
        assert_eq!(
            web.authorized(&current, &basic("alice:secret")).await,
            Access::Granted
        );
        release.send(()).unwrap();
        holder.await.unwrap();
        for verdict in waiting {
            assert_eq!(verdict.await.unwrap(), Access::Denied);
        }
        assert_eq!(
            web.authorized(&current, &basic("bob:secret")).await,
            Access::Granted
        );
    }

    #[test]
    fn unknown_users_cost_what_configured_users_cost() {
        let (_, current) = users("auth-cost", 5);
        let parts: bcrypt::HashParts = current.unknown_user_hash.parse().unwrap();
        assert_eq!(parts.get_cost(), 5);
        assert_eq!(
            bcrypt::verify("secret", &current.unknown_user_hash).ok(),
            Some(false)
        );
    }

    #[test]
    fn the_verdict_cache_is_bounded() {
        let verified = Verified::default();
        for i in 0..1000u32 {
            let mut key = [0u8; 32];
            key[..4].copy_from_slice(&i.to_le_bytes());
            verified.insert(key, false);
        }
        assert_eq!(verified.verdicts.lock().unwrap().len(), VERIFIED_CAPACITY);
    }

    #[test]
    fn a_flood_of_wrong_passwords_never_evicts_a_right_one() {
        let verified = Verified::default();
        let right = [0xff; 32];
        verified.insert(right, true);
        for i in 0..1000u32 {
            let mut key = [0u8; 32];
            key[..4].copy_from_slice(&i.to_le_bytes());
            verified.insert(key, false);
        }
        assert_eq!(verified.get(&right), Some(true));
    }

    #[test]
    fn credentials_are_parsed_from_basic_only() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, "basic dTpwOnE=".parse().unwrap());
        assert_eq!(
            basic_credentials(&headers),
            Some((b"u".to_vec(), b"p:q".to_vec()))
        );
        headers.insert(AUTHORIZATION, "Bearer dTpw".parse().unwrap());
        assert_eq!(basic_credentials(&headers), None);
    }
}
