//! The login limiter's policy: who is slowed down after failed logins, and who never is.
//!
//! Failures are counted per account (or per unknown login name) and per client address, in the
//! store, so every server process on one database sees the same counts. After a few free
//! failures each key is blocked for a delay that doubles with every further failure, up to
//! [`MAX_DELAY_SECS`]; a run of failures ends after [`RESTART_AFTER_SECS`] without one.
//!
//! The account's *usual origins* (a browser or an address it logged in from in the last
//! [`ORIGIN_MEMORY_DAYS`] days, the browser known by a device cookie) are not held up by
//! failures from elsewhere, so a flood of wrong guesses cannot lock the clinic out: the usual
//! browser is never refused, and behind a reverse proxy (where every user shares the proxy's
//! address unless `trusted_proxies` names it) the device cookie still tells the user's own
//! browser apart. A usual *address* is shared (an office, a NAT, that proxy), so it has an
//! allowance of its own instead: failures are also counted for the account at that address,
//! with the account's limits, and while that count blocks, the address is refused like any
//! other. Someone at the office therefore gets an account's few free guesses (and its
//! doubling delays), not unlimited ones, while guesses from elsewhere cannot lock the office
//! out. Attempts on one account take turns within a process ([`LoginTurns`]), so guesses sent
//! at once are counted one by one.
//!
//! Nothing typed is kept: keys are hashes, the unknown login name in the audit log is a 16-bit
//! hash prefix, and addresses are hashed. Left out: CAPTCHAs and e-mail alerts.

use std::net::IpAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use tonus_store::{LoginFailures, Timestamp, UserId, token};

use crate::error::WebError;
use crate::state::AppState;

/// Failures an account (or unknown login name) may have before it is slowed down.
pub(crate) const ACCOUNT_FREE_FAILURES: i64 = 5;
/// Failures one address may have before it is slowed down.
pub(crate) const ADDRESS_FREE_FAILURES: i64 = 20;
/// The first delay after the free failures, seconds; each further failure doubles it.
pub(crate) const FIRST_DELAY_SECS: i64 = 15;
/// The longest delay, seconds.
pub(crate) const MAX_DELAY_SECS: i64 = 15 * 60;
/// A run of failures is forgotten after this long without another, seconds.
pub(crate) const RESTART_AFTER_SECS: i64 = 3600;
/// How long a successful login's address or browser stays "usual", days.
pub(crate) const ORIGIN_MEMORY_DAYS: i64 = 90;
/// The device cookie's name.
pub(crate) const DEVICE_COOKIE: &str = "tonus_device";
/// Longest login name looked up; longer input is treated as an unknown name without a query.
pub(crate) const MAX_LOGIN_LEN: usize = 64;

/// Where a login attempt comes from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Origin {
    /// The client's address, after any trusted proxies.
    pub address: Option<IpAddr>,
    /// The browser's device cookie, if it has one.
    pub device: Option<String>,
}

impl Origin {
    /// The limiter key of the address (IPv6 by its /64 network, which one host usually owns).
    fn address_key(&self) -> Option<String> {
        self.address.map(|address| format!("address:{}", short_hash(&network(address), 32)))
    }

    /// The origins a successful login is remembered under.
    fn origins(&self) -> Vec<String> {
        let mut origins = self.address_origins();
        origins.extend(self.device_origins());
        origins
    }

    /// The address, as an origin.
    fn address_origins(&self) -> Vec<String> {
        self.address_key().into_iter().collect()
    }

    /// The browser's device cookie, as an origin.
    fn device_origins(&self) -> Vec<String> {
        self.device.iter().map(|device| format!("device:{}", short_hash(device, 32))).collect()
    }
}

