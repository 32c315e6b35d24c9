//! Merge-request comment bot: keeps one plangate comment per marker up to date on a GitHub PR or GitLab MR.
//!
//! The body handed to [`post`] starts with a hidden marker line such as `<!-- plangate:prod -->`.
//! A comment belongs to us when its FIRST line is exactly that marker line AND it was written by the
//! identity plangate posts as (`--bot-login`, else `GET /user`, else on GitHub the documented default
//! `github-actions[bot]`): a marker in anyone else's comment is ignored, so nobody can make the bot
//! edit or delete their comment. See `docs/comment.md`.
//! The whole run has a deadline ([`CommentOptions::deadline`]): requests, retries and waits included.
//! Text from the API (URLs, error messages) is escaped for a terminal or CI log before it is kept.
//! The library never prints: it returns an [`Outcome`] (which implements `Display`) or an error.

mod github;
mod gitlab;
mod http;
mod target;

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};

use self::http::{Client, Method, Reply, origin, request_headers, scrub};

pub use self::gitlab::encode_project;
pub use self::http::{DeadlineExceeded, HttpSettings, user_agent};
pub use self::target::{AuthScheme, GITHUB_DEFAULT_API, Target, resolve_target};

/// Most pages of 100 comments read before giving up (30,000 comments).
const MAX_PAGES: u32 = 300;

/// The user GitHub Actions' `GITHUB_TOKEN` posts as; `GET /user` is refused to that token.
pub const GITHUB_ACTIONS_BOT: &str = "github-actions[bot]";

/// How long a whole posting run may take by default (`--deadline`).
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(300);

/// Text from the API, made safe to print: one line, no control sequences.
pub(crate) fn api_text(s: &str) -> String {
    crate::render::escape::terminal(s).into_owned()
}

/// Where the comment goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    GitHub,
    GitLab,
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Platform::GitHub => "GitHub",
            Platform::GitLab => "GitLab",
        })
    }
}

impl FromStr for Platform {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "github" => Ok(Platform::GitHub),
            "gitlab" => Ok(Platform::GitLab),
            _ => bail!("unknown platform `{s}`: expected `github` or `gitlab`"),
        }
    }
}

/// What to do when a comment with the marker already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Behaviour {
    /// Edit the existing comment in place (the oldest one if several carry the marker), else create one.
    #[default]
    Update,
    /// Always add a new comment; older ones stay.
    New,
    /// Add a new comment, then delete every older one carrying the marker.
    DeleteAndNew,
}

impl fmt::Display for Behaviour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Behaviour::Update => "update",
            Behaviour::New => "new",
            Behaviour::DeleteAndNew => "delete-and-new",
        })
    }
}

impl FromStr for Behaviour {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "update" => Ok(Behaviour::Update),
            "new" => Ok(Behaviour::New),
            "delete-and-new" => Ok(Behaviour::DeleteAndNew),
            _ => bail!("unknown comment behaviour `{s}`: expected `update`, `new` or `delete-and-new`"),
        }
    }
}

/// Everything `plangate comment` was asked to do. `None` overrides are taken from the environment.
#[derive(Debug, Clone)]
pub struct CommentOptions {
    pub platform: Platform,
    /// The exact marker line, e.g. `<!-- plangate:prod -->` (see [`marker_line`]).
    pub marker: String,
    pub behaviour: Behaviour,
    /// Do nothing when the comment that would be replaced already has exactly this body.
    pub skip_if_unchanged: bool,
    /// Send nothing at all; return the requests that would be made.
    pub dry_run: bool,
    /// API base URL (`--api-url`); default `GITHUB_API_URL` / `CI_API_V4_URL`.
    pub api_url: Option<String>,
    /// GitHub `owner/name` or GitLab project id or path (`--repo`); default `GITHUB_REPOSITORY` / `CI_PROJECT_ID`.
    pub repo: Option<String>,
    /// PR number or MR IID (`--number`); default from `GITHUB_EVENT_PATH` / `CI_MERGE_REQUEST_IID`.
    pub number: Option<u64>,
    /// Name of the environment variable holding the token (`--token-env`); default `GITHUB_TOKEN`,
    /// or `GITLAB_TOKEN` then `CI_JOB_TOKEN`. The token itself is never an option value.
    pub token_env: Option<String>,
    /// Timeouts and retries.
    pub http: HttpSettings,
    /// The login (GitHub) or username (GitLab) plangate posts as (`--bot-login`); default: asked
    /// from `GET /user`, else on GitHub `github-actions[bot]`.
    pub bot_login: Option<String>,
    /// The whole run ends with an error after this long (`--deadline`).
    pub deadline: Duration,
}

