//! Where a comment goes: resolves API URL, repository/project, PR/MR number and token from options and CI environment variables.

use std::fmt;

use anyhow::{Context, Result, anyhow, bail};

use super::{CommentOptions, Platform};

/// Default GitHub REST API base (GitHub Enterprise uses `https://HOST/api/v3`).
pub const GITHUB_DEFAULT_API: &str = "https://api.github.com";

/// A token that never shows itself in `Debug` output.
#[derive(Clone)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

/// How the token is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthScheme {
    /// GitHub: `Authorization: Bearer TOKEN`.
    Bearer,
    /// GitLab personal/project/group access token: `PRIVATE-TOKEN: TOKEN`.
    GitLabPrivateToken,
    /// GitLab CI job token: `JOB-TOKEN: TOKEN` (cannot write notes on most GitLab versions).
    GitLabJobToken,
}

impl AuthScheme {
    /// The header name the token travels in.
    pub fn header_name(self) -> &'static str {
        match self {
            AuthScheme::Bearer => "Authorization",
            AuthScheme::GitLabPrivateToken => "PRIVATE-TOKEN",
            AuthScheme::GitLabJobToken => "JOB-TOKEN",
        }
    }

    pub(crate) fn header_value(self, token: &str) -> String {
        match self {
            AuthScheme::Bearer => format!("Bearer {token}"),
            AuthScheme::GitLabPrivateToken | AuthScheme::GitLabJobToken => token.to_string(),
        }
    }

    /// The header value with the token replaced by `***`.
    pub fn redacted_value(self) -> &'static str {
        match self {
            AuthScheme::Bearer => "Bearer ***",
            AuthScheme::GitLabPrivateToken | AuthScheme::GitLabJobToken => "***",
        }
    }
}

/// A resolved destination: everything [`super::post`] needs to reach one PR or MR.
///
/// The token is private and `Debug` shows it as `***`.
#[derive(Clone)]
pub struct Target {
    pub platform: Platform,
    /// API base URL without a trailing slash, e.g. `https://api.github.com` or `https://gitlab.com/api/v4`.
    pub api_url: String,
    /// GitHub `owner/name`, or GitLab project id or path (`group/sub/proj`), as given (not URL-encoded).
    pub repo: String,
    /// Pull request number (GitHub) or merge request IID (GitLab).
    pub number: u64,
    /// Name of the environment variable the token was read from (or looked for).
    pub token_env: String,
    /// How the token is sent.
    pub auth: AuthScheme,
    /// GitLab only: the project's web URL (`CI_PROJECT_URL`), used to build links to notes.
    pub web_url: Option<String>,
    token: Option<Secret>,
}

impl Target {
    /// Whether a token was found (it may be absent only when resolved for a dry run).
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    pub(crate) fn token(&self) -> Option<&str> {
        self.token.as_ref().map(Secret::expose)
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("platform", &self.platform)
            .field("api_url", &self.api_url)
            .field("repo", &self.repo)
            .field("number", &self.number)
            .field("token_env", &self.token_env)
            .field("auth", &self.auth)
            .field("web_url", &self.web_url)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Reads a variable, treating an empty value as unset (CI systems often export empty variables).
fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name).filter(|v| !v.trim().is_empty())
}

/// Resolves where to post from `opts` overrides, falling back to CI environment variables read through `env`.
///
/// A missing token is an error unless `opts.dry_run` is set (a dry run sends nothing).
pub fn resolve_target(opts: &CommentOptions, env: &dyn Fn(&str) -> Option<String>) -> Result<Target> {
    match opts.platform {
        Platform::GitHub => resolve_github(opts, env),
        Platform::GitLab => resolve_gitlab(opts, env),
    }
}