/// The text of an address's network: the address for IPv4, its /64 for IPv6.
fn network(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The first `len` hex digits of the SHA-256 of `text`.
fn short_hash(text: &str, len: usize) -> String {
    let mut hash = token::hash(text);
    hash.truncate(len);
    hash
}

/// How the audit log names the target of a failed login: the account's id when it exists,
/// otherwise a 16-bit hash of the typed name (enough to see repeats, too little to recover a
/// password typed into the name field).
pub(crate) fn audit_target(user: Option<UserId>, login: &str) -> String {
    user.map_or_else(|| format!("unknown:{}", short_hash(login, 4)), |id| id.to_string())
}

/// The limiter key of an account, or of a login name that names none.
fn account_key(user: Option<UserId>, login: &str) -> String {
    user.map_or_else(|| format!("name:{}", short_hash(login, 32)), |id| format!("account:{id}"))
}

/// Seconds a key stays blocked after its latest failure.
pub(crate) fn delay_secs(failures: i64, free: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let doublings = u32::try_from(failures - free).unwrap_or(u32::MAX).min(16);
    FIRST_DELAY_SECS.saturating_mul(1 << doublings).min(MAX_DELAY_SECS)
}

/// The moment until which a counter blocks, if it does.
fn blocked_until(counter: &LoginFailures) -> Timestamp {
    let free = if counter.key.starts_with("address:") { ADDRESS_FREE_FAILURES } else { ACCOUNT_FREE_FAILURES };
    counter.last_failed_at.plus_seconds(delay_secs(counter.failures, free))
}

/// Stripes of [`LoginTurns`].
const TURN_STRIPES: usize = 64;

/// Logins of one account (or unknown name) take turns within a process: the limiter's check,
/// the password's verification and the failure's count are one step, so guesses sent at once
/// cannot all pass the check before the first is counted. The turns are striped by the key's
/// hash, so they cannot grow with the names an attacker types; two keys on one stripe only
/// wait for each other. (Processes sharing one database each take their own turns.)
#[derive(Debug)]
pub(crate) struct LoginTurns(Vec<tokio::sync::Mutex<()>>);

impl Default for LoginTurns {
    fn default() -> Self {
        Self((0..TURN_STRIPES).map(|_| tokio::sync::Mutex::new(())).collect())
    }
}

impl LoginTurns {
    /// Waits for the account's turn.
    async fn take(&self, account_key: &str) -> tokio::sync::MutexGuard<'_, ()> {
        let stripe = usize::from_str_radix(&short_hash(account_key, 4), 16).unwrap_or(0) % self.0.len();
        self.0[stripe].lock().await
    }
}

/// One login attempt's view of the limiter.
#[derive(Debug)]
pub(crate) struct Attempt {
    /// The account's and the address's keys, which block.
    keys: Vec<String>,
    account_key: String,
    /// The account at this address: the allowance of a usual address while the account is
    /// blocked (absent for an unknown name or address).
    pair_key: Option<String>,
    origin: Origin,
}

impl Attempt {
    /// Waits for this account's turn (see [`LoginTurns`]); hold it until the attempt is counted.
    pub(crate) async fn turn<'a>(&self, state: &'a AppState) -> tokio::sync::MutexGuard<'a, ()> {
        state.login_turns.take(&self.account_key).await
    }

    pub(crate) fn new(user: Option<UserId>, login: &str, origin: Origin) -> Self {
        let account_key = account_key(user, login);
        let keys = std::iter::once(account_key.clone()).chain(origin.address_key()).collect();
        let pair_key = user.zip(origin.address.map(network)).map(|(id, net)| format!("pair:{id}:{}", short_hash(&net, 32)));
        Self { keys, account_key, pair_key, origin }
    }

    /// `Err(TooManyAttempts)` when the account or the address is blocked, unless the attempt
    /// comes from the account's usual browser, or from its usual address while that address's
    /// own failures for the account are within their allowance.
    pub(crate) async fn check(&self, state: &AppState, user: Option<UserId>, now: Timestamp) -> Result<(), WebError> {
        let keys: Vec<String> = self.keys.iter().chain(&self.pair_key).cloned().collect();
        let counters = state.store.login_failures(&keys, now.plus_seconds(-RESTART_AFTER_SECS)).await?;
        let blocked = |key: &str| counters.iter().filter(|c| c.key == key).map(blocked_until).find(|until| *until > now);
        let Some(until) = self.keys.iter().filter_map(|k| blocked(k)).max() else {
            return Ok(());
        };
        if let Some(user) = user {
            let since = now.plus_seconds(-ORIGIN_MEMORY_DAYS * 86_400);
            if state.store.is_login_origin(user, &self.origin.device_origins(), since).await? {
                return Ok(());
            }
            let address = self.origin.address_origins();
            let pair_blocked = self.pair_key.as_deref().and_then(blocked);
            if pair_blocked.is_none() && !address.is_empty() && state.store.is_login_origin(user, &address, since).await? {
                return Ok(());
            }
        }
        let retry_after_secs = u64::try_from((until.0 - now.0 + 999) / 1000).unwrap_or(1).max(1);
        Err(WebError::TooManyAttempts { retry_after_secs })
    }

    /// Counts a failure under the account, the address and the account at the address.
    pub(crate) async fn failed(&self, state: &AppState, now: Timestamp) -> Result<(), WebError> {
        let keys: Vec<String> = self.keys.iter().chain(&self.pair_key).cloned().collect();
        state.store.record_login_failure(&keys, now, now.plus_seconds(-RESTART_AFTER_SECS)).await?;
        Ok(())
    }

    /// Clears the account's failures (also at this address) and remembers the origin as usual
    /// for the account.
    pub(crate) async fn succeeded(&self, state: &AppState, user: UserId, now: Timestamp) -> Result<(), WebError> {
        state.store.clear_login_failures(&self.account_key).await?;
        if let Some(pair) = &self.pair_key {
            state.store.clear_login_failures(pair).await?;
        }
        for origin in self.origin.origins() {
            state.store.remember_login_origin(user, &origin, now).await?;
        }
        Ok(())
    }
}

