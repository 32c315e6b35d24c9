//! Settings resolved once from the raw command line: every flag checked by
//! one rule (the same rule wherever the flag appears), defaults filled in
//! (today from the clock, colour from the terminal and `NO_COLOR`), clap's
//! enums mapped to the library's types. The commands then only run.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use plangate::comment::{self, Behaviour, Platform};
use plangate::policy::Date;
use plangate::render::Format;
use plangate::render::markdown::{CiContext, MarkdownOptions};
use plangate::review::Env;
use plangate::rules::{self, Level, RuleId};
use plangate::stacks::{Approvals, Pattern};

use super::args::{
    BehaviourArg, CheckArgs, Cli, ColorChoice, Command, CommentArgs, Common, EnvArg, FailOn, GateArgs, PlansArgs,
    PlatformArg, PolicyCommand, ReviewArgs,
};

/// The smallest `--max-chars` accepted: room for the verdict and a few findings.
const MIN_MAX_CHARS: usize = 1000;

/// One command, ready to run.
pub enum Settings {
    Review {
        inputs: Inputs,
        approved: Approved,
        gate: Gate,
        report: Report,
    },
    Check {
        plans: Vec<String>,
        env: Env,
        gate: Gate,
        report: Report,
    },
    Fingerprint {
        plans: Vec<String>,
    },
    PolicyValidate {
        paths: Vec<PathBuf>,
        no_default_policy: bool,
    },
    PolicyShow {
        paths: Vec<PathBuf>,
        no_default_policy: bool,
    },
    Rules {
        explain: Option<RuleId>,
    },
    Comment(Box<CommentSettings>),
    /// `plangate completions SHELL`.
    Completions(clap_complete::Shell),
}

/// Which plans `review` (and `comment`) reads.
pub enum Inputs {
    /// One staging plan and one prod plan (files, or `-`).
    Pair { staging: String, prod: String },
    /// Two directories of stacks' plans, paired by relative path.
    Dirs { staging: String, prod: String },
    /// `--plans PATTERN`.
    Pattern(Pattern),
}

/// What the staging plans must be.
pub enum Approved {
    Nothing,
    /// `--approved DIGEST` (well formed, normalized).
    Digest(String),
    /// `--approved-file FILE`, parsed.
    File(Approvals),
}

/// What every gating command takes: policy, failure threshold, date.
pub struct Gate {
    pub policy: Vec<PathBuf>,
    pub no_default_policy: bool,
    /// The least severe verdict that fails the gate (exit 1).
    pub fail_on: Level,
    pub today: Date,
}

/// How and where a report is written.
pub struct Report {
    pub format: Format,
    /// `-o FILE`; `None` for standard output.
    pub output: Option<PathBuf>,
    /// `--report FORMAT=FILE`: more formats from the same run.
    pub extra: Vec<(Format, PathBuf)>,
    /// Colour in text written to a terminal.
    pub color: bool,
    pub markdown: MarkdownOptions,
    /// `GITHUB_STEP_SUMMARY`: the job summary file the Markdown report is appended to.
    pub step_summary: Option<PathBuf>,
}

impl Report {
    /// What the formats written show that costs time to compute.
    pub fn shows(&self) -> Shows {
        let formats = || std::iter::once(self.format).chain(self.extra.iter().map(|(f, _)| *f));
        Shows {
            diffs: self.step_summary.is_some() || formats().any(Format::shows_diffs),
            digests: self.step_summary.is_some() || formats().any(Format::shows_digests),
        }
    }
}

/// What a run's reports show beyond findings and changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shows {
    /// Per-attribute `before -> after` diffs (text, Markdown).
    pub diffs: bool,
    /// Each plan's digest (JSON, Markdown).
    pub digests: bool,
}

impl Shows {
    /// Everything: the merge-request comment (Markdown) and its log (text).
    pub const ALL: Shows = Shows { diffs: true, digests: true };
}

