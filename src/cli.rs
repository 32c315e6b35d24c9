//! The command line: raw clap arguments, resolved into settings, run, and
//! mapped to an exit status (0 pass, 1 gate failed, 2 could not evaluate).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::plan::{self, Plan, Source};
use crate::policy::{self, Date, Policy};
use crate::render::{self, Format};
use crate::review::{self, Env, Options, Review, Verdict};
use crate::rules::{self, Level};

/// Review gate for Terraform/OpenTofu plans: blocks stateful destroys and
/// shows what prod does that staging did not.
#[derive(Parser, Debug)]
#[command(name = "plangate", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compare prod's plan with the approved staging plan, and gate prod.
    Review(ReviewArgs),
    /// Gate one plan: destructive actions and policy only.
    Check(CheckArgs),
    /// Print the approval digest of plans (`sha256:...`).
    Fingerprint {
        /// Plan JSON files (`-` for standard input).
        #[arg(required = true)]
        plans: Vec<String>,
    },
    /// Validate or show policy files.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Post the Markdown review as one pull/merge-request comment, kept up to date.
    Comment(CommentArgs),
    /// List every finding id with its default level, or explain one.
    Rules {
        /// Explain one finding id.
        #[arg(long, value_name = "ID")]
        explain: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Check policy files; exit 2 with every problem if any is invalid.
    Validate {
        /// Policy files or directories (default: only the built-in pack).
        paths: Vec<PathBuf>,
        /// Do not load the built-in pack.
        #[arg(long)]
        no_default_policy: bool,
    },
    /// Print the effective policy, with where each entry came from.
    Show {
        /// Policy files or directories, added after the built-in pack.
        paths: Vec<PathBuf>,
        /// Do not load the built-in pack.
        #[arg(long)]
        no_default_policy: bool,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlatformArg {
    Github,
    Gitlab,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum BehaviourArg {
    /// Edit the comment carrying this marker, else create one.
    Update,
    /// Always create a new comment.
    New,
    /// Create a new comment, then delete the older ones carrying the marker.
    DeleteAndNew,
}

#[derive(Args, Debug)]
pub struct CommentArgs {
    /// Where to post.
    #[arg(value_enum)]
    pub platform: PlatformArg,
    /// The approved staging plan JSON (with `--prod`: review and post).
    #[arg(long, value_name = "PLAN", requires = "prod", conflicts_with = "body")]
    pub staging: Option<String>,
    /// The prod plan JSON.
    #[arg(long, value_name = "PLAN", requires = "staging", conflicts_with = "body")]
    pub prod: Option<String>,
    /// Post a Markdown file made earlier by `review --format markdown`
    /// instead of reviewing here (the exit status is then 0 on success).
    #[arg(long, value_name = "FILE", required_unless_present = "prod")]
    pub body: Option<PathBuf>,
    /// The digest of the approved staging plan.
    #[arg(long, value_name = "DIGEST")]
    pub approved: Option<String>,
    #[command(flatten)]
    pub gate: GateArgs,
    /// The id in the hidden marker `<!-- plangate:ID -->`: one comment per id.
    #[arg(long, value_name = "ID", default_value = "plangate")]
    pub comment_id: String,
    /// The size budget in characters (default: the platform's limit).
    #[arg(long, value_name = "N")]
    pub max_chars: Option<usize>,
    /// What to do with an existing comment.
    #[arg(long, value_enum, default_value_t = BehaviourArg::Update)]
    pub behaviour: BehaviourArg,
    /// Do nothing when the existing comment already says the same.
    #[arg(long)]
    pub skip_if_unchanged: bool,
    /// Print the request that would be made; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// GitHub `owner/name` or GitLab project id or path (default: from CI variables).
    #[arg(long, value_name = "REPO")]
    pub repo: Option<String>,
    /// The pull request number or merge request iid (default: from CI variables).
    #[arg(long, value_name = "N")]
    pub number: Option<u64>,
    /// The API base URL (default: `GITHUB_API_URL` / `CI_API_V4_URL`).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// The environment variable holding the token (default: `GITHUB_TOKEN`;
    /// GitLab: `GITLAB_TOKEN`, else `CI_JOB_TOKEN`). Tokens are never flags.
    #[arg(long, value_name = "NAME")]
    pub token_env: Option<String>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Block,
    Warn,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum EnvArg {
    Prod,
    Staging,
}

/// What every gating command takes: policy, failure threshold, date.
#[derive(Args, Debug)]
pub struct GateArgs {
    /// A policy file or a directory of `*.toml` files (repeatable).
    #[arg(long, value_name = "PATH")]
    pub policy: Vec<PathBuf>,
    /// Do not load the built-in policy pack.
    #[arg(long)]
    pub no_default_policy: bool,
    /// The level that fails the gate (exit 1).
    #[arg(long, value_enum, default_value_t = FailOn::Block)]
    pub fail_on: FailOn,
    /// Today's date for exception expiry (default: the system clock, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<String>,
}

/// The options of the commands that write a report.
#[derive(Args, Debug)]
pub struct Common {
    #[command(flatten)]
    pub gate: GateArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Color in text output (`NO_COLOR` is honoured with `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Markdown: the id in the hidden marker `<!-- plangate:ID -->`.
    #[arg(long, value_name = "ID", default_value = "plangate")]
    pub comment_id: String,
    /// Markdown: the size budget in characters.
    #[arg(long, value_name = "N", default_value_t = 65_536)]
    pub max_chars: usize,
}

#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// The approved staging plan JSON (`-` for standard input).
    #[arg(long, value_name = "PLAN")]
    pub staging: String,
    /// The prod plan JSON (`-` for standard input).
    #[arg(long, value_name = "PLAN")]
    pub prod: String,
    /// The digest of the approved staging plan (`plangate fingerprint`);
    /// the gate blocks if the staging plan given is not that one.
    #[arg(long, value_name = "DIGEST")]
    pub approved: Option<String>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The plan JSON (`-` for standard input).
    pub plan: String,
    /// Which environment the plan is (scopes `[[rule]] env`).
    #[arg(long, value_enum, default_value_t = EnvArg::Prod)]
    pub env: EnvArg,
    #[command(flatten)]
    pub common: Common,
}

/// Runs a parsed command line; `Err` means "could not evaluate" (exit 2).
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Review(args) => run_review(args),
        Command::Check(args) => run_check(args),
        Command::Fingerprint { plans } => run_fingerprint(&plans),
        Command::Policy(PolicyCommand::Validate { paths, no_default_policy }) => {
            let policy = load_policy(&paths, no_default_policy)?;
            println!(
                "policy OK: {} file(s), {} stateful entries, {} disruptive entries, {} rules, {} exceptions",
                policy.files.len(),
                policy.stateful.len(),
                policy.disruptive.len(),
                policy.rules.len(),
                policy.exceptions.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Policy(PolicyCommand::Show { paths, no_default_policy }) => {
            let policy = load_policy(&paths, no_default_policy)?;
            print!("{}", crate::policy::show::show(&policy));
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules { explain } => run_rules(explain.as_deref()),
        Command::Comment(args) => run_comment(args),
    }
}

/// The Markdown renderer never drops a blocked finding, so with thousands of
/// them a comment can outgrow what the platform accepts at all. Rather than
/// post nothing, cut the list at a line boundary before any folded section or
/// code block (so the structure stays balanced) and say so; the exit status
/// still fails the gate, and every finding is in `plangate review` output.
fn fit_platform_limit(body: String, limit: usize, platform: crate::comment::Platform) -> String {
    if body.chars().count() <= limit {
        return body;
    }
    let lines: Vec<&str> = body.lines().collect();
    let structured =
        lines.iter().position(|l| l.starts_with("<details") || l.starts_with("```")).unwrap_or(lines.len());
    let note_room = 400;
    let mut kept = 0;
    let mut size = 0;
    for line in &lines[..structured] {
        let n = line.chars().count() + 1;
        if size + n > limit.saturating_sub(note_room) {
            break;
        }
        size += n;
        kept += 1;
    }
    let mut out = lines[..kept].join("\n");
    out.push_str(&format!(
        "\n\n_This comment is cut: {} more lines did not fit {platform}'s {limit}-character limit for a comment. \
         Every blocked finding is in the output of `plangate review`; the gate still fails._\n",
        lines.len() - kept
    ));
    out
}

fn run_comment(args: CommentArgs) -> Result<ExitCode> {
    use crate::comment::{self, Behaviour, CommentOptions, HttpSettings, Platform};
    let platform = match args.platform {
        PlatformArg::Github => Platform::GitHub,
        PlatformArg::Gitlab => Platform::GitLab,
    };
    let marker = comment::marker_line(&args.comment_id)?;
    let limit = comment::max_body_chars(platform);
    let max_chars = args.max_chars.unwrap_or(limit).min(limit);
    let (body, code) = match (&args.body, &args.staging, &args.prod) {
        (Some(path), _, _) => {
            let body = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the comment body `{}`", path.display()))?;
            if !comment::carries_marker(&body, &marker) {
                bail!(
                    "`{}` does not start with the marker `{marker}`; render it with \
                     `plangate review --format markdown --comment-id {}`",
                    path.display(),
                    args.comment_id
                );
            }
            (body, ExitCode::SUCCESS)
        }
        (None, Some(staging), Some(prod)) => {
            check_markdown_options(&args.comment_id, max_chars)?;
            let review = review_plans(staging, prod, args.approved.clone(), &args.gate, true)?;
            let mut buf = Vec::new();
            render::markdown::render(
                &review,
                &render::markdown::MarkdownOptions { comment_id: args.comment_id.clone(), max_chars },
                &mut buf,
            )
            .context("cannot render the comment")?;
            let body = String::from_utf8(buf).context("the rendered comment is not UTF-8")?;
            (fit_platform_limit(body, limit, platform), exit_code(review.verdict, args.gate.fail_on))
        }
        _ => bail!("give `--staging` and `--prod` to review and post, or `--body FILE`"),
    };
    let mut opts = CommentOptions::new(platform, marker);
    opts.behaviour = match args.behaviour {
        BehaviourArg::Update => Behaviour::Update,
        BehaviourArg::New => Behaviour::New,
        BehaviourArg::DeleteAndNew => Behaviour::DeleteAndNew,
    };
    opts.skip_if_unchanged = args.skip_if_unchanged;
    opts.dry_run = args.dry_run;
    opts.api_url = args.api_url;
    opts.repo = args.repo;
    opts.number = args.number;
    opts.token_env = args.token_env;
    let env = |k: &str| std::env::var(k).ok();
    opts.http = HttpSettings::from_env(&env);
    let target = comment::resolve_target(&opts, &env)?;
    let outcome = comment::post(&opts, &target, &body)?;
    // The outcome quotes URLs from the API: escaped like every stderr text.
    eprintln!("{}", render::escape::stderr(&outcome.to_string()));
    Ok(code)
}

fn run_rules(explain: Option<&str>) -> Result<ExitCode> {
    let mut out = String::new();
    match explain {
        Some(id) => {
            let Some(r) = rules::builtin(id) else {
                let ids: Vec<&str> = rules::RULES.iter().map(|r| r.id).collect();
                bail!("unknown finding id `{id}`; known ids: {}", ids.join(", "));
            };
            out.push_str(&format!(
                "{} (default level: {})\n\n{}\n\n{}\n\nDocs: docs/rules.md#{}\n",
                r.id, r.level, r.summary, r.explain, r.id
            ));
        }
        None => {
            for r in rules::RULES {
                out.push_str(&format!("{:<22} {:<6} {}\n", r.id, r.level, r.summary));
            }
        }
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn run_fingerprint(paths: &[String]) -> Result<ExitCode> {
    check_one_stdin(paths.iter().map(String::as_str))?;
    for path in paths {
        let source = Source::read(path)?;
        let plan = plan::parse_plan(&source)?;
        println!("{}  {}", plan.digest, render::escape::terminal(&plan.name));
    }
    Ok(ExitCode::SUCCESS)
}

fn check_one_stdin<'a>(paths: impl Iterator<Item = &'a str>) -> Result<()> {
    if paths.filter(|p| *p == "-").count() > 1 {
        bail!("only one plan can be read from standard input (`-`)");
    }
    Ok(())
}

fn load_policy(paths: &[PathBuf], no_default: bool) -> Result<Policy> {
    policy::load_paths(paths, no_default).map_err(|problems| {
        let mut msg = format!("invalid policy ({} problem(s)):", problems.len());
        for p in &problems {
            msg.push_str(&format!("\n  {p}"));
        }
        msg.push_str("\nfix the policy files (see docs/policy.md) and run `plangate policy validate`");
        anyhow::anyhow!(msg)
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

fn check_markdown_options(comment_id: &str, max_chars: usize) -> Result<()> {
    if comment_id.is_empty()
        || !comment_id.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-'))
    {
        bail!("`--comment-id {}` must be letters, digits, `.`, `_` or `-`", plan::escape_for_message(comment_id));
    }
    if max_chars < 1000 {
        bail!("`--max-chars` must be at least 1000");
    }
    Ok(())
}

fn options(gate: &GateArgs, env: Env, approved: Option<String>, attribute_diffs: bool) -> Result<Options> {
    Ok(Options { today: today(gate.today.as_deref())?, approved, attribute_diffs, env })
}

fn run_review(args: ReviewArgs) -> Result<ExitCode> {
    let c = &args.common;
    check_markdown_options(&c.comment_id, c.max_chars)?;
    let review = review_plans(&args.staging, &args.prod, args.approved.clone(), &c.gate, c.format != Format::Json)?;
    emit(&review, c)
}

/// Loads policy and both plans (in parallel) and reviews them.
fn review_plans(
    staging: &str,
    prod: &str,
    approved: Option<String>,
    gate: &GateArgs,
    attribute_diffs: bool,
) -> Result<Review> {
    check_one_stdin([staging, prod].into_iter())?;
    let policy = load_policy(&gate.policy, gate.no_default_policy)?;
    let opts = options(gate, Env::Prod, approved, attribute_diffs)?;
    // Each thread reads and parses one plan; the plans borrow the sources.
    let (staging_src, prod_src) = std::thread::scope(|s| {
        let st = s.spawn(|| Source::read(staging));
        let pr = Source::read(prod);
        (st.join().expect("reader thread panicked"), pr)
    });
    let (staging_src, prod_src) = (staging_src?, prod_src?);
    let (staging, prod) = std::thread::scope(|s| {
        let st = s.spawn(|| plan::parse_plan(&staging_src));
        let pr = plan::parse_plan(&prod_src);
        (st.join().expect("parser thread panicked"), pr)
    });
    let (staging, prod) = (staging?, prod?);
    Ok(review::review(&staging, &prod, &policy, &opts))
}

fn run_check(args: CheckArgs) -> Result<ExitCode> {
    let c = &args.common;
    check_markdown_options(&c.comment_id, c.max_chars)?;
    let policy = load_policy(&c.gate.policy, c.gate.no_default_policy)?;
    let env = match args.env {
        EnvArg::Prod => Env::Prod,
        EnvArg::Staging => Env::Staging,
    };
    let opts = options(&c.gate, env, None, c.format != Format::Json)?;
    let source = Source::read(&args.plan)?;
    let plan: Plan<'_> = plan::parse_plan(&source)?;
    let review = review::check(&plan, &policy, &opts);
    emit(&review, c)
}

/// Writes the report and maps the verdict to the exit status.
fn emit(review: &Review, c: &Common) -> Result<ExitCode> {
    let to_terminal = c.output.is_none() && std::io::stdout().is_terminal();
    let color = match c.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let mut buf: Vec<u8> = Vec::new();
    match c.format {
        Format::Text => render::text::render(review, render::text::TextOptions { color }, &mut buf),
        Format::Json => render::json::render(review, &mut buf),
        Format::Markdown => render::markdown::render(
            review,
            &render::markdown::MarkdownOptions { comment_id: c.comment_id.clone(), max_chars: c.max_chars },
            &mut buf,
        ),
    }
    .context("cannot render the report")?;
    match &c.output {
        Some(path) => std::fs::write(path, &buf).with_context(|| format!("cannot write `{}`", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth exit 2.
            match out.write_all(&buf).and_then(|()| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                r => r.context("cannot write the report")?,
            }
        }
    }
    Ok(exit_code(review.verdict, c.gate.fail_on))
}

/// 1 when the gate fails, else 0.
pub fn exit_code(verdict: Verdict, fail_on: FailOn) -> ExitCode {
    let threshold = match fail_on {
        FailOn::Block => Level::Block,
        FailOn::Warn => Level::Warn,
    };
    let worst = match verdict {
        Verdict::Block => Some(Level::Block),
        Verdict::Warn => Some(Level::Warn),
        Verdict::Pass => None,
    };
    if worst.is_some_and(|l| l >= threshold) { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comment::Platform;

    #[test]
    fn a_comment_too_large_for_the_platform_is_cut_at_a_line_with_a_note() {
        let mut body = String::from("<!-- plangate:prod -->\n### plangate: blocked\n\n");
        for i in 0..5000 {
            body.push_str(&format!("- **block** `stateful-destroy` prod `aws_s3_bucket.b{i}`: a bucket\n"));
        }
        body.push_str("<details><summary>Warnings</summary>\n\n- x\n\n</details>\n");
        let cut = fit_platform_limit(body.clone(), 65_536, Platform::GitHub);
        assert!(cut.chars().count() <= 65_536);
        assert!(cut.starts_with("<!-- plangate:prod -->\n"));
        assert!(cut.contains("This comment is cut") && !cut.contains("<details>"));
        assert!(cut.lines().filter(|l| l.starts_with("- **block**")).all(|l| l.ends_with("a bucket")));
        let small = "<!-- plangate:prod -->\nfine\n".to_owned();
        assert_eq!(fit_platform_limit(small.clone(), 65_536, Platform::GitHub), small);
    }
}