fn resolve_github(opts: &CommentOptions, env: &dyn Fn(&str) -> Option<String>) -> Result<Target> {
    let (api_url, api_from) = match &opts.api_url {
        Some(u) => (u.clone(), "--api-url"),
        None => match var(env, "GITHUB_API_URL") {
            Some(u) => (u, "`GITHUB_API_URL`"),
            None => (GITHUB_DEFAULT_API.to_string(), "the default"),
        },
    };
    let api_url = check_api_url(&api_url, api_from)?;

    let (repo, repo_from) = match &opts.repo {
        Some(r) => (r.trim().to_string(), "--repo"),
        None => (
            var(env, "GITHUB_REPOSITORY")
                .ok_or_else(|| anyhow!("`GITHUB_REPOSITORY` is not set: pass --repo OWNER/NAME"))?,
            "`GITHUB_REPOSITORY`",
        ),
    };
    check_github_repo(&repo, repo_from)?;

    let number = match opts.number {
        Some(n) => n,
        None => github_number_from_env(env)?,
    };
    if number == 0 {
        bail!("pull request number 0 is not valid (pass --number N)");
    }

    let token_env = opts.token_env.clone().unwrap_or_else(|| "GITHUB_TOKEN".to_string());
    let token = var(env, &token_env).map(Secret);
    if token.is_none() && !opts.dry_run {
        if opts.token_env.is_some() {
            bail!("`{token_env}` is not set (the token variable chosen with --token-env)");
        }
        bail!(
            "`GITHUB_TOKEN` is not set: in GitHub Actions add `env: GITHUB_TOKEN: ${{{{ secrets.GITHUB_TOKEN }}}}` \
             to the step, or choose another variable with --token-env"
        );
    }

    Ok(Target {
        platform: Platform::GitHub,
        api_url,
        repo,
        number,
        token_env,
        auth: AuthScheme::Bearer,
        web_url: None,
        token,
    })
}

/// The PR number from `GITHUB_EVENT_PATH` (`pull_request.number`, `issue.number`, `number`),
/// else from a `GITHUB_REF` of the form `refs/pull/N/merge`.
fn github_number_from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<u64> {
    if let Some(path) = var(env, "GITHUB_EVENT_PATH") {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the GitHub event file `{path}` (`GITHUB_EVENT_PATH`)"))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("the GitHub event file `{path}` is not valid JSON"))?;
        if let Some(n) = number_from_event(&json) {
            return Ok(n);
        }
        if let Some(n) = var(env, "GITHUB_REF").and_then(|r| number_from_ref(&r)) {
            return Ok(n);
        }
        let event = var(env, "GITHUB_EVENT_NAME").unwrap_or_else(|| "unknown".to_string());
        bail!(
            "cannot tell the pull request number: the `{event}` event in `{path}` has no `pull_request.number`, \
             `issue.number` or `number`; pass --number N"
        );
    }
    if let Some(n) = var(env, "GITHUB_REF").and_then(|r| number_from_ref(&r)) {
        return Ok(n);
    }
    bail!("cannot tell the pull request number: `GITHUB_EVENT_PATH` is not set; pass --number N")
}

pub(crate) fn number_from_event(json: &serde_json::Value) -> Option<u64> {
    ["/pull_request/number", "/issue/number", "/number"]
        .iter()
        .find_map(|p| json.pointer(p).and_then(serde_json::Value::as_u64))
}

pub(crate) fn number_from_ref(r: &str) -> Option<u64> {
    let rest = r.strip_prefix("refs/pull/")?;
    let (n, tail) = rest.split_once('/')?;
    if tail != "merge" && tail != "head" {
        return None;
    }
    n.parse().ok()
}

fn check_github_repo(repo: &str, from: &str) -> Result<()> {
    let ok_part =
        |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    match repo.split_once('/') {
        Some((owner, name)) if ok_part(owner) && ok_part(name) => Ok(()),
        _ => bail!("`{repo}` (from {from}) is not an OWNER/NAME repository"),
    }
}

fn check_api_url(url: &str, from: &str) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') && !url.chars().any(char::is_whitespace) => Ok(url.to_string()),
        _ => bail!("`{url}` (from {from}) is not an http(s) API URL"),
    }
}

