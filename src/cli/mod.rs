//! The binary's command line: [`args`] (clap's raw types), [`settings`]
//! (resolved and checked once) and here the commands, which call the
//! library and print. Exit status: 0 pass, 1 gate failed, 2 could not
//! evaluate (any `Err`).

pub mod args;
pub mod settings;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use plangate::comment::{self, CommentOptions, HttpSettings};
use plangate::plan::{self, Source};
use plangate::policy::{self, Policy};
use plangate::render::markdown::MarkdownOptions;
use plangate::render::{self, Format};
use plangate::review::{self, Env, Options, Review, Verdict};
use plangate::rules::{self, Level, RuleId};

use plangate::review::Approval;
use plangate::review::stacks::{Stack, StackOutcome, Stacks};
use plangate::stacks::{self as many, StackPlans, run::Loaded};
use settings::{Approved, CommentSettings, CommentSource, Gate, Inputs, Report, Settings, Shows};

/// What a gating command produced: one review, or many stacks' reviews.
enum Outcome {
    One(Box<Review>),
    Many(Stacks),
}

impl Outcome {
    fn verdict(&self) -> Verdict {
        match self {
            Outcome::One(r) => r.verdict,
            Outcome::Many(s) => s.verdict,
        }
    }
}

/// Runs one resolved command; `Err` means "could not evaluate" (exit 2).
pub fn run(settings: Settings) -> Result<ExitCode> {
    match settings {
        Settings::Review { inputs, approved, gate, report } => {
            review_inputs(&inputs, &approved, &gate, report.shows(), |outcome| {
                rendered(outcome, &report, gate.fail_on)
            })?
            .write(&report)
        }
        Settings::Check { plans, env, gate, report } => {
            let outcome = check_plans(&plans, env, &gate, report.shows())?;
            rendered(&outcome, &report, gate.fail_on)?.write(&report)
        }
        Settings::Fingerprint { plans } => run_fingerprint(&plans),
        Settings::PolicyValidate { paths, no_default_policy } => {
            let policy = load_policy(&paths, no_default_policy)?;
            println!("{}", validated(&policy, no_default_policy));
            Ok(ExitCode::SUCCESS)
        }
        Settings::PolicyShow { paths, no_default_policy } => {
            let policy = load_policy(&paths, no_default_policy)?;
            print!("{}", policy::show::show(&policy));
            Ok(ExitCode::SUCCESS)
        }
        Settings::Rules { explain } => run_rules(explain),
        Settings::Comment(c) => run_comment(*c),
        Settings::Completions(shell) => {
            // Into a buffer first: clap_complete panics when its writer fails (a closed pipe).
            let mut cmd = <args::Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "plangate", &mut script);
            write_stdout(&script)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The Markdown renderer never drops a blocked finding, so with thousands of
/// them a comment can outgrow what the platform accepts at all. Rather than
/// post nothing, cut the list at a line boundary before any folded section or
/// code block (so the structure stays balanced) and say so; the exit status
/// still fails the gate, and every finding is in `plangate review` output.
fn fit_platform_limit(body: String, limit: usize, platform: comment::Platform) -> String {
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

fn run_comment(c: CommentSettings) -> Result<ExitCode> {
    let marker = comment::marker_line(&c.markdown.comment_id)?;
    let limit = comment::max_body_chars(c.platform);
    let (body, code) = match &c.source {
        CommentSource::Body(path) => {
            let body = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the comment body `{}`", path.display()))?;
            if !comment::carries_marker(&body, &marker) {
                bail!(
                    "`{}` does not start with the marker `{marker}`; render it with \
                     `plangate review --format markdown --comment-id {}`",
                    path.display(),
                    c.markdown.comment_id
                );
            }
            (body, ExitCode::SUCCESS)
        }
        CommentSource::Review { inputs, approved, gate } => {
            // The CI log says why the gate failed, whatever happens to the comment.
            let report = Report {
                format: Format::Text,
                output: None,
                extra: c.extra.clone(),
                color: c.color,
                markdown: c.markdown.clone(),
                step_summary: c.step_summary.clone(),
            };
            let (log, body) = review_inputs(inputs, approved, gate, Shows::ALL, |outcome| {
                let body = render_report(outcome, Format::Markdown, false, &c.markdown)?;
                Ok((rendered(outcome, &report, gate.fail_on)?, body))
            })?;
            let code = log.write(&report)?;
            let body = String::from_utf8(body).context("the rendered comment is not UTF-8")?;
            (fit_platform_limit(body, limit, c.platform), code)
        }
    };
    let mut opts = CommentOptions::new(c.platform, marker);
    opts.behaviour = c.behaviour;
    opts.skip_if_unchanged = c.skip_if_unchanged;
    opts.dry_run = c.dry_run;
    opts.api_url = c.api_url;
    opts.repo = c.repo;
    opts.number = c.number;
    opts.token_env = c.token_env;
    opts.bot_login = c.bot_login;
    opts.deadline = c.deadline;
    let env = |k: &str| std::env::var(k).ok();
    opts.http = HttpSettings::from_env(&env);
    let target = comment::resolve_target(&opts, &env)?;
    let outcome = comment::post(&opts, &target, &body)?;
    // The outcome quotes URLs from the API: escaped like every stderr text.
    eprintln!("{}", render::escape::stderr(&outcome.to_string()));
    Ok(code)
}

fn run_rules(explain: Option<RuleId>) -> Result<ExitCode> {
    let mut out = String::new();
    match explain {
        Some(id) => {
            let r = id.info();
            out.push_str(&format!("{} (default level: {})\n\n{}\n\n{}\n", r.id, r.level, r.summary, r.explain));
            // Only a link that works where the binary was installed: the
            // published repository's docs for this version, if it has one.
            let repo = env!("CARGO_PKG_REPOSITORY");
            if !repo.is_empty() {
                let version = env!("CARGO_PKG_VERSION");
                out.push_str(&format!("\nDocs: {repo}/blob/v{version}/docs/rules.md#{}\n", r.id));
            }
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

/// One plan file: its digest alone, so `--approved "$(plangate fingerprint
/// staging.json)"` works. Several plans, or a directory: one `DIGEST  NAME`
/// line per plan, like `sha256sum` (for `--approved-file`).
fn run_fingerprint(paths: &[String]) -> Result<ExitCode> {
    let mut plans = Vec::new();
    let mut any_dir = false;
    for path in paths {
        if is_dir(path) {
            any_dir = true;
            plans.extend(many::discover::plans_under(path)?);
        } else {
            plans.push(path.clone());
        }
    }
    let alone = plans.len() == 1 && !any_dir;
    // One plan per core at a time; the first file that fails (in the order
    // given) is the error, and nothing is printed then.
    let digests = many::pool::map_in_order(&plans, many::pool::cores(), |path| -> Result<(String, String)> {
        let source = Source::read(path)?;
        let plan = plan::parse_plan(&source)?;
        Ok((plan.digest.get().to_owned(), plan.name.clone()))
    });
    let mut out = String::new();
    for digest in digests {
        let (digest, name) = digest?;
        if alone {
            out.push_str(&format!("{digest}\n"));
        } else {
            let line = many::approved::line(&digest, &name);
            out.push_str(&format!("{}\n", render::escape::terminal(&line)));
        }
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn is_dir(path: &str) -> bool {
    path != "-" && std::fs::metadata(path).is_ok_and(|m| m.is_dir())
}

/// Every plan that could not be loaded, as one error.
fn load_errors(errors: Vec<plan::LoadError>) -> anyhow::Error {
    if let [one] = errors.as_slice() {
        return anyhow::anyhow!("{one}");
    }
    let mut msg = format!("{} plans could not be loaded:", errors.len());
    for e in &errors {
        msg.push_str(&format!("\n  {e}"));
    }
    anyhow::anyhow!(msg)
}

/// What one staging plan must be, from `--approved` or `--approved-file`.
fn approval_of(approved: &Approved, staging: &str) -> Option<Approval> {
    match approved {
        Approved::Nothing => None,
        Approved::Digest(d) => Some(Approval::Digest(d.clone())),
        Approved::File(file) => Some(match file.digest_for(staging) {
            Some(d) => Approval::Digest(d.to_owned()),
            None => Approval::Unlisted { file: file.file.clone() },
        }),
    }
}

/// The review's settings from the gate's and what the reports show.
fn options(gate: &Gate, shows: Shows, approved: Option<Approval>, env: Env) -> Options {
    Options { today: gate.today, approved, attribute_diffs: shows.diffs, digests: shows.digests, env }
}

/// `review`: one pair, or every stack found, each stack on its own; then
/// `finish` renders the outcome (see [`review_plans`]).
fn review_inputs<T>(
    inputs: &Inputs,
    approved: &Approved,
    gate: &Gate,
    shows: Shows,
    finish: impl FnOnce(&Outcome) -> Result<T>,
) -> Result<T> {
    let stacks = match inputs {
        Inputs::Pair { staging, prod } => {
            let approval = approval_of(approved, staging);
            return review_plans(staging, prod, approval, gate, shows, |review| {
                let outcome = Outcome::One(Box::new(review));
                let finished = finish(&outcome);
                // Like the plans (see `review_plans`): the exit frees it.
                std::mem::forget(outcome);
                finished
            });
        }
        Inputs::Dirs { staging, prod } => many::discover::from_dirs(staging, prod)?,
        Inputs::Pattern(pattern) => pattern.discover()?,
    };
    let policy = load_policy(&gate.policy, gate.no_default_policy)?;
    let base = options(gate, shows, None, Env::Prod);
    let outcomes = many::run::review_each(&stacks, many::pool::cores(), |stack, plans| match plans {
        Loaded::Pair { staging, prod } => {
            let opts =
                Options { approved: stack.staging.as_deref().and_then(|s| approval_of(approved, s)), ..base.clone() };
            StackOutcome::Reviewed(Box::new(review::review(staging, prod, &policy, &opts)))
        }
        Loaded::ProdOnly(prod) => StackOutcome::Reviewed(Box::new(review::review_prod_only(prod, &policy, &base))),
        Loaded::StagingOnly(staging) => review::stacks::staging_only(staging, &policy, shows.digests),
    })
    .map_err(load_errors)?;
    finish(&outcome("review", stacks, outcomes, |s| s.staging.is_some() && s.prod.is_some()))
}

/// One stack found with what a single run has: today's single report.
fn outcome(
    command: &'static str,
    stacks: Vec<StackPlans>,
    mut outcomes: Vec<StackOutcome>,
    single: impl Fn(&StackPlans) -> bool,
) -> Outcome {
    if stacks.len() == 1
        && single(&stacks[0])
        && let Some(StackOutcome::Reviewed(review)) = outcomes.pop()
    {
        return Outcome::One(review);
    }
    Outcome::Many(Stacks::new(
        command,
        stacks.into_iter().zip(outcomes).map(|(s, outcome)| Stack { name: s.name, outcome }).collect(),
    ))
}

/// `check`: each plan (or each plan under a directory) gated alone.
fn check_plans(args: &[String], env: Env, gate: &Gate, shows: Shows) -> Result<Outcome> {
    let mut plans = Vec::new();
    let one_dir = args.len() == 1 && is_dir(&args[0]);
    for arg in args {
        if is_dir(arg) {
            let found = many::discover::plans_under(arg)?;
            let names: Vec<String> = if one_dir {
                let prefix = found[0].len() - found[0].trim_start_matches(arg.as_str()).len();
                let rels: Vec<&str> = found.iter().map(|f| f[prefix..].trim_start_matches('/')).collect();
                many::discover::stack_names(&rels)
            } else {
                found.clone()
            };
            plans.extend(names.into_iter().zip(found).map(|(name, p)| StackPlans {
                name,
                staging: None,
                prod: Some(p),
            }));
        } else {
            plans.push(StackPlans { name: arg.clone(), staging: None, prod: Some(arg.clone()) });
        }
    }
    let policy = load_policy(&gate.policy, gate.no_default_policy)?;
    let opts = options(gate, shows, None, env);
    let outcomes = many::run::review_each(&plans, many::pool::cores(), |_, loaded| match loaded {
        Loaded::ProdOnly(plan) | Loaded::StagingOnly(plan) | Loaded::Pair { prod: plan, .. } => {
            StackOutcome::Reviewed(Box::new(review::check(plan, &policy, &opts)))
        }
    })
    .map_err(load_errors)?;
    Ok(outcome("check", plans, outcomes, |_| !one_dir))
}

/// `policy validate`'s answer: what the user's files hold (the built-in
/// pack is only mentioned, its hundreds of entries would hide the user's).
fn validated(policy: &Policy, no_default: bool) -> String {
    let user = |o: &policy::Origin| !o.is_builtin();
    let files = policy.files.iter().filter(|f| !f.starts_with(policy::BUILTIN_PREFIX)).count();
    let mut s = format!(
        "policy OK: {files} file(s): {} stateful entries, {} disruptive entries, {} rules, {} exceptions",
        policy.stateful.iter().filter(|e| user(&e.origin)).count(),
        policy.disruptive.iter().filter(|e| user(&e.origin)).count(),
        policy.rules.iter().filter(|e| user(&e.origin)).count(),
        policy.exceptions.iter().filter(|e| user(&e.origin)).count(),
    );
    if !no_default {
        s.push_str(", on top of the built-in pack");
    }
    s
}

/// The policy directory loaded when no `--policy` is given, if it exists in
/// the working directory (like `.github/` or `.tflint.hcl`: found, not named).
pub const DEFAULT_POLICY_DIR: &str = ".plangate";

fn load_policy(paths: &[PathBuf], no_default: bool) -> Result<Policy> {
    let discovered = [PathBuf::from(DEFAULT_POLICY_DIR)];
    let paths = if paths.is_empty() && discovered[0].is_dir() { &discovered[..] } else { paths };
    policy::load_paths(paths, no_default).map_err(|problems| {
        let mut msg = format!("invalid policy ({} problem(s)):", problems.len());
        for p in &problems {
            msg.push_str(&format!("\n  {p}"));
        }
        msg.push_str("\nfix the policy files (see docs/policy.md) and run `plangate policy validate`");
        anyhow::anyhow!(msg)
    })
}

/// Loads policy and both plans (in parallel) and reviews them.
fn review_plans<T>(
    staging: &str,
    prod: &str,
    approved: Option<Approval>,
    gate: &Gate,
    shows: Shows,
    finish: impl FnOnce(Review) -> Result<T>,
) -> Result<T> {
    let policy = load_policy(&gate.policy, gate.no_default_policy)?;
    // Digests the report shows, and the staging digest an approval check
    // reads during the review, are computed beside the review.
    let staging_digest = shows.digests || approved.is_some();
    let opts = options(gate, shows, approved, Env::Prod);
    // Each thread reads and parses one plan; the plans borrow the sources.
    let (staging_src, prod_src) = std::thread::scope(|s| {
        let st = s.spawn(|| Source::read(staging));
        let pr = Source::read(prod);
        (st.join().expect("reader thread panicked"), pr)
    });
    let (staging_src, prod_src) = (staging_src?, prod_src?);
    let (staging, prod) = std::thread::scope(|s| {
        let st = s.spawn(|| plan::parse_unverified(&staging_src));
        let pr = plan::parse_unverified(&prod_src);
        (st.join().expect("parser thread panicked"), pr)
    });
    let (staging, prod) = (staging?, prod?);
    // The fail-closed scan and the digests run beside the review (which
    // waits for a digest only where it needs one) and its rendering; a plan
    // the scan refuses discards the rendered reports before anything is
    // written.
    let finished = std::thread::scope(|s| {
        let verify_staging = s.spawn(|| staging.verify(staging_digest));
        let verify_prod = s.spawn(|| prod.verify(shows.digests));
        let finished = finish(review::review(&staging.plan, &prod.plan, &policy, &opts));
        verify_staging.join().expect("verifier thread panicked")?;
        verify_prod.join().expect("verifier thread panicked")?;
        finished
    });
    // The process ends once the report is written: freeing every change of
    // both plans and unmapping the files is work (tens of milliseconds on
    // large plans) that the exit does anyway.
    std::mem::forget((staging, prod));
    std::mem::forget((staging_src, prod_src));
    finished
}

/// Renders one format of the report.
fn render_report(outcome: &Outcome, format: Format, color: bool, markdown: &MarkdownOptions) -> Result<Vec<u8>> {
    let mut buf: Vec<u8> = Vec::new();
    let text = render::text::TextOptions { color };
    match (outcome, format) {
        (Outcome::One(review), Format::Text) => render::text::render(review, text, &mut buf),
        (Outcome::One(review), Format::Json) => render::json::render(review, &mut buf),
        (Outcome::One(review), Format::Markdown) => render::markdown::render(review, markdown, &mut buf),
        (Outcome::Many(stacks), Format::Text) => render::stacks::text(stacks, text, &mut buf),
        (Outcome::Many(stacks), Format::Json) => render::json::render_stacks(stacks, &mut buf),
        (Outcome::Many(stacks), Format::Markdown) => render::stacks::markdown(stacks, markdown, &mut buf),
        (Outcome::One(review), Format::Sarif) => render::sarif::render(review, &mut buf),
        (Outcome::Many(stacks), Format::Sarif) => render::sarif::render_stacks(stacks, &mut buf),
        (Outcome::One(review), Format::Codequality) => render::codequality::render(review, &mut buf),
        (Outcome::Many(stacks), Format::Codequality) => render::codequality::render_stacks(stacks, &mut buf),
        (Outcome::One(review), Format::Junit) => render::junit::render(review, &mut buf),
        (Outcome::Many(stacks), Format::Junit) => render::junit::render_stacks(stacks, &mut buf),
        (Outcome::One(review), Format::Github) => render::github::render(review, &mut buf),
        (Outcome::Many(stacks), Format::Github) => render::github::render_stacks(stacks, &mut buf),
    }
    .with_context(|| format!("cannot render the {} report", format.name()))?;
    Ok(buf)
}

fn write_stdout(buf: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth exit 2.
    match out.write_all(buf).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write the report"),
    }
}

/// Writes a report file and says so on stderr.
fn write_file(path: &Path, buf: &[u8], format: Format) -> Result<()> {
    std::fs::write(path, buf).with_context(|| format!("cannot write `{}`", path.display()))?;
    let shown = render::escape::stderr(&path.display().to_string());
    eprintln!("plangate: wrote the {} report to {shown}", format.name());
    Ok(())
}

/// Every report of a run, rendered and not yet written, and its exit status.
struct Rendered {
    main: Vec<u8>,
    /// One per `--report FORMAT=FILE`, in order.
    extra: Vec<Vec<u8>>,
    /// The job summary, or why it cannot be written (a warning, never a failure).
    step_summary: Option<Result<Vec<u8>>>,
    code: ExitCode,
}

/// Renders the report and any `--report` files, and maps the verdict to
/// the exit status. Nothing is written: a review renders while its plans
/// are still being verified, and writes only once they are.
fn rendered(outcome: &Outcome, report: &Report, fail_on: Level) -> Result<Rendered> {
    Ok(Rendered {
        main: render_report(outcome, report.format, report.color, &report.markdown)?,
        extra: report
            .extra
            .iter()
            .map(|(format, _)| render_report(outcome, *format, false, &report.markdown))
            .collect::<Result<_>>()?,
        step_summary: report
            .step_summary
            .as_ref()
            .map(|_| render_report(outcome, Format::Markdown, false, &report.markdown)),
        code: exit_code(outcome.verdict(), fail_on),
    })
}

impl Rendered {
    /// Writes the report (and any `--report` files and job summary).
    fn write(self, report: &Report) -> Result<ExitCode> {
        match &report.output {
            Some(path) => write_file(path, &self.main, report.format)?,
            None => write_stdout(&self.main)?,
        }
        for ((format, path), buf) in report.extra.iter().zip(&self.extra) {
            write_file(path, buf, *format)?;
        }
        if let (Some(path), Some(body)) = (&report.step_summary, self.step_summary) {
            append_step_summary(body, path);
        }
        Ok(self.code)
    }
}

/// GitHub's limit on one step's job summary.
const STEP_SUMMARY_MAX_BYTES: usize = 1024 * 1024;

/// Appends the Markdown report to the job summary file. Never fails the
/// gate: a problem is one warning on stderr.
fn append_step_summary(body: Result<Vec<u8>>, path: &Path) {
    let body = match body {
        Ok(body) => body,
        Err(e) => {
            eprintln!("plangate: warning: job summary not written: {}", render::escape::stderr(&format!("{e:#}")));
            return;
        }
    };
    if body.len() > STEP_SUMMARY_MAX_BYTES {
        eprintln!("plangate: warning: job summary not written: the report is over GitHub's 1 MiB limit");
        return;
    }
    let written = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .and_then(|mut f| f.write_all(&body).and_then(|()| f.write_all(b"\n")));
    if let Err(e) = written {
        eprintln!(
            "plangate: warning: job summary `{}` not written: {}",
            render::escape::stderr(&path.display().to_string()),
            render::escape::stderr(&e.to_string())
        );
    }
}

/// 1 when the verdict reaches `fail_on`, else 0.
fn exit_code(verdict: Verdict, fail_on: Level) -> ExitCode {
    let worst = match verdict {
        Verdict::Block => Some(Level::Block),
        Verdict::Warn => Some(Level::Warn),
        Verdict::Pass => None,
    };
    if worst.is_some_and(|l| l >= fail_on) { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plangate::comment::Platform;

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
