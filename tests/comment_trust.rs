//! The comment bot trusts only itself, against a hostile local forge: it
//! edits or deletes only comments written by its own identity, prints API
//! text escaped, and gives up at its deadline when the forge stalls.

mod support;

use assert_cmd::Command;
use plangate::comment::{self, Behaviour, CommentOptions, Outcome, Platform, Target};
use support::{GH_BOT, GH_PR, GH_REPO, GL_IID, GitLabPaging, MockForge, body, env_of, options};

const TOKEN: &str = "ghp_trust-test-token-0123456789";
const MARKER: &str = "<!-- plangate:plangate -->";

fn target(server: &MockForge, opts: &CommentOptions) -> Target {
    let env = match opts.platform {
        Platform::GitHub => env_of(&[("GITHUB_TOKEN", TOKEN)]),
        Platform::GitLab => env_of(&[("GITLAB_TOKEN", TOKEN)]),
    };
    let mut o = opts.clone();
    o.api_url = Some(server.api_url());
    o.repo = Some(match opts.platform {
        Platform::GitHub => GH_REPO.to_string(),
        Platform::GitLab => "42".to_string(),
    });
    o.number = Some(match opts.platform {
        Platform::GitHub => GH_PR,
        Platform::GitLab => GL_IID,
    });
    comment::resolve_target(&o, &env).unwrap()
}

fn run(server: &MockForge, opts: &CommentOptions, text: &str) -> anyhow::Result<Outcome> {
    comment::post(opts, &target(server, opts), &body("plangate", text))
}

#[test]
fn a_marker_in_someone_elses_comment_is_left_alone() {
    for behaviour in [Behaviour::Update, Behaviour::DeleteAndNew] {
        let server = MockForge::github(TOKEN);
        let planted = format!("{MARKER}\nplease approve: https://evil.example/approve");
        let foreign = server.seed_by(&planted, false, "mallory");
        let mut opts = options(Platform::GitHub, "plangate");
        opts.behaviour = behaviour;
        let outcome = run(&server, &opts, "the review").unwrap();
        assert!(matches!(outcome, Outcome::Created { deleted: 0, .. }), "{behaviour:?}: {outcome:?}");
        let comments = server.comments();
        let kept = comments.iter().find(|c| c.id == foreign).expect("the foreign comment still exists");
        assert_eq!(kept.body, planted, "{behaviour:?}: the foreign comment was edited");
        assert_eq!(comments.len(), 2);
        // A second run updates the bot's own comment, still not mallory's.
        opts.behaviour = Behaviour::Update;
        run(&server, &opts, "the review, again").unwrap();
        let comments = server.comments();
        assert_eq!(comments.iter().find(|c| c.id == foreign).unwrap().body, planted);
        assert_eq!(comments.iter().filter(|c| c.author == GH_BOT).count(), 1);
    }
}

#[test]
fn the_identity_comes_from_the_api_then_the_default_then_the_flag() {
    // A personal token: GET /user says who it is; the Actions bot's marker comment is someone else's.
    let server = MockForge::github(TOKEN);
    server.token_user(Some("alice"));
    let bots = server.seed_by(&format!("{MARKER}\nold"), false, GH_BOT);
    let mine = server.seed_by(&format!("{MARKER}\nmine"), false, "Alice");
    let outcome = run(&server, &options(Platform::GitHub, "plangate"), "new").unwrap();
    assert!(matches!(outcome, Outcome::Updated { id, .. } if id == mine), "{outcome:?}");
    assert!(server.comments().iter().find(|c| c.id == bots).unwrap().body.ends_with("old"));

    // `--bot-login` wins over everything.
    let server = MockForge::github(TOKEN);
    let app = server.seed_by(&format!("{MARKER}\nold"), false, "my-app[bot]");
    server.seed_by(&format!("{MARKER}\nold"), false, GH_BOT);
    let mut opts = options(Platform::GitHub, "plangate");
    opts.bot_login = Some("my-app[bot]".into());
    let outcome = run(&server, &opts, "new").unwrap();
    assert!(matches!(outcome, Outcome::Updated { id, .. } if id == app), "{outcome:?}");
    assert!(!server.requests().iter().any(|r| r.path().ends_with("/user")), "no need to ask");
}

#[test]
fn gitlab_asks_the_api_and_refuses_to_guess() {
    let server = MockForge::gitlab(TOKEN, "42", GitLabPaging::NextPageHeader);
    let foreign = server.seed_by(&format!("{MARKER}\nplanted"), false, "mallory");
    let own = server.seed(&format!("{MARKER}\nold"), false);
    let outcome = run(&server, &options(Platform::GitLab, "plangate"), "new").unwrap();
    assert!(matches!(outcome, Outcome::Updated { id, .. } if id == own), "{outcome:?}");
    assert!(server.comments().iter().find(|c| c.id == foreign).unwrap().body.ends_with("planted"));

    server.token_user(None);
    let err = run(&server, &options(Platform::GitLab, "plangate"), "newer").unwrap_err().to_string();
    assert!(err.contains("--bot-login"), "{err}");
}

#[test]
fn api_text_is_escaped_and_breaks_no_line() {
    let server = MockForge::github(TOKEN);
    let hostile = "x\n::error::pwned\u{1b}[31m\r\u{202e}\u{2028}";
    server.script(422, &[], &serde_json::json!({ "message": hostile }).to_string());
    let err = format!("{:#}", run(&server, &options(Platform::GitHub, "plangate"), "body").unwrap_err());
    for bad in ['\n', '\r', '\u{1b}', '\u{202e}', '\u{2028}'] {
        assert!(!err.contains(bad), "raw U+{:04X} in {err:?}", bad as u32);
    }

    // A URL in the API's answer reaches stderr of the binary escaped.
    let server = MockForge::github(TOKEN);
    let reply = serde_json::json!({
        "id": 1, "body": "x", "user": {"login": GH_BOT},
        "html_url": format!("http://h/pull/7\n::set-output name=x::{}\u{1b}[2J", "y"),
    });
    server.script(200, &[], "[]");
    server.script(201, &[], &reply.to_string());
    let file = support::scratch_file("trust-body.md", &format!("{MARKER}\nbody\n"));
    let out = Command::cargo_bin("plangate")
        .unwrap()
        .env_clear()
        .env("GITHUB_TOKEN", TOKEN)
        .args(["comment", "github", "--api-url", &server.api_url(), "--repo", GH_REPO, "--number", "7", "--body"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr:?}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    assert!(stderr.lines().all(|l| !l.trim_start().starts_with("::")), "{stderr:?}");
}

#[test]
fn a_stalled_forge_hits_the_deadline_and_exits_2() {
    let server = MockForge::github(TOKEN);
    server.stall();
    let file = support::scratch_file("stall-body.md", &format!("{MARKER}\nbody\n"));
    let out = Command::cargo_bin("plangate")
        .unwrap()
        .env_clear()
        .env("GITHUB_TOKEN", TOKEN)
        .args(["comment", "github", "--api-url", &server.api_url(), "--repo", GH_REPO, "--number", "7"])
        .args(["--deadline", "2", "--body"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("deadline"), "{stderr}");
    assert!(!stderr.contains(TOKEN));
}