/// The GitHub Actions job summary file, when the runner provides one.
pub fn step_summary() -> Option<PathBuf> {
    std::env::var_os("GITHUB_STEP_SUMMARY").filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// `plangate comment`.
pub struct CommentSettings {
    pub platform: Platform,
    pub source: CommentSource,
    /// The comment's id (checked) and size budget (at most the platform's limit).
    pub markdown: MarkdownOptions,
    /// `--report FORMAT=FILE`: more formats from the same run.
    pub extra: Vec<(Format, PathBuf)>,
    /// Colour in the text report printed to standard output.
    pub color: bool,
    /// `GITHUB_STEP_SUMMARY`, as for [`Report`].
    pub step_summary: Option<PathBuf>,
    pub behaviour: Behaviour,
    pub skip_if_unchanged: bool,
    pub dry_run: bool,
    pub repo: Option<String>,
    pub number: Option<u64>,
    pub api_url: Option<String>,
    pub token_env: Option<String>,
    pub bot_login: Option<String>,
    pub deadline: std::time::Duration,
}

/// Where the comment's body comes from.
pub enum CommentSource {
    /// Review these plans here; the exit status is the gate's.
    Review { inputs: Inputs, approved: Approved, gate: Gate },
    /// A Markdown file rendered earlier.
    Body(PathBuf),
}

impl Settings {
    /// Checks and resolves the raw command line.
    pub fn resolve(cli: Cli) -> Result<Settings> {
        Ok(match cli.command {
            Command::Review(ReviewArgs { plans, common }) => {
                let (inputs, approved) = inputs(plans)?;
                let report = report(&common)?;
                Settings::Review { inputs, approved, gate: gate(&common.gate)?, report }
            }
            Command::Check(CheckArgs { plans, env, common }) => {
                one_stdin(plans.iter().map(String::as_str))?;
                let env = match env {
                    EnvArg::Prod => Env::Prod,
                    EnvArg::Staging => Env::Staging,
                };
                let report = report(&common)?;
                Settings::Check { plans, env, gate: gate(&common.gate)?, report }
            }
            Command::Fingerprint { plans } => {
                one_stdin(plans.iter().map(String::as_str))?;
                Settings::Fingerprint { plans }
            }
            Command::Policy(PolicyCommand::Validate { paths, no_default_policy }) => {
                Settings::PolicyValidate { paths, no_default_policy }
            }
            Command::Policy(PolicyCommand::Show { paths, no_default_policy }) => {
                Settings::PolicyShow { paths, no_default_policy }
            }
            Command::Rules { explain } => Settings::Rules { explain: explain.as_deref().map(rule_id).transpose()? },
            Command::Comment(args) => Settings::Comment(Box::new(comment_settings(args)?)),
            Command::Completions { shell } => Settings::Completions(shell),
        })
    }
}

fn rule_id(id: &str) -> Result<RuleId> {
    id.parse::<RuleId>().or_else(|()| {
        let ids: Vec<&str> = rules::RULES.iter().map(|r| r.id.name()).collect();
        bail!("unknown finding id `{id}`; known ids: {}", ids.join(", "))
    })
}

fn gate(g: &GateArgs) -> Result<Gate> {
    let fail_on = match g.fail_on {
        FailOn::Block => Level::Block,
        FailOn::Warn => Level::Warn,
    };
    Ok(Gate {
        policy: g.policy.clone(),
        no_default_policy: g.no_default_policy,
        fail_on,
        today: today(g.today.as_deref())?,
    })
}

fn today(arg: Option<&str>) -> Result<Date> {
    match arg {
        Some(s) => Date::parse(s).with_context(|| format!("`--today {s}` is not a date; write YYYY-MM-DD")),
        None => {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .context("the system clock is before 1970")?
                .as_secs();
            Ok(Date::from_unix_days((secs / 86_400) as i64))
        }
    }
}

/// The one rule for `--comment-id` and `--max-chars`, wherever they appear.
fn markdown(comment_id: &str, max_chars: usize) -> Result<MarkdownOptions> {
    comment::check_comment_id(comment_id)?;
    if max_chars < MIN_MAX_CHARS {
        bail!("`--max-chars` must be at least {MIN_MAX_CHARS}");
    }
    Ok(MarkdownOptions { comment_id: comment_id.to_owned(), max_chars, ci: ci_context() })
}

/// The commit and run the CI environment names (GitHub Actions, then GitLab
/// CI), for the comment to say what was compared.
fn ci_context() -> CiContext {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let github_run = match (var("GITHUB_SERVER_URL"), var("GITHUB_REPOSITORY"), var("GITHUB_RUN_ID")) {
        (Some(server), Some(repo), Some(run)) => Some(format!("{server}/{repo}/actions/runs/{run}")),
        _ => None,
    };
    CiContext {
        commit: var("GITHUB_SHA").or_else(|| var("CI_COMMIT_SHA")),
        run_url: github_run.or_else(|| var("CI_JOB_URL")).or_else(|| var("CI_PIPELINE_URL")),
    }
}

/// `--approved`: a digest as `plangate fingerprint` prints it (`sha256:`
/// and 64 hex digits; the prefix may be left out), normalized. Anything else
/// is a usage error: comparing with it could only ever block.
fn approved_digest(s: &str) -> Result<String> {
    let t = s.trim();
    let hex = t.strip_prefix("sha256:").unwrap_or(t);
    if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        bail!(
            "`--approved {}` is not a plan digest: give `sha256:` and 64 hex digits, as \
             `plangate fingerprint STAGING_PLAN` prints it",
            plangate::plan::escape_for_message(s)
        );
    }
    Ok(format!("sha256:{}", hex.to_ascii_lowercase()))
}

