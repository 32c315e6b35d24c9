//! Blocking HTTP for the comment bot: ureq over rustls, timeouts, retries with backoff, and error messages that never carry the token.

use std::fmt;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Result, anyhow, bail};

use super::Platform;
use super::target::{AuthScheme, Target};

/// Largest response body read (a page of 100 GitHub comments of 65,536 characters fits).
const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;
/// Longest excerpt of an API error message quoted in our errors.
const MAX_QUOTED_CHARS: usize = 300;

/// Timeouts and retry policy for every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSettings {
    /// Retries after the first attempt (so `3` means at most 4 attempts).
    pub retries: u32,
    /// First backoff delay; it doubles on each retry (1 s, 2 s, 4 s with the default).
    pub base_delay: Duration,
    /// Cap on any single wait, whether from backoff, `Retry-After` or `x-ratelimit-reset`.
    pub max_wait: Duration,
    /// Budget for DNS, TCP connect and TLS handshake.
    pub connect_timeout: Duration,
    /// Budget for one whole request, response body included.
    pub request_timeout: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            retries: 3,
            base_delay: Duration::from_secs(1),
            max_wait: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
        }
    }
}

impl HttpSettings {
    /// Defaults, except that the hidden `PLANGATE_RETRY_BASE_MS` variable sets the base backoff
    /// delay in milliseconds (for end-to-end tests of the binary).
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Self {
        let mut s = HttpSettings::default();
        if let Some(ms) = env("PLANGATE_RETRY_BASE_MS").and_then(|v| v.trim().parse::<u64>().ok()) {
            s.base_delay = Duration::from_millis(ms);
        }
        s
    }

    /// The backoff before retry number `retry` (0-based), capped at `max_wait`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(16)).unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_wait)
    }
}

/// HTTP methods the bot uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        })
    }
}

/// A response, fully read.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// First value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// The headers sent with every request, with the token either filled in or shown as `***`.
pub(crate) fn request_headers(target: &Target, token: Option<&str>) -> Vec<(&'static str, String)> {
    let auth = match token {
        Some(t) => target.auth.header_value(t),
        None => target.auth.redacted_value().to_string(),
    };
    let mut h = vec![(target.auth.header_name(), auth)];
    match target.platform {
        Platform::GitHub => {
            h.push(("Accept", "application/vnd.github+json".to_string()));
            h.push(("X-GitHub-Api-Version", "2022-11-28".to_string()));
        }
        Platform::GitLab => h.push(("Accept", "application/json".to_string())),
    }
    h.push(("User-Agent", user_agent()));
    h
}

/// `plangate/VERSION`.
pub fn user_agent() -> String {
    concat!("plangate/", env!("CARGO_PKG_VERSION")).to_string()
}

/// `scheme://host[:port]` of a URL, lowercased; `None` if it is not http(s).
pub(crate) fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

fn host_is_loopback(url: &str) -> bool {
    let Some(o) = origin(url) else { return false };
    let authority = o.split_once("://").map(|(_, a)| a).unwrap_or("");
    let host = if let Some(rest) = authority.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Replaces every occurrence of the token in `text` with `***`. Used on text that comes from outside
/// (API error bodies, transport errors), which could echo the token back.
pub(crate) fn redact(text: &str, token: Option<&str>) -> String {
    match token {
        Some(t) if !t.is_empty() => text.replace(t, "***"),
        _ => text.to_string(),
    }
}

/// Last-line guard on whole messages built by plangate (which never insert the token themselves):
/// redacts the token if it is long enough not to be an ordinary word (real tokens are 20+ characters),
/// so that a short test token does not mangle the words of the message.
pub(crate) fn scrub(text: &str, token: Option<&str>) -> String {
    match token {
        Some(t) if t.len() >= 8 => text.replace(t, "***"),
        _ => text.to_string(),
    }
}

/// The URL with its query string removed, for shorter error messages.
fn without_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

/// The whole posting run took longer than its deadline (`--deadline`).
#[derive(Debug)]
pub struct DeadlineExceeded {
    pub deadline: Duration,
}

impl fmt::Display for DeadlineExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "gave up: posting the comment took longer than its {} s deadline (`--deadline`); the forge API is \
             slow or not answering, run again later",
            self.deadline.as_secs()
        )
    }
}

impl std::error::Error for DeadlineExceeded {}

/// A blocking client bound to one target.
pub(crate) struct Client<'a> {
    agent: ureq::Agent,
    target: &'a Target,
    settings: &'a HttpSettings,
    token: &'a str,
    /// When the whole run must be over, and how long it was given.
    deadline: (Instant, Duration),
}