fn resolve_gitlab(opts: &CommentOptions, env: &dyn Fn(&str) -> Option<String>) -> Result<Target> {
    // No default: sending a self-hosted instance's token to gitlab.com by mistake would leak it.
    let (api_url, api_from) = match &opts.api_url {
        Some(u) => (u.clone(), "--api-url"),
        None => (
            var(env, "CI_API_V4_URL")
                .ok_or_else(|| anyhow!("`CI_API_V4_URL` is not set: pass --api-url, e.g. https://gitlab.com/api/v4"))?,
            "`CI_API_V4_URL`",
        ),
    };
    let api_url = check_api_url(&api_url, api_from)?;

    let (repo, repo_from) = match &opts.repo {
        Some(r) => (r.trim().trim_matches('/').to_string(), "--repo"),
        None => (
            var(env, "CI_PROJECT_ID")
                .ok_or_else(|| anyhow!("`CI_PROJECT_ID` is not set: pass --repo PROJECT_ID_OR_PATH"))?
                .trim()
                .to_string(),
            "`CI_PROJECT_ID`",
        ),
    };
    if repo.is_empty() || repo.chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!("`{repo}` (from {from}) is not a GitLab project id or path", from = repo_from);
    }

    let number = match opts.number {
        Some(n) => n,
        None => {
            let raw = var(env, "CI_MERGE_REQUEST_IID").ok_or_else(|| {
                anyhow!(
                    "`CI_MERGE_REQUEST_IID` is not set (the job is not running in a merge request pipeline; \
                     add `rules: - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"`): pass --number IID"
                )
            })?;
            raw.trim()
                .parse::<u64>()
                .map_err(|_| anyhow!("`CI_MERGE_REQUEST_IID` is `{raw}`, not a number: pass --number IID"))?
        }
    };
    if number == 0 {
        bail!("merge request IID 0 is not valid (pass --number IID)");
    }

    let (token_env, token) = match &opts.token_env {
        Some(name) => (name.clone(), var(env, name)),
        None => match var(env, "GITLAB_TOKEN") {
            Some(t) => ("GITLAB_TOKEN".to_string(), Some(t)),
            None => match var(env, "CI_JOB_TOKEN") {
                Some(t) => ("CI_JOB_TOKEN".to_string(), Some(t)),
                None => ("GITLAB_TOKEN".to_string(), None),
            },
        },
    };
    if token.is_none() && !opts.dry_run {
        if opts.token_env.is_some() {
            bail!("`{token_env}` is not set (the token variable chosen with --token-env)");
        }
        bail!(
            "no GitLab token: set `GITLAB_TOKEN` to a project access token with the `api` scope \
             (`CI_JOB_TOKEN` is used when it is absent), or choose another variable with --token-env"
        );
    }
    let auth = if token_env == "CI_JOB_TOKEN" { AuthScheme::GitLabJobToken } else { AuthScheme::GitLabPrivateToken };

    Ok(Target {
        platform: Platform::GitLab,
        web_url: var(env, "CI_PROJECT_URL").map(|u| u.trim().trim_end_matches('/').to_string()),
        api_url,
        repo,
        number,
        token_env,
        auth,
        token: token.map(Secret),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_numbers() {
        let pr: serde_json::Value = serde_json::json!({"pull_request": {"number": 12}, "number": 3});
        assert_eq!(number_from_event(&pr), Some(12));
        let issue = serde_json::json!({"issue": {"number": 7}});
        assert_eq!(number_from_event(&issue), Some(7));
        let top = serde_json::json!({"number": 9});
        assert_eq!(number_from_event(&top), Some(9));
        let push = serde_json::json!({"ref": "refs/heads/main"});
        assert_eq!(number_from_event(&push), None);
    }

    #[test]
    fn refs() {
        assert_eq!(number_from_ref("refs/pull/42/merge"), Some(42));
        assert_eq!(number_from_ref("refs/pull/42/head"), Some(42));
        assert_eq!(number_from_ref("refs/heads/pull/42/merge"), None);
        assert_eq!(number_from_ref("refs/pull/x/merge"), None);
    }

    #[test]
    fn repo_shapes() {
        assert!(check_github_repo("o/r", "--repo").is_ok());
        assert!(check_github_repo("my-org/my.repo_1", "--repo").is_ok());
        assert!(check_github_repo("o", "--repo").is_err());
        assert!(check_github_repo("o/r/x", "--repo").is_err());
        assert!(check_github_repo("/r", "--repo").is_err());
    }

    #[test]
    fn api_urls() {
        assert_eq!(check_api_url("https://x/api/v3/", "f").unwrap(), "https://x/api/v3");
        assert!(check_api_url("ftp://x", "f").is_err());
        assert!(check_api_url("https://", "f").is_err());
        assert!(check_api_url("api.github.com", "f").is_err());
    }
}