impl CommentOptions {
    /// Options with the defaults: update in place, no skip, real run, everything from the environment.
    pub fn new(platform: Platform, marker: impl Into<String>) -> Self {
        CommentOptions {
            platform,
            marker: marker.into(),
            behaviour: Behaviour::default(),
            skip_if_unchanged: false,
            dry_run: false,
            api_url: None,
            repo: None,
            number: None,
            token_env: None,
            http: HttpSettings::default(),
            bot_login: None,
            deadline: DEFAULT_DEADLINE,
        }
    }
}

/// What [`post`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new comment was created; `deleted` older comments carrying the marker were removed
    /// (only with [`Behaviour::DeleteAndNew`]).
    Created { url: String, id: u64, deleted: usize },
    /// The comment was edited in place. `duplicates` other comments also carry the marker and were left alone.
    Updated { url: String, id: u64, duplicates: usize },
    /// `skip_if_unchanged` and the comment already had this exact body: nothing was sent.
    Unchanged { url: String, id: u64, duplicates: usize },
    /// Nothing was sent; `request` describes what would have been (token shown as `***`).
    DryRun { request: String },
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dup = |f: &mut fmt::Formatter<'_>, n: usize| {
            if n > 0 {
                write!(
                    f,
                    " ({n} other comment{} with the same marker left alone; the oldest is the one kept up to date)",
                    if n == 1 { "" } else { "s" }
                )
            } else {
                Ok(())
            }
        };
        match self {
            Outcome::Created { url, deleted, .. } => {
                write!(f, "created comment {url}")?;
                if *deleted > 0 {
                    write!(
                        f,
                        " and deleted {deleted} older comment{} with the same marker",
                        if *deleted == 1 { "" } else { "s" }
                    )?;
                }
                Ok(())
            }
            Outcome::Updated { url, duplicates, .. } => {
                write!(f, "updated comment {url}")?;
                dup(f, *duplicates)
            }
            Outcome::Unchanged { url, duplicates, .. } => {
                write!(f, "comment {url} is already up to date")?;
                dup(f, *duplicates)
            }
            Outcome::DryRun { request } => f.write_str(request),
        }
    }
}

/// GitHub's limit on a comment body, in characters: also the Markdown
/// report's default size budget.
pub const GITHUB_MAX_BODY_CHARS: usize = 65_536;

/// Largest comment body, in characters, that the platform accepts.
pub fn max_body_chars(p: Platform) -> usize {
    match p {
        Platform::GitHub => GITHUB_MAX_BODY_CHARS,
        Platform::GitLab => 1_000_000,
    }
}

/// The one rule for a comment id (`--comment-id`, for `review`, `check` and
/// `comment` alike): 1 to 100 ASCII letters, digits or `-_.:/`, without `--`
/// (which would end the HTML comment it sits in).
pub fn check_comment_id(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 100
        && !id.contains("--")
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/'));
    if !ok {
        bail!(
            "comment id `{}` is not valid: use 1 to 100 ASCII letters, digits or `-_.:/`, without `--`",
            id.escape_debug()
        );
    }
    Ok(())
}

/// The marker line for a `--comment-id`: `<!-- plangate:ID -->` (the id
/// checked by [`check_comment_id`]).
pub fn marker_line(id: &str) -> Result<String> {
    check_comment_id(id)?;
    Ok(format!("<!-- plangate:{id} -->"))
}

/// Whether `body`'s first line is exactly `marker` (a trailing `\r` of a CRLF body is ignored).
pub fn carries_marker(body: &str, marker: &str) -> bool {
    body.lines().next() == Some(marker)
}

/// Bodies compare equal when they differ at most in CRLF vs LF line ends and trailing whitespace,
/// which the platforms may normalise when storing a comment.
fn same_body(stored: &str, new: &str) -> bool {
    let norm = |s: &str| s.replace("\r\n", "\n").trim_end().to_string();
    norm(stored) == norm(new)
}