impl<'a> Client<'a> {
    /// A client whose requests, retries and waits all end by `started + run_deadline`.
    pub fn new(
        target: &'a Target,
        settings: &'a HttpSettings,
        started: Instant,
        run_deadline: Duration,
    ) -> Result<Self> {
        let token = target.token().ok_or_else(|| anyhow!("no token: `{}` is not set", target.token_env))?;
        // Proxies from the environment apply, except for loopback hosts (tests, local mirrors).
        let proxy = if host_is_loopback(&target.api_url) { None } else { ureq::Proxy::try_from_env() };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(settings.connect_timeout))
            .timeout_global(Some(settings.request_timeout))
            // Never follow redirects: a custom token header could be replayed to another host.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .proxy(proxy)
            .user_agent(user_agent())
            .build();
        Ok(Client { agent: config.into(), target, settings, token, deadline: (started + run_deadline, run_deadline) })
    }

    /// Time left before the run's deadline, or the error that ends the run.
    fn remaining(&self) -> Result<Duration> {
        let left = self.deadline.0.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(DeadlineExceeded { deadline: self.deadline.1 }.into());
        }
        Ok(left)
    }

    /// Sleeps `wait`, unless that would pass the deadline.
    fn sleep(&self, wait: Duration) -> Result<()> {
        if wait >= self.remaining()? {
            return Err(DeadlineExceeded { deadline: self.deadline.1 }.into());
        }
        std::thread::sleep(wait);
        Ok(())
    }

    /// Sends a request, retrying transient failures; returns only 2xx replies.
    pub fn send(&self, method: Method, url: &str, body: Option<&str>) -> Result<Reply> {
        let mut retry = 0u32;
        loop {
            let left = self.remaining()?;
            match self.once(method, url, body, left) {
                Ok(reply) if (200..300).contains(&reply.status) => return Ok(reply),
                Ok(reply) => {
                    if retry < self.settings.retries && is_retryable(&reply) {
                        self.sleep(self.wait_for(&reply, retry))?;
                        retry += 1;
                        continue;
                    }
                    return Err(self.status_error(method, url, &reply, retry + 1));
                }
                Err(_) if self.remaining().is_err() => {
                    return Err(DeadlineExceeded { deadline: self.deadline.1 }.into());
                }
                Err(e) => {
                    if retry < self.settings.retries && is_transient(&e) {
                        self.sleep(self.settings.backoff(retry))?;
                        retry += 1;
                        continue;
                    }
                    let host = origin(url).unwrap_or_else(|| url.to_string());
                    let cause = crate::render::escape::terminal(&redact(&e.to_string(), Some(self.token))).into_owned();
                    let msg = format!(
                        "cannot reach `{host}` for `{method} {}`: {cause} (gave up after {} attempt{})",
                        without_query(url),
                        retry + 1,
                        if retry == 0 { "" } else { "s" }
                    );
                    bail!(scrub(&msg, Some(self.token)));
                }
            }
        }
    }

    fn once(&self, method: Method, url: &str, body: Option<&str>, left: Duration) -> Result<Reply, ureq::Error> {
        let headers = request_headers(self.target, Some(self.token));
        // No single request may outlive the run's deadline.
        let timeout = self.settings.request_timeout.min(left);
        let connect = self.settings.connect_timeout.min(left);
        macro_rules! with_headers {
            ($rb:expr) => {{
                let mut rb = $rb.config().timeout_global(Some(timeout)).timeout_connect(Some(connect)).build();
                for (k, v) in &headers {
                    rb = rb.header(*k, v.as_str());
                }
                rb
            }};
        }
        let payload = body.unwrap_or("");
        let mut resp = match method {
            Method::Get => with_headers!(self.agent.get(url)).call()?,
            Method::Delete => with_headers!(self.agent.delete(url)).call()?,
            Method::Post => with_json(with_headers!(self.agent.post(url))).send(payload)?,
            Method::Patch => with_json(with_headers!(self.agent.patch(url))).send(payload)?,
            Method::Put => with_json(with_headers!(self.agent.put(url))).send(payload)?,
        };
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let read = resp.body_mut().with_config().limit(MAX_RESPONSE_BYTES).lossy_utf8(true).read_to_string();
        let body = match read {
            Ok(b) => b,
            // An unreadable error body is not worth failing over; a success body must be complete.
            Err(_) if !(200..300).contains(&status) => String::new(),
            Err(e) => return Err(e),
        };
        Ok(Reply { status, headers, body })
    }

    /// How long to wait before the next retry of `reply`.
    fn wait_for(&self, reply: &Reply, retry: u32) -> Duration {
        let cap = self.settings.max_wait;
        if let Some(secs) = reply.header("retry-after").and_then(|v| v.trim().parse::<u64>().ok()) {
            return Duration::from_secs(secs).min(cap);
        }
        if reply.header("x-ratelimit-remaining").map(str::trim) == Some("0")
            && let Some(reset) = reply.header("x-ratelimit-reset").and_then(|v| v.trim().parse::<u64>().ok())
        {
            let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            return Duration::from_secs(reset.saturating_sub(now) + 1).min(cap);
        }
        self.settings.backoff(retry)
    }

    /// The error for a final non-2xx reply, naming what to fix.
    fn status_error(&self, method: Method, url: &str, reply: &Reply, attempts: u32) -> anyhow::Error {
        let t = self.target;
        let status = reply.status;
        let request = format!("`{method} {}`", without_query(url));
        let api_said = api_message(&redact(&reply.body, Some(self.token)))
            .map(|m| format!("; the API said: {m}"))
            .unwrap_or_default();
        let tries = if attempts > 1 { format!(", after {attempts} attempts") } else { String::new() };
        let what = match t.platform {
            Platform::GitHub => format!("repository `{}` pull request #{}", t.repo, t.number),
            Platform::GitLab => format!("project `{}` merge request !{}", t.repo, t.number),
        };
        let msg = match (status, t.platform) {
            (401, _) => {
                let mut m = format!(
                    "token rejected: `{}` is missing, expired or has no access to `{}` (HTTP 401 from {request}){api_said}",
                    t.token_env, t.repo
                );
                if t.auth == AuthScheme::GitLabJobToken {
                    m.push_str(JOB_TOKEN_HINT);
                }
                m
            }
            (403, _) if is_rate_limited(reply) => {
                format!("rate limited by {} (HTTP 403 from {request}{tries}): wait and run again{api_said}", t.platform)
            }
            (403, Platform::GitHub) => format!(
                "permission denied (HTTP 403 from {request}): the token in `{}` needs `pull-requests: write` \
                 (or `issues: write`) permission; in GitHub Actions add `permissions: pull-requests: write` to the job \
                 (pull requests from forks only get a read-only token){api_said}",
                t.token_env
            ),
            (403, Platform::GitLab) => {
                let mut m = format!(
                    "permission denied (HTTP 403 from {request}): the token in `{}` needs the `api` scope and at least \
                     Reporter/Developer role on `{}`; `CI_JOB_TOKEN` cannot write notes, use a project access token \
                     in `GITLAB_TOKEN`{api_said}",
                    t.token_env, t.repo
                );
                if t.auth == AuthScheme::GitLabJobToken {
                    m.push_str(JOB_TOKEN_HINT);
                }
                m
            }
            (404, Platform::GitHub) => format!(
                "repository/PR not found or not visible to this token: {what} at `{}` (HTTP 404 from {request}){api_said}",
                t.api_url
            ),
            (404, Platform::GitLab) => format!(
                "project/MR not found or not visible to this token: {what} at `{}` (HTTP 404 from {request}){api_said}",
                t.api_url
            ),
            (429, _) => {
                format!("rate limited by {} (HTTP 429 from {request}{tries}): wait and run again{api_said}", t.platform)
            }
            (300..=399, _) => format!(
                "the API redirected {request} to `{}` (HTTP {status}); redirects are not followed, \
                 pass the final API URL with --api-url",
                crate::render::escape::terminal(&redact(reply.header("location").unwrap_or("?"), Some(self.token)))
            ),
            (500..=599, _) => format!("{} server error: HTTP {status} from {request}{tries}{api_said}", t.platform),
            _ => format!("the {} API rejected {request} with HTTP {status}{api_said}", t.platform),
        };
        anyhow!(scrub(&msg, Some(self.token)))
    }
}