/// The device cookie of a request, if it looks like one of ours.
pub(crate) fn device_cookie(headers: &HeaderMap) -> Option<String> {
    crate::auth::cookie_value(headers, DEVICE_COOKIE).filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The client's address: the socket peer, or, when the peer is a trusted proxy, the nearest
/// address in `X-Forwarded-For` that is not itself a trusted proxy.
pub(crate) fn client_address(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    Some(forwarded.into_iter().rev().find(|address| !trusted.contains(address)).unwrap_or(peer))
}

/// The origin of a request: its client address and device cookie.
#[derive(Debug, Clone)]
pub(crate) struct RequestOrigin(pub Origin);

impl FromRequestParts<AppState> for RequestOrigin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
        let address = client_address(peer, &parts.headers, &state.settings.trusted_proxies);
        Ok(Self(Origin { address, device: device_cookie(&parts.headers) }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_after_the_free_failures_up_to_the_cap() {
        let delays: Vec<i64> = (0..=14).map(|f| delay_secs(f, ACCOUNT_FREE_FAILURES)).collect();
        assert_eq!(delays, [0, 0, 0, 0, 0, 15, 30, 60, 120, 240, 480, 900, 900, 900, 900]);
        assert_eq!(delay_secs(i64::MAX, ADDRESS_FREE_FAILURES), MAX_DELAY_SECS);
        assert_eq!(delay_secs(19, ADDRESS_FREE_FAILURES), 0);
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9, 198.51.100.7, 10.0.0.2".parse().unwrap());
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let other: IpAddr = "192.0.2.1".parse().unwrap();
        // Not trusted: the header is the client's own claim and is ignored.
        assert_eq!(client_address(Some(other), &headers, &[proxy]), Some(other));
        // Trusted: the nearest untrusted hop is the client.
        assert_eq!(client_address(Some(proxy), &headers, &[proxy]), Some("198.51.100.7".parse().unwrap()));
        assert_eq!(client_address(Some(proxy), &HeaderMap::new(), &[proxy]), Some(proxy));
        assert_eq!(client_address(None, &headers, &[proxy]), None);
    }

    #[test]
    fn keys_and_audit_targets_are_short_hashes_never_the_typed_text() {
        let typed = "correct horse battery staple".repeat(1000);
        let target = audit_target(None, &typed);
        assert!(target.starts_with("unknown:") && target.len() == "unknown:".len() + 4, "{target}");
        let attempt = Attempt::new(None, &typed, Origin { address: Some("2001:db8::1".parse().unwrap()), device: None });
        assert!(attempt.keys.iter().all(|k| k.len() <= tonus_store::MAX_LOGIN_KEY_LEN && !k.contains("horse")), "{:?}", attempt.keys);
        // Two hosts in one IPv6 /64 share a key; IPv4-mapped addresses equal the IPv4 address.
        let a = Origin { address: Some("2001:db8::1".parse().unwrap()), device: None };
        let b = Origin { address: Some("2001:db8::ffff:2".parse().unwrap()), device: None };
        assert_eq!(a.address_key(), b.address_key());
        let v4 = Origin { address: Some("192.0.2.1".parse().unwrap()), device: None };
        let mapped = Origin { address: Some("::ffff:192.0.2.1".parse().unwrap()), device: None };
        assert_eq!(v4.address_key(), mapped.address_key());
    }
}