/// A comment found on the PR/MR.
#[derive(Debug, Clone)]
pub(crate) struct Existing {
    pub id: u64,
    pub body: String,
    /// Escaped for printing ([`api_text`]).
    pub url: String,
    /// The login or username of the comment's author, when the API says.
    pub author: Option<String>,
}

/// The REST endpoints of one platform for one PR/MR.
pub(crate) trait Forge {
    /// Page `page` (1-based) of the comment list.
    fn list_url(&self, page: u32) -> String;
    /// The next page's URL, from the reply's pagination headers.
    fn next_page_url(&self, reply: &Reply, page: u32) -> Option<String>;
    /// Comments of one list page (GitLab system notes left out).
    fn parse_list(&self, body: &str) -> Result<Vec<Existing>>;
    fn create_url(&self) -> String;
    /// The URL of one comment (update and delete); `id` may be a placeholder in dry-run text.
    fn item_url(&self, id: &str) -> String;
    fn update_method(&self) -> Method;
    fn parse_one(&self, body: &str) -> Result<Existing>;
    /// The endpoint that says who the token is.
    fn user_url(&self) -> String;
    /// The login or username in its reply.
    fn parse_user(&self, body: &str) -> Option<String>;
    /// Who the token posts as when the API will not say; `None`: ask for `--bot-login`.
    fn default_identity(&self) -> Option<&'static str>;
}

/// Who plangate posts as: `--bot-login`, else the API's answer, else the platform's default.
fn identity(opts: &CommentOptions, forge: &dyn Forge, client: &Client<'_>) -> Result<String> {
    if let Some(login) = &opts.bot_login {
        return Ok(login.clone());
    }
    let asked = client.send(Method::Get, &forge.user_url(), None);
    if let Err(e) = &asked
        && e.downcast_ref::<DeadlineExceeded>().is_some()
    {
        return Err(asked.unwrap_err());
    }
    if let Some(login) = asked.ok().and_then(|r| forge.parse_user(&r.body)) {
        return Ok(login);
    }
    match forge.default_identity() {
        Some(default) => Ok(default.to_owned()),
        None => bail!(
            "cannot tell which comments plangate wrote: `GET {}` did not say who the token is; \
             pass `--bot-login USERNAME` (the user the token posts as)",
            forge.user_url()
        ),
    }
}

/// Whether a comment was written by `me` (logins compare without case, as the platforms do).
fn written_by(c: &Existing, me: &str) -> bool {
    c.author.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(me))
}

fn forge(target: &Target) -> Box<dyn Forge + '_> {
    match target.platform {
        Platform::GitHub => Box::new(github::GitHub { target }),
        Platform::GitLab => Box::new(gitlab::GitLab { target }),
    }
}