const JOB_TOKEN_HINT: &str = "; the token came from `CI_JOB_TOKEN`, which cannot post merge request notes on most \
     GitLab versions: put a project access token with the `api` scope in `GITLAB_TOKEN`";

fn with_json<B>(rb: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
    rb.header("Content-Type", "application/json")
}

fn is_rate_limited(reply: &Reply) -> bool {
    reply.header("x-ratelimit-remaining").map(str::trim) == Some("0")
        || reply.header("retry-after").is_some()
        || reply.body.to_ascii_lowercase().contains("rate limit")
}

fn is_retryable(reply: &Reply) -> bool {
    match reply.status {
        429 | 500..=599 => true,
        403 => is_rate_limited(reply),
        _ => false,
    }
}

fn is_transient(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound
            | ureq::Error::Protocol(_)
            | ureq::Error::BodyStalled
    )
}

/// The `message` (or `error`) field of a JSON error body, shortened; else a short plain-text body.
fn api_message(body: &str) -> Option<String> {
    let text = match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v) => {
            let mut text = match v.get("message").or_else(|| v.get("error")) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => return None,
            };
            // GitHub validation errors carry the useful part in `errors[].message`.
            if let Some(errors) = v.get("errors").and_then(serde_json::Value::as_array) {
                let details: Vec<&str> =
                    errors.iter().filter_map(|e| e.get("message").and_then(serde_json::Value::as_str)).collect();
                if !details.is_empty() {
                    text = format!("{text} ({})", details.join("; "));
                }
            }
            text
        }
        Err(_) => body.trim().to_string(),
    };
    // API text is shown to people and CI logs: one line, hidden characters escaped.
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = crate::render::escape::terminal(&text).into_owned();
    if text.is_empty() {
        return None;
    }
    if text.chars().count() > MAX_QUOTED_CHARS {
        let cut: String = text.chars().take(MAX_QUOTED_CHARS).collect();
        Some(format!("{cut}..."))
    } else {
        Some(text)
    }
}