/// Colour for text written to standard output.
fn color(choice: ColorChoice, to_stdout: bool) -> bool {
    let terminal = to_stdout && std::io::stdout().is_terminal();
    color_for(choice, terminal, &|k| std::env::var_os(k))
}

/// `--color always|never` as given; `auto`: only on a terminal, and not with
/// `NO_COLOR` set (to anything but empty) or `TERM=dumb`.
fn color_for(choice: ColorChoice, terminal: bool, env: &dyn Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            terminal && env("NO_COLOR").is_none_or(|v| v.is_empty()) && env("TERM").is_none_or(|t| t != "dumb")
        }
    }
}

fn report(c: &Common) -> Result<Report> {
    let markdown = markdown(&c.comment_id, c.max_chars)?;
    let color = color(c.color, c.output.is_none());
    Ok(Report {
        format: c.format,
        output: c.output.clone(),
        extra: c.report.clone(),
        color,
        markdown,
        step_summary: step_summary(),
    })
}

fn comment_settings(args: CommentArgs) -> Result<CommentSettings> {
    let platform = match args.platform {
        PlatformArg::Github => Platform::GitHub,
        PlatformArg::Gitlab => Platform::GitLab,
    };
    let limit = comment::max_body_chars(platform);
    let markdown = markdown(&args.comment_id, args.max_chars.unwrap_or(limit).min(limit))?;
    let source = match args.body {
        Some(path) => CommentSource::Body(path),
        None if args.plans.prod.is_some() || args.plans.plans.is_some() => {
            let (inputs, approved) = inputs(args.plans)?;
            CommentSource::Review { inputs, approved, gate: gate(&args.gate)? }
        }
        None => bail!("give `--staging` and `--prod` (or `--plans`) to review and post, or `--body FILE`"),
    };
    let behaviour = match args.behaviour {
        BehaviourArg::Update => Behaviour::Update,
        BehaviourArg::New => Behaviour::New,
        BehaviourArg::DeleteAndNew => Behaviour::DeleteAndNew,
    };
    Ok(CommentSettings {
        platform,
        source,
        markdown,
        extra: args.report,
        color: color(args.color, true),
        step_summary: step_summary(),
        behaviour,
        skip_if_unchanged: args.skip_if_unchanged,
        dry_run: args.dry_run,
        repo: args.repo,
        number: args.number,
        api_url: args.api_url,
        token_env: args.token_env,
        bot_login: args.bot_login,
        deadline: std::time::Duration::from_secs(args.deadline),
    })
}

