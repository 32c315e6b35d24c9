//! The raw command line: clap's types, exactly as typed. Nothing here is
//! validated beyond what clap checks; `settings` turns these into the
//! settings the commands run with.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use plangate::render::{Format, markdown};

/// `--report FORMAT=FILE`.
fn parse_report(s: &str) -> Result<(Format, PathBuf), String> {
    let Some((format, file)) = s.split_once('=') else {
        return Err("write `FORMAT=FILE`, e.g. `--report json=report.json`".into());
    };
    if file.is_empty() {
        return Err(format!("`{format}=` names no file: write `{format}=FILE`"));
    }
    Ok((format.parse()?, PathBuf::from(file)))
}

/// `--format`: the library's formats, by name (so a new format is one
/// variant in `plangate::render::Format`, not a second list here).
fn format_parser() -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(Format::ALL.iter().map(|f| f.name())).try_map(|s| s.parse::<Format>())
}

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
    /// Print the approval digest of a plan (`sha256:...`), or for several
    /// plans or a directory one `DIGEST  NAME` line each (for `--approved-file`).
    Fingerprint {
        /// Plan JSON files (`-` for standard input) or directories of `*.json` plans.
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
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
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
    /// Which plans to review and post (or `--body`).
    #[command(flatten)]
    pub plans: PlansArgs,
    /// Post a Markdown file made earlier by `review --format markdown`
    /// instead of reviewing here (the exit status is then 0 on success).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present_any = ["prod", "plans"],
        conflicts_with_all = ["staging", "prod", "plans", "approved", "approved_file"]
    )]
    pub body: Option<PathBuf>,
    #[command(flatten)]
    pub gate: GateArgs,
    /// The id in the hidden marker `<!-- plangate:ID -->`: one comment per id.
    #[arg(long, value_name = "ID", default_value = "plangate")]
    pub comment_id: String,
    /// The size budget in characters (default: the platform's limit).
    #[arg(long, value_name = "N")]
    pub max_chars: Option<usize>,
    /// Also write the report in FORMAT to FILE, from the same run (repeatable).
    #[arg(long, value_name = "FORMAT=FILE", value_parser = parse_report)]
    pub report: Vec<(Format, PathBuf)>,
    /// Color in the report printed to standard output (`NO_COLOR` and `TERM=dumb` are honoured with `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
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
    /// The user the token posts as; only its comments are edited or deleted
    /// (default: from `GET /user`, else on GitHub `github-actions[bot]`).
    #[arg(long, value_name = "LOGIN")]
    pub bot_login: Option<String>,
    /// Give up (exit 2) when posting takes longer than this many seconds in all.
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub deadline: u64,
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
    #[arg(long, default_value = "text", value_parser = format_parser())]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the report in FORMAT to FILE, from the same run (repeatable).
    #[arg(long, value_name = "FORMAT=FILE", value_parser = parse_report)]
    pub report: Vec<(Format, PathBuf)>,
    /// Color in text output (`NO_COLOR` and `TERM=dumb` are honoured with `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Markdown: the id in the hidden marker `<!-- plangate:ID -->`.
    #[arg(long, value_name = "ID", default_value = "plangate")]
    pub comment_id: String,
    /// Markdown: the size budget in characters.
    #[arg(long, value_name = "N", default_value_t = markdown::DEFAULT_MAX_CHARS)]
    pub max_chars: usize,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("inputs").required(true).args(["staging", "plans"])))]
pub struct ReviewArgs {
    #[command(flatten)]
    pub plans: PlansArgs,
    #[command(flatten)]
    pub common: Common,
}

/// Which plans to review: one pair of files, two directories of stacks'
/// plans, or a pattern; and what the staging plans must be.
#[derive(Args, Debug)]
pub struct PlansArgs {
    /// The approved staging plan JSON (`-` for standard input), or a
    /// directory of stacks' plans.
    #[arg(long, value_name = "PLAN|DIR", requires = "prod")]
    pub staging: Option<String>,
    /// The prod plan JSON (`-` for standard input), or a directory of
    /// stacks' plans, each paired with the same relative path under `--staging`.
    #[arg(long, value_name = "PLAN|DIR", requires = "staging")]
    pub prod: Option<String>,
    /// Many stacks in any layout: `{env}` stands for `staging` or `prod`,
    /// `{stack}` for a stack name that may span directories
    /// (`plans/{stack}/{env}.json`, `out/{env}/{stack}/tfplan.json`).
    #[arg(long, value_name = "PATTERN", conflicts_with_all = ["staging", "prod"])]
    pub plans: Option<String>,
    /// The digest of the approved staging plan (`plangate fingerprint`);
    /// the gate blocks if the staging plan given is not that one.
    #[arg(long, value_name = "DIGEST")]
    pub approved: Option<String>,
    /// Many stacks: `DIGEST  NAME` lines as `plangate fingerprint STAGING_DIR`
    /// prints them; a stack whose staging plan is not listed with its
    /// digest is blocked.
    #[arg(long, value_name = "FILE", conflicts_with = "approved")]
    pub approved_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The plan JSON (`-` for standard input); several plans, or a directory
    /// of `*.json` plans, are each gated alone under one verdict.
    #[arg(required = true)]
    pub plans: Vec<String>,
    /// Which environment the plan is (scopes `[[rule]] env`).
    #[arg(long, value_enum, default_value_t = EnvArg::Prod)]
    pub env: EnvArg,
    #[command(flatten)]
    pub common: Common,
}