/// The `rel="next"` URL of an RFC 8288 `Link` header.
pub(crate) fn next_link(link: &str) -> Option<String> {
    for part in link.split(',') {
        let mut pieces = part.split(';');
        let url = pieces.next()?.trim();
        let url = url.strip_prefix('<')?.strip_suffix('>')?;
        let is_next = pieces.any(|p| {
            let p = p.trim();
            p.strip_prefix("rel=")
                .is_some_and(|v| v.trim_matches('"').split_whitespace().any(|r| r.eq_ignore_ascii_case("next")))
        });
        if is_next {
            return Some(url.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header() {
        let h = r#"<https://api.github.com/repositories/1/issues/2/comments?page=2>; rel="next", <https://api.github.com/repositories/1/issues/2/comments?page=5>; rel="last""#;
        assert_eq!(next_link(h).as_deref(), Some("https://api.github.com/repositories/1/issues/2/comments?page=2"));
        let last = r#"<https://x/y?page=1>; rel="prev", <https://x/y?page=1>; rel="first""#;
        assert_eq!(next_link(last), None);
        assert_eq!(next_link(""), None);
    }

    #[test]
    fn origins() {
        assert_eq!(origin("https://API.github.com/repos").as_deref(), Some("https://api.github.com"));
        assert_eq!(origin("http://127.0.0.1:8080/x?y").as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(origin("ftp://x/y"), None);
        assert_eq!(origin("https://user@evil/x"), None);
        assert!(host_is_loopback("http://127.0.0.1:9/x"));
        assert!(host_is_loopback("http://localhost:9/x"));
        assert!(host_is_loopback("http://[::1]:9/x"));
        assert!(!host_is_loopback("https://api.github.com"));
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let s = HttpSettings::default();
        assert_eq!(s.backoff(0), Duration::from_secs(1));
        assert_eq!(s.backoff(1), Duration::from_secs(2));
        assert_eq!(s.backoff(2), Duration::from_secs(4));
        assert_eq!(s.backoff(30), Duration::from_secs(60));
    }

    #[test]
    fn env_base_delay() {
        let s = HttpSettings::from_env(&|k| (k == "PLANGATE_RETRY_BASE_MS").then(|| "5".to_string()));
        assert_eq!(s.base_delay, Duration::from_millis(5));
    }

    #[test]
    fn api_messages() {
        assert_eq!(api_message(r#"{"message":"Bad credentials"}"#).as_deref(), Some("Bad credentials"));
        assert_eq!(
            api_message(r#"{"message":{"note":["is too long"]}}"#).as_deref(),
            Some(r#"{"note":["is too long"]}"#)
        );
        assert_eq!(
            api_message(r#"{"message":"Validation Failed","errors":[{"field":"body","message":"body is too long"}]}"#)
                .as_deref(),
            Some("Validation Failed (body is too long)")
        );
        assert_eq!(api_message(""), None);
        assert_eq!(api_message(&"x".repeat(1000)).unwrap().len(), MAX_QUOTED_CHARS + 3);
    }

    #[test]
    fn redaction() {
        assert_eq!(redact("a tok b tok", Some("tok")), "a *** b ***");
        assert_eq!(redact("a", Some("")), "a");
        assert_eq!(scrub("token tok", Some("tok")), "token tok");
        assert_eq!(scrub("x ghp_0123456789 y", Some("ghp_0123456789")), "x *** y");
    }
}