/// The one rule for the plan inputs and approval flags of `review` and `comment`.
fn inputs(args: PlansArgs) -> Result<(Inputs, Approved)> {
    let inputs = match (args.plans, args.staging, args.prod) {
        (Some(pattern), _, _) => Inputs::Pattern(Pattern::parse(&pattern)?),
        (None, Some(staging), Some(prod)) => {
            let is_dir = |p: &str| p != "-" && std::fs::metadata(p).is_ok_and(|m| m.is_dir());
            match (is_dir(&staging), is_dir(&prod)) {
                (true, true) => Inputs::Dirs { staging, prod },
                (false, false) => {
                    one_stdin([staging.as_str(), prod.as_str()])?;
                    Inputs::Pair { staging, prod }
                }
                (s, _) => bail!(
                    "`{}` is a directory and `{}` is not (or does not exist); give `--staging` and `--prod` as two plan \
                     files, or as two directories of stacks' plans",
                    if s { &staging } else { &prod },
                    if s { &prod } else { &staging }
                ),
            }
        }
        _ => bail!("give `--staging PLAN --prod PLAN` (files or directories), or `--plans PATTERN`"),
    };
    let approved = match (args.approved, args.approved_file) {
        (Some(d), _) => {
            if !matches!(inputs, Inputs::Pair { .. }) {
                bail!("`--approved` is the digest of one staging plan; for many stacks give `--approved-file FILE`");
            }
            Approved::Digest(approved_digest(&d)?)
        }
        (None, Some(path)) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read `--approved-file {}`", path.display()))?;
            Approved::File(Approvals::parse(&path.display().to_string(), &text)?)
        }
        (None, None) => Approved::Nothing,
    };
    Ok((inputs, approved))
}

fn one_stdin<'a>(paths: impl IntoIterator<Item = &'a str>) -> Result<()> {
    if paths.into_iter().filter(|p| *p == "-").count() > 1 {
        bail!("only one plan can be read from standard input (`-`)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color_or_dumb_term() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| std::ffi::OsString::from(v))
        };
        let auto = |terminal, pairs| color_for(ColorChoice::Auto, terminal, &env(pairs));
        assert!(auto(true, &[]));
        assert!(auto(true, &[("TERM", "xterm-256color"), ("NO_COLOR", "")]));
        assert!(!auto(false, &[]));
        assert!(!auto(true, &[("TERM", "dumb")]));
        assert!(!auto(true, &[("NO_COLOR", "1")]));
        assert!(color_for(ColorChoice::Always, false, &env(&[("TERM", "dumb")])));
        assert!(!color_for(ColorChoice::Never, true, &env(&[])));
    }

    #[test]
    fn approved_digests_are_normalized_or_refused() {
        let hex = "ab".repeat(32);
        assert_eq!(approved_digest(&format!("sha256:{hex}")).unwrap(), format!("sha256:{hex}"));
        assert_eq!(approved_digest(&format!(" {} \n", hex.to_uppercase())).unwrap(), format!("sha256:{hex}"));
        for bad in ["", "sha256:", &hex[1..], &format!("{hex}0"), &format!("sha1:{hex}"), &"z".repeat(64)] {
            assert!(approved_digest(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn markdown_settings_have_one_rule() {
        assert!(markdown("prod-gate", 1000).is_ok());
        assert!(markdown("team/app:prod", 65_536).is_ok());
        assert!(markdown("prod-gate", 999).is_err());
        for bad in ["", "a--b", "a b", "<x>", &"a".repeat(101)] {
            assert!(markdown(bad, 65_536).is_err(), "{bad:?} was accepted");
        }
    }
}