/// Posts `body` according to `opts.behaviour`, keeping one comment per marker; see `docs/comment.md`.
///
/// `body` must start with the marker line `opts.marker` and fit in [`max_body_chars`].
/// With `opts.dry_run` no request at all is made.
pub fn post(opts: &CommentOptions, target: &Target, body: &str) -> Result<Outcome> {
    if opts.platform != target.platform {
        bail!("the options are for {} but the target is on {}", opts.platform, target.platform);
    }
    let marker = opts.marker.as_str();
    if marker.trim().is_empty() || marker.contains(['\n', '\r']) {
        bail!("the marker must be one non-empty line, e.g. `<!-- plangate:plangate -->`");
    }
    if !carries_marker(body, marker) {
        bail!("the comment body must start with the marker line `{marker}`");
    }
    let limit = max_body_chars(target.platform);
    let chars = body.chars().count();
    if chars > limit {
        bail!(
            "the comment body has {chars} characters, over the {} limit of {limit}; the report must be shortened",
            target.platform
        );
    }

    let forge = forge(target);
    if opts.dry_run {
        return Ok(Outcome::DryRun {
            request: scrub(&dry_run_text(opts, target, forge.as_ref(), body), target.token()),
        });
    }

    let client = Client::new(target, &opts.http, Instant::now(), opts.deadline)?;
    let needs_list = opts.behaviour != Behaviour::New || opts.skip_if_unchanged;
    let marked: Vec<Existing> = if needs_list {
        list_all(forge.as_ref(), &client, target)?.into_iter().filter(|c| carries_marker(&c.body, marker)).collect()
    } else {
        Vec::new()
    };
    // Only our own comments count: a marker copied into anyone else's is ignored. The identity is
    // only needed (and asked for) when some comment carries the marker.
    let ours: Vec<Existing> = if marked.is_empty() {
        marked
    } else {
        let me = identity(opts, forge.as_ref(), &client)?;
        marked.into_iter().filter(|c| written_by(c, &me)).collect()
    };
    let payload = serde_json::json!({ "body": body }).to_string();

    // The comment `skip_if_unchanged` compares with: the one updated, or the newest for new comments.
    let compared = match opts.behaviour {
        Behaviour::Update => ours.first(),
        Behaviour::New | Behaviour::DeleteAndNew => ours.last(),
    };
    if opts.skip_if_unchanged
        && let Some(c) = compared.filter(|c| same_body(&c.body, body))
    {
        return Ok(Outcome::Unchanged { url: c.url.clone(), id: c.id, duplicates: ours.len() - 1 });
    }

    match opts.behaviour {
        Behaviour::Update => {
            if let Some(c) = ours.first() {
                let reply = client.send(forge.update_method(), &forge.item_url(&c.id.to_string()), Some(&payload))?;
                let updated = forge.parse_one(&reply.body).unwrap_or_else(|_| c.clone());
                return Ok(Outcome::Updated { url: updated.url, id: c.id, duplicates: ours.len() - 1 });
            }
            let created = create(forge.as_ref(), &client, &payload)?;
            Ok(Outcome::Created { url: created.url, id: created.id, deleted: 0 })
        }
        Behaviour::New => {
            let created = create(forge.as_ref(), &client, &payload)?;
            Ok(Outcome::Created { url: created.url, id: created.id, deleted: 0 })
        }
        Behaviour::DeleteAndNew => {
            // Create first, so a failure never leaves the PR/MR without a report.
            let created = create(forge.as_ref(), &client, &payload)?;
            for (i, c) in ours.iter().enumerate() {
                client.send(Method::Delete, &forge.item_url(&c.id.to_string()), None).with_context(|| {
                    format!(
                        "created comment {} but could not delete older comment {} ({} of {} deleted)",
                        created.url,
                        c.id,
                        i,
                        ours.len()
                    )
                })?;
            }
            Ok(Outcome::Created { url: created.url, id: created.id, deleted: ours.len() })
        }
    }
}

fn create(forge: &dyn Forge, client: &Client<'_>, payload: &str) -> Result<Existing> {
    let reply = client.send(Method::Post, &forge.create_url(), Some(payload))?;
    forge.parse_one(&reply.body)
}

/// Every comment on the PR/MR, oldest first, following pagination (bounded, same origin only).
fn list_all(forge: &dyn Forge, client: &Client<'_>, target: &Target) -> Result<Vec<Existing>> {
    let api_origin = origin(&target.api_url);
    let mut all = Vec::new();
    let mut page = 1u32;
    let mut url = forge.list_url(page);
    loop {
        let reply = client.send(Method::Get, &url, None)?;
        all.extend(forge.parse_list(&reply.body).with_context(|| format!("reading page {page} of the comments"))?);
        let Some(next) = forge.next_page_url(&reply, page) else {
            return Ok(all);
        };
        if origin(&next) != api_origin {
            bail!(
                "refusing to follow a pagination link to another host: `{}` (the API is `{}`)",
                next.split('?').next().unwrap_or(&next),
                target.api_url
            );
        }
        if page >= MAX_PAGES {
            return Err(anyhow!(
                "more than {MAX_PAGES} pages of comments on this {}; giving up looking for the marker",
                match target.platform {
                    Platform::GitHub => "pull request",
                    Platform::GitLab => "merge request",
                }
            ));
        }
        page += 1;
        url = next;
    }
}

/// Human-readable description of the requests a real run would make.
fn dry_run_text(opts: &CommentOptions, target: &Target, forge: &dyn Forge, body: &str) -> String {
    let marker = &opts.marker;
    let item = forge.item_url("{id}");
    let update = forge.update_method();
    let create = format!("POST {}", forge.create_url());
    let who = match &opts.bot_login {
        Some(login) => format!("written by `{login}` (--bot-login)"),
        None => match forge.default_identity() {
            Some(d) => format!("written by the token's user (GET {}, else `{d}`)", forge.user_url()),
            None => format!("written by the token's user (GET {})", forge.user_url()),
        },
    };
    let list = format!(
        "GET {} (and following pages) to find comments whose first line is `{marker}`, {who}",
        forge.list_url(1)
    );
    let skip = if opts.skip_if_unchanged {
        "; stop there if that comment already has this exact body (skip-if-unchanged)"
    } else {
        ""
    };
    let mut steps: Vec<String> = Vec::new();
    match opts.behaviour {
        Behaviour::Update => {
            steps.push(list);
            steps.push(format!("if one is found{skip}: {update} {item} (the oldest, if several)"));
            steps.push(format!("else: {create}"));
        }
        Behaviour::New => {
            if opts.skip_if_unchanged {
                steps.push(list);
                steps.push(format!("unless the newest such comment already has this exact body: {create}"));
            } else {
                steps.push(create);
            }
        }
        Behaviour::DeleteAndNew => {
            steps.push(list);
            if opts.skip_if_unchanged {
                steps.push("stop if the newest such comment already has this exact body (skip-if-unchanged)".into());
            }
            steps.push(create);
            steps.push(format!("DELETE {item} for each comment found"));
        }
    }

    let mut out = format!(
        "dry run: no request sent to {} (behaviour `{}`, {} `{}` {}{})\n",
        target.platform,
        opts.behaviour,
        match target.platform {
            Platform::GitHub => "repository",
            Platform::GitLab => "project",
        },
        target.repo,
        match target.platform {
            Platform::GitHub => "pull request #",
            Platform::GitLab => "merge request !",
        },
        target.number
    );
    for (i, s) in steps.iter().enumerate() {
        out.push_str(&format!("  {}. {s}\n", i + 1));
    }
    let headers =
        request_headers(target, None).into_iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ");
    out.push_str(&format!("  headers: {headers}\n"));
    if !target.has_token() {
        out.push_str(&format!("  note: `{}` is not set; a real run would fail without a token\n", target.token_env));
    }
    out.push_str(&format!("  deadline: {} s for the whole run\n", opts.deadline.as_secs()));
    out.push_str(&format!(
        "  body: {} characters (limit {}), {} lines, first line `{marker}`",
        body.chars().count(),
        max_body_chars(target.platform),
        body.lines().count()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_first_line_only() {
        let m = "<!-- plangate:prod -->";
        assert!(carries_marker("<!-- plangate:prod -->\nbody", m));
        assert!(carries_marker("<!-- plangate:prod -->\r\nbody", m));
        assert!(carries_marker("<!-- plangate:prod -->", m));
        assert!(!carries_marker("<!-- plangate:non-prod -->\nbody", m));
        assert!(!carries_marker("intro\n<!-- plangate:prod -->\n", m));
        assert!(!carries_marker(" <!-- plangate:prod -->\n", m));
        assert!(!carries_marker("<!-- plangate:prod --> extra\n", m));
        assert!(!carries_marker("", m));
    }

    #[test]
    fn marker_ids() {
        assert_eq!(marker_line("prod").unwrap(), "<!-- plangate:prod -->");
        assert_eq!(marker_line("non-prod").unwrap(), "<!-- plangate:non-prod -->");
        assert!(marker_line("").is_err());
        assert!(marker_line("a--b").is_err());
        assert!(marker_line("a b").is_err());
        assert!(marker_line("x -->").is_err());
    }

    #[test]
    fn body_comparison() {
        assert!(same_body("a\r\nb\n", "a\nb"));
        assert!(!same_body("a\nb", "a\nc"));
        assert!(!same_body(" a", "a"));
    }

    #[test]
    fn parse_names() {
        assert_eq!("delete-and-new".parse::<Behaviour>().unwrap(), Behaviour::DeleteAndNew);
        assert_eq!("GitLab".parse::<Platform>().unwrap(), Platform::GitLab);
        assert!("sideways".parse::<Behaviour>().is_err());
        assert_eq!(Behaviour::default(), Behaviour::Update);
    }

    #[test]
    fn limits() {
        assert_eq!(max_body_chars(Platform::GitHub), 65_536);
        assert_eq!(max_body_chars(Platform::GitLab), 1_000_000);
    }
}
