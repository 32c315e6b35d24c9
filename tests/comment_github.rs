//! GitHub comment bot against a loopback mock of the issue comments API: find, update, create, delete, retry, errors.

mod support;

use std::time::{Duration, Instant};

use plangate::comment::{Behaviour, CommentOptions, Outcome, Platform, Target, max_body_chars, post, resolve_target};
use support::{GH_PR, GH_REPO, MockForge, body, closed_port, env_of, options, scratch_file};

const TOKEN: &str = "ghp_T0pSecretT0kenValue1234567890";

fn gh_opts(id: &str) -> CommentOptions {
    let mut o = options(Platform::GitHub, id);
    o.number = Some(GH_PR);
    o
}

fn target(server: &MockForge, opts: &CommentOptions) -> Target {
    let api = server.api_url();
    let env = env_of(&[("GITHUB_API_URL", &api), ("GITHUB_REPOSITORY", GH_REPO), ("GITHUB_TOKEN", TOKEN)]);
    resolve_target(opts, &env).expect("target resolves")
}

fn run(server: &MockForge, opts: &CommentOptions, text: &str) -> anyhow::Result<Outcome> {
    let t = target(server, opts);
    let id = opts.marker.trim_start_matches("<!-- plangate:").trim_end_matches(" -->").to_string();
    post(opts, &t, &body(&id, text))
}

fn assert_no_token(text: &str) {
    assert!(!text.contains(TOKEN), "token leaked in: {text}");
    assert!(!text.contains("T0pSecret"), "part of the token leaked in: {text}");
}

#[test]
fn creates_a_comment_when_none_exists() {
    let server = MockForge::github(TOKEN);
    server.seed("an unrelated review comment", false);
    let opts = gh_opts("plangate");
    let out = run(&server, &opts, "2 to add").unwrap();
    let Outcome::Created { url, id, deleted } = &out else {
        panic!("expected Created, got {out:?}");
    };
    assert_eq!(*deleted, 0);
    assert!(url.ends_with(&format!("/octo/plans/pull/7#issuecomment-{id}")), "{url}");
    assert!(out.to_string().starts_with("created comment http://"));

    let comments = server.comments();
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[1].body, "<!-- plangate:plangate -->\n2 to add");

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(reqs[0].path(), "/api/v3/repos/octo/plans/issues/7/comments");
    assert_eq!(reqs[0].query("per_page").as_deref(), Some("100"));
    assert_eq!(reqs[0].query("page").as_deref(), Some("1"));
    assert_eq!(reqs[1].method, "POST");
    assert_eq!(reqs[1].path(), "/api/v3/repos/octo/plans/issues/7/comments");
    for r in &reqs {
        assert_eq!(r.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
        assert_eq!(r.header("accept"), Some("application/vnd.github+json"));
        assert_eq!(r.header("x-github-api-version"), Some("2022-11-28"));
        assert_eq!(r.header_count("user-agent"), 1);
        assert_eq!(r.header("user-agent"), Some(concat!("plangate/", env!("CARGO_PKG_VERSION"))));
    }
    assert_eq!(reqs[1].header("content-type"), Some("application/json"));
    let sent: serde_json::Value = serde_json::from_str(&reqs[1].body).unwrap();
    assert_eq!(sent["body"], "<!-- plangate:plangate -->\n2 to add");
}

#[test]
fn second_run_updates_in_place() {
    let server = MockForge::github(TOKEN);
    let opts = gh_opts("plangate");
    let first = run(&server, &opts, "first plan").unwrap();
    let Outcome::Created { id: created, .. } = first else {
        panic!("expected Created, got {first:?}");
    };
    let second = run(&server, &opts, "second plan").unwrap();
    let Outcome::Updated { id, duplicates, url } = &second else {
        panic!("expected Updated, got {second:?}");
    };
    assert_eq!(*id, created);
    assert_eq!(*duplicates, 0);
    assert!(url.contains(&format!("#issuecomment-{created}")));

    let comments = server.comments();
    assert_eq!(comments.len(), 1, "exactly one comment is left");
    assert_eq!(comments[0].body, "<!-- plangate:plangate -->\nsecond plan");
    let patch = server.writes().into_iter().find(|r| r.method == "PATCH").unwrap();
    assert_eq!(patch.path(), format!("/api/v3/repos/octo/plans/issues/comments/{created}"));
}

#[test]
fn finds_the_marker_comment_on_page_two_of_three() {
    let server = MockForge::github(TOKEN);
    for i in 0..120 {
        server.seed(&format!("review remark {i}"), false);
    }
    let ours = server.seed("<!-- plangate:plangate -->\nold plan", false);
    for i in 0..140 {
        server.seed(&format!("later remark {i}"), false);
    }
    let opts = gh_opts("plangate");
    let out = run(&server, &opts, "new plan").unwrap();
    assert!(matches!(out, Outcome::Updated { id, duplicates: 0, .. } if id == ours), "{out:?}");

    let (who, gets): (Vec<_>, Vec<_>) =
        server.requests().into_iter().filter(|r| r.method == "GET").partition(|r| r.path() == "/api/v3/user");
    assert_eq!(who.len(), 1, "the identity is asked once, since a marker comment exists");
    assert_eq!(gets.len(), 3, "all three pages are read");
    assert_eq!(gets[0].path(), "/api/v3/repos/octo/plans/issues/7/comments");
    // Pages 2 and 3 come from the Link header, which points elsewhere on the same host.
    assert_eq!(gets[1].path(), "/api/v3/repositories/4242/issues/7/comments");
    assert_eq!(gets[1].query("page").as_deref(), Some("2"));
    assert_eq!(gets[2].query("page").as_deref(), Some("3"));

    let comments = server.comments();
    assert_eq!(comments.len(), 261);
    assert_eq!(comments[120].body, "<!-- plangate:plangate -->\nnew plan");
    assert!(comments.iter().filter(|c| c.id != ours).all(|c| !c.body.contains("plangate")));
    assert_eq!(server.writes().len(), 1);
}

#[test]
fn skip_if_unchanged_sends_nothing_for_the_same_body() {
    let server = MockForge::github(TOKEN);
    let ours = server.seed("<!-- plangate:plangate -->\nsame plan", false);
    let mut opts = gh_opts("plangate");
    opts.skip_if_unchanged = true;

    let out = run(&server, &opts, "same plan").unwrap();
    assert!(matches!(out, Outcome::Unchanged { id, duplicates: 0, .. } if id == ours), "{out:?}");
    assert!(out.to_string().contains("already up to date"));
    assert!(server.writes().is_empty());

    let out = run(&server, &opts, "changed plan").unwrap();
    assert!(matches!(out, Outcome::Updated { id, .. } if id == ours), "{out:?}");
    assert_eq!(server.comments()[0].body, "<!-- plangate:plangate -->\nchanged plan");

    // Without the flag an identical body is still written.
    opts.skip_if_unchanged = false;
    let out = run(&server, &opts, "changed plan").unwrap();
    assert!(matches!(out, Outcome::Updated { .. }), "{out:?}");
    assert_eq!(server.writes().len(), 2);
}

#[test]
fn behaviour_new_always_creates_without_listing() {
    let server = MockForge::github(TOKEN);
    server.seed("<!-- plangate:plangate -->\nold plan", false);
    let mut opts = gh_opts("plangate");
    opts.behaviour = Behaviour::New;
    let out = run(&server, &opts, "new plan").unwrap();
    assert!(matches!(out, Outcome::Created { deleted: 0, .. }), "{out:?}");
    let comments = server.comments();
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[0].body, "<!-- plangate:plangate -->\nold plan");
    assert_eq!(comments[1].body, "<!-- plangate:plangate -->\nnew plan");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "POST");
}

#[test]
fn behaviour_new_with_skip_compares_with_the_newest() {
    let server = MockForge::github(TOKEN);
    server.seed("<!-- plangate:plangate -->\nolder plan", false);
    let newest = server.seed("<!-- plangate:plangate -->\nnew plan", false);
    let mut opts = gh_opts("plangate");
    opts.behaviour = Behaviour::New;
    opts.skip_if_unchanged = true;
    let out = run(&server, &opts, "new plan").unwrap();
    assert!(matches!(out, Outcome::Unchanged { id, duplicates: 1, .. } if id == newest), "{out:?}");
    assert!(server.writes().is_empty());
}

#[test]
fn delete_and_new_removes_every_marker_comment() {
    let server = MockForge::github(TOKEN);
    let a = server.seed("<!-- plangate:plangate -->\nplan a", false);
    let other = server.seed("looks good to me", false);
    let b = server.seed("<!-- plangate:plangate -->\nplan b", false);
    let mut opts = gh_opts("plangate");
    opts.behaviour = Behaviour::DeleteAndNew;
    let out = run(&server, &opts, "plan c").unwrap();
    let Outcome::Created { id, deleted, .. } = out.clone() else {
        panic!("expected Created, got {out:?}");
    };
    assert_eq!(deleted, 2);
    assert!(out.to_string().contains("deleted 2 older comments"));

    let comments = server.comments();
    let ids: Vec<u64> = comments.iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![other, id]);
    assert_eq!(comments[1].body, "<!-- plangate:plangate -->\nplan c");
    let deletes: Vec<String> =
        server.writes().into_iter().filter(|r| r.method == "DELETE").map(|r| r.path().to_string()).collect();
    assert_eq!(
        deletes,
        vec![
            format!("/api/v3/repos/octo/plans/issues/comments/{a}"),
            format!("/api/v3/repos/octo/plans/issues/comments/{b}"),
        ]
    );
}

#[test]
fn marker_matches_exactly_and_only_on_the_first_line() {
    let server = MockForge::github(TOKEN);
    let non_prod = server.seed("<!-- plangate:non-prod -->\nnon-prod plan", false);
    let quoted = server.seed("> quoting the bot:\n<!-- plangate:prod -->\nold", false);
    let spaced = server.seed(" <!-- plangate:prod -->\nindented marker", false);
    let suffixed = server.seed("<!-- plangate:prod --> trailing\nx", false);
    let prefixed = server.seed("<!-- plangate:prod-eu -->\nx", false);

    let prod = gh_opts("prod");
    let out = run(&server, &prod, "prod plan").unwrap();
    let Outcome::Created { id: prod_id, .. } = out else {
        panic!("prod must not match any existing comment, got {out:?}");
    };
    let comments = server.comments();
    assert_eq!(comments.len(), 6);
    assert_eq!(comments[0].body, "<!-- plangate:non-prod -->\nnon-prod plan");
    assert_eq!(comments[5].body, "<!-- plangate:prod -->\nprod plan");
    assert_eq!(server.writes().len(), 1, "only the POST");

    let out = run(&server, &gh_opts("non-prod"), "non-prod plan v2").unwrap();
    assert!(matches!(out, Outcome::Updated { id, .. } if id == non_prod), "{out:?}");
    let out = run(&server, &prod, "prod plan v2").unwrap();
    assert!(matches!(out, Outcome::Updated { id, .. } if id == prod_id), "{out:?}");
    let by_id = |id: u64| server.comments().into_iter().find(|c| c.id == id).unwrap().body;
    assert_eq!(by_id(quoted), "> quoting the bot:\n<!-- plangate:prod -->\nold");
    assert_eq!(by_id(spaced), " <!-- plangate:prod -->\nindented marker");
    assert_eq!(by_id(suffixed), "<!-- plangate:prod --> trailing\nx");
    assert_eq!(by_id(prefixed), "<!-- plangate:prod-eu -->\nx");
}

#[test]
fn several_marker_comments_update_the_oldest_and_report_duplicates() {
    let server = MockForge::github(TOKEN);
    let oldest = server.seed("<!-- plangate:plangate -->\nv1", false);
    let newer = server.seed("<!-- plangate:plangate -->\nv1 again", false);
    let out = run(&server, &gh_opts("plangate"), "v2").unwrap();
    assert!(matches!(out, Outcome::Updated { id, duplicates: 1, .. } if id == oldest), "{out:?}");
    assert!(out.to_string().contains("1 other comment with the same marker left alone"));
    let comments = server.comments();
    assert_eq!(comments[1].id, newer);
    assert_eq!(comments[1].body, "<!-- plangate:plangate -->\nv1 again");
}

#[test]
fn a_500_is_retried_then_succeeds() {
    let server = MockForge::github(TOKEN);
    server.script(500, &[], r#"{"message":"Server Error"}"#);
    server.script(502, &[], "<html>bad gateway</html>");
    let started = Instant::now();
    let out = run(&server, &gh_opts("plangate"), "plan").unwrap();
    assert!(matches!(out, Outcome::Created { .. }), "{out:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    let methods: Vec<String> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, vec!["GET", "GET", "GET", "POST"]);
    assert_eq!(server.comments().len(), 1);
}

#[test]
fn a_429_with_retry_after_zero_is_retried() {
    let server = MockForge::github(TOKEN);
    server.script(429, &[("Retry-After", "0")], r#"{"message":"slow down"}"#);
    let out = run(&server, &gh_opts("plangate"), "plan").unwrap();
    assert!(matches!(out, Outcome::Created { .. }), "{out:?}");
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn a_403_secondary_rate_limit_is_retried() {
    let server = MockForge::github(TOKEN);
    server.script(
        403,
        &[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "0")],
        r#"{"message":"You have exceeded a secondary rate limit."}"#,
    );
    let out = run(&server, &gh_opts("plangate"), "plan").unwrap();
    assert!(matches!(out, Outcome::Created { .. }), "{out:?}");
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn persistent_5xx_gives_up_after_the_retries() {
    let server = MockForge::github(TOKEN);
    for _ in 0..4 {
        server.script(503, &[], r#"{"message":"unavailable"}"#);
    }
    let err = run(&server, &gh_opts("plangate"), "plan").unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.starts_with("GitHub server error: HTTP 503"), "{msg}");
    assert!(msg.contains("after 4 attempts"), "{msg}");
    assert!(msg.contains("the API said: unavailable"), "{msg}");
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn a_403_names_the_missing_permission() {
    let server = MockForge::github(TOKEN);
    server.script(403, &[], r#"{"message":"Resource not accessible by integration"}"#);
    let err = run(&server, &gh_opts("plangate"), "plan").unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.starts_with("permission denied (HTTP 403"), "{msg}");
    assert!(msg.contains("`pull-requests: write`"), "{msg}");
    assert!(msg.contains("`issues: write`"), "{msg}");
    assert!(msg.contains("permissions: pull-requests: write"), "{msg}");
    assert!(msg.contains("Resource not accessible by integration"), "{msg}");
    assert_eq!(server.requests().len(), 1, "a plain 403 is not retried");
}

#[test]
fn a_401_says_the_token_was_rejected() {
    let server = MockForge::github("some-other-token");
    let err = run(&server, &gh_opts("plangate"), "plan").unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.starts_with("token rejected: `GITHUB_TOKEN` is missing, expired or has no access to `octo/plans`"),
        "{msg}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_404_says_not_found_or_not_visible() {
    let server = MockForge::github(TOKEN);
    let mut opts = gh_opts("plangate");
    opts.repo = Some("octo/missing".into());
    let err = run(&server, &opts, "plan").unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.starts_with("repository/PR not found or not visible to this token"), "{msg}");
    assert!(msg.contains("`octo/missing` pull request #7"), "{msg}");
}

#[test]
fn a_pagination_link_to_another_host_is_refused() {
    let server = MockForge::github(TOKEN);
    server.script(200, &[("Link", "<http://elsewhere.invalid/steal?page=2>; rel=\"next\"")], "[]");
    let err = run(&server, &gh_opts("plangate"), "plan").unwrap_err();
    assert!(format!("{err:#}").starts_with("refusing to follow a pagination link to another host"));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn connection_refused_is_retried_then_fails_clearly() {
    let port = closed_port();
    let mut opts = gh_opts("plangate");
    let api = format!("http://127.0.0.1:{port}/api/v3");
    opts.api_url = Some(api);
    let env = env_of(&[("GITHUB_REPOSITORY", GH_REPO), ("GITHUB_TOKEN", TOKEN)]);
    let t = resolve_target(&opts, &env).unwrap();
    let err = post(&opts, &t, &body("plangate", "plan")).unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.starts_with(&format!("cannot reach `http://127.0.0.1:{port}`")), "{msg}");
    assert!(msg.contains("gave up after 4 attempts"), "{msg}");
    assert_no_token(&msg);
}

#[test]
fn a_silent_server_times_out() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accept and hold connections without answering, until the test ends.
    let holder = std::thread::spawn(move || {
        let mut held = Vec::new();
        listener.set_nonblocking(true).unwrap();
        let until = Instant::now() + Duration::from_secs(3);
        while Instant::now() < until && held.len() < 2 {
            if let Ok((s, _)) = listener.accept() {
                held.push(s);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(500));
    });
    let mut opts = gh_opts("plangate");
    opts.api_url = Some(format!("http://127.0.0.1:{port}"));
    opts.http.retries = 1;
    opts.http.request_timeout = Duration::from_millis(200);
    let env = env_of(&[("GITHUB_REPOSITORY", GH_REPO), ("GITHUB_TOKEN", TOKEN)]);
    let t = resolve_target(&opts, &env).unwrap();
    let started = Instant::now();
    let err = post(&opts, &t, &body("plangate", "plan")).unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("gave up after 2 attempts"), "{msg}");
    assert!(msg.to_lowercase().contains("timeout") || msg.to_lowercase().contains("timed out"), "{msg}");
    assert!(started.elapsed() < Duration::from_secs(3));
    holder.join().unwrap();
}

#[test]
fn the_token_never_appears_in_errors_outcomes_or_debug_output() {
    let mut texts: Vec<String> = Vec::new();
    let collect_err = |e: anyhow::Error, texts: &mut Vec<String>| {
        texts.push(format!("{e}"));
        texts.push(format!("{e:#}"));
        texts.push(format!("{e:?}"));
    };
    // Every HTTP error path, with the server echoing the token back in its message.
    let echo = format!(r#"{{"message":"bad header Authorization: Bearer {TOKEN}"}}"#);
    for status in [400u16, 401, 403, 404, 422, 429, 500] {
        let server = MockForge::github(TOKEN);
        for _ in 0..4 {
            server.script(status, &[], &echo);
        }
        let err = run(&server, &gh_opts("plangate"), "plan").unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("Bearer ***"), "server text is redacted, not dropped: {msg}");
        collect_err(err, &mut texts);
    }
    // Rejected token.
    let server = MockForge::github("another");
    collect_err(run(&server, &gh_opts("plangate"), "plan").unwrap_err(), &mut texts);
    // Network failure.
    let mut opts = gh_opts("plangate");
    opts.api_url = Some(format!("http://127.0.0.1:{}", closed_port()));
    opts.http.retries = 0;
    let env = env_of(&[("GITHUB_REPOSITORY", GH_REPO), ("GITHUB_TOKEN", TOKEN)]);
    let t = resolve_target(&opts, &env).unwrap();
    texts.push(format!("{t:?}"));
    collect_err(post(&opts, &t, &body("plangate", "plan")).unwrap_err(), &mut texts);
    // Local checks: too large, no marker, bad repo.
    collect_err(post(&opts, &t, &body("plangate", &"x".repeat(70_000))).unwrap_err(), &mut texts);
    collect_err(post(&opts, &t, "no marker").unwrap_err(), &mut texts);
    let mut bad = gh_opts("plangate");
    bad.repo = Some("not a repo".into());
    collect_err(resolve_target(&bad, &env).unwrap_err(), &mut texts);
    // Successful outcomes and every dry-run text.
    let server = MockForge::github(TOKEN);
    for behaviour in [Behaviour::Update, Behaviour::New, Behaviour::DeleteAndNew] {
        for skip in [false, true] {
            let mut o = gh_opts("plangate");
            o.behaviour = behaviour;
            o.skip_if_unchanged = skip;
            let out = run(&server, &o, "plan").unwrap();
            texts.push(format!("{out}"));
            texts.push(format!("{out:?}"));
            o.dry_run = true;
            let out = run(&server, &o, "plan").unwrap();
            texts.push(format!("{out}"));
            texts.push(format!("{out:?}"));
            texts.push(format!("{o:?}"));
        }
    }
    assert!(texts.len() > 40);
    for t in &texts {
        assert_no_token(t);
    }
}

#[test]
fn dry_run_makes_no_request_at_all() {
    let server = MockForge::github(TOKEN);
    server.seed("<!-- plangate:plangate -->\nold", false);
    let mut opts = gh_opts("plangate");
    opts.dry_run = true;
    let out = run(&server, &opts, "new plan\nline 2").unwrap();
    let Outcome::DryRun { request } = &out else {
        panic!("expected DryRun, got {out:?}");
    };
    assert!(server.requests().is_empty(), "dry run sent {:?}", server.requests());
    assert!(request.starts_with("dry run: no request sent to GitHub"), "{request}");
    let api = server.api_url();
    assert!(
        request.contains(&format!("GET {api}/repos/octo/plans/issues/7/comments?per_page=100&page=1")),
        "{request}"
    );
    assert!(request.contains(&format!("PATCH {api}/repos/octo/plans/issues/comments/{{id}}")), "{request}");
    assert!(request.contains(&format!("POST {api}/repos/octo/plans/issues/7/comments")), "{request}");
    assert!(request.contains("Authorization: Bearer ***"), "{request}");
    assert!(request.contains("`<!-- plangate:plangate -->`"), "{request}");
    assert!(request.contains("3 lines"), "{request}");
    assert_no_token(request);

    // A dry run does not need a token.
    let env = env_of(&[("GITHUB_REPOSITORY", GH_REPO), ("GITHUB_API_URL", &api)]);
    let t = resolve_target(&opts, &env).unwrap();
    assert!(!t.has_token());
    let out = post(&opts, &t, &body("plangate", "x")).unwrap();
    assert!(out.to_string().contains("`GITHUB_TOKEN` is not set"), "{out}");
    assert!(server.requests().is_empty());
}

#[test]
fn oversized_or_unmarked_bodies_are_refused_before_any_request() {
    let server = MockForge::github(TOKEN);
    let opts = gh_opts("plangate");
    let t = target(&server, &opts);
    let limit = max_body_chars(Platform::GitHub);
    let marker = "<!-- plangate:plangate -->\n";
    // Multi-byte characters: the limit counts characters, not bytes.
    let fits = format!("{marker}{}", "é".repeat(limit - marker.chars().count()));
    assert_eq!(fits.chars().count(), limit);
    let mut dry = opts.clone();
    dry.dry_run = true;
    assert!(post(&dry, &t, &fits).is_ok());
    let over = format!("{fits}x");
    let msg = format!("{:#}", post(&opts, &t, &over).unwrap_err());
    assert!(msg.contains("65537 characters, over the GitHub limit of 65536"), "{msg}");
    let msg = format!("{:#}", post(&opts, &t, "## plan\n<!-- plangate:plangate -->").unwrap_err());
    assert!(msg.starts_with("the comment body must start with the marker line"), "{msg}");
    assert!(server.requests().is_empty());
}

#[test]
fn pr_number_comes_from_the_event_file() {
    let opts = options(Platform::GitHub, "plangate");
    let base = [("GITHUB_REPOSITORY", GH_REPO), ("GITHUB_TOKEN", TOKEN)];
    let with_event = |file: &std::path::Path, extra: &[(&str, &str)]| {
        let path = file.to_str().unwrap().to_string();
        let mut vars: Vec<(&str, &str)> = base.to_vec();
        vars.push(("GITHUB_EVENT_PATH", &path));
        vars.extend_from_slice(extra);
        resolve_target(&opts, &env_of(&vars))
    };

    let pr = scratch_file(
        "pull_request.json",
        r#"{"action":"synchronize","number":42,"pull_request":{"number":42,"title":"x"}}"#,
    );
    assert_eq!(with_event(&pr, &[]).unwrap().number, 42);

    let issue_comment = scratch_file(
        "issue_comment.json",
        r#"{"action":"created","issue":{"number":17,"pull_request":{"url":"u"}},"comment":{"id":1}}"#,
    );
    assert_eq!(with_event(&issue_comment, &[]).unwrap().number, 17);

    let top = scratch_file("top.json", r#"{"number":9}"#);
    assert_eq!(with_event(&top, &[]).unwrap().number, 9);

    let push = scratch_file("push.json", r#"{"ref":"refs/heads/main"}"#);
    let msg = format!("{:#}", with_event(&push, &[("GITHUB_EVENT_NAME", "push")]).unwrap_err());
    assert!(msg.starts_with("cannot tell the pull request number: the `push` event in"), "{msg}");
    assert!(msg.contains("pass --number N"), "{msg}");
    // GITHUB_REF refs/pull/N/merge is a fallback.
    let t = with_event(&push, &[("GITHUB_REF", "refs/pull/88/merge")]).unwrap();
    assert_eq!(t.number, 88);

    // The --number override wins over the event.
    let mut o = opts.clone();
    o.number = Some(3);
    let path = pr.to_str().unwrap().to_string();
    let mut vars: Vec<(&str, &str)> = base.to_vec();
    vars.push(("GITHUB_EVENT_PATH", &path));
    assert_eq!(resolve_target(&o, &env_of(&vars)).unwrap().number, 3);

    let msg = format!("{:#}", resolve_target(&opts, &env_of(&base)).unwrap_err());
    assert_eq!(msg, "cannot tell the pull request number: `GITHUB_EVENT_PATH` is not set; pass --number N");
}

#[test]
fn target_resolution_defaults_overrides_and_errors() {
    let opts = gh_opts("plangate");
    let t = resolve_target(&opts, &env_of(&[("GITHUB_REPOSITORY", GH_REPO), ("GITHUB_TOKEN", TOKEN)])).unwrap();
    assert_eq!(t.api_url, "https://api.github.com");
    assert_eq!(t.repo, "octo/plans");
    assert_eq!(t.token_env, "GITHUB_TOKEN");
    let debug = format!("{t:?}");
    assert!(debug.contains("token: Some(\"***\")"), "{debug}");
    assert_no_token(&debug);

    // GitHub Enterprise API URL from the environment, trailing slash dropped; empty variables are unset.
    let t = resolve_target(
        &opts,
        &env_of(&[
            ("GITHUB_REPOSITORY", GH_REPO),
            ("GITHUB_TOKEN", TOKEN),
            ("GITHUB_API_URL", "https://ghe.example.com/api/v3/"),
        ]),
    )
    .unwrap();
    assert_eq!(t.api_url, "https://ghe.example.com/api/v3");

    let msg = format!("{:#}", resolve_target(&opts, &env_of(&[("GITHUB_TOKEN", TOKEN)])).unwrap_err());
    assert_eq!(msg, "`GITHUB_REPOSITORY` is not set: pass --repo OWNER/NAME");

    let msg = format!(
        "{:#}",
        resolve_target(&opts, &env_of(&[("GITHUB_REPOSITORY", GH_REPO), ("GITHUB_TOKEN", "")])).unwrap_err()
    );
    assert!(msg.starts_with("`GITHUB_TOKEN` is not set"), "{msg}");
    assert!(msg.contains("--token-env"), "{msg}");

    let mut o = opts.clone();
    o.token_env = Some("PLANGATE_GH_TOKEN".into());
    let msg = format!("{:#}", resolve_target(&o, &env_of(&[("GITHUB_REPOSITORY", GH_REPO)])).unwrap_err());
    assert_eq!(msg, "`PLANGATE_GH_TOKEN` is not set (the token variable chosen with --token-env)");
    let t = resolve_target(&o, &env_of(&[("GITHUB_REPOSITORY", GH_REPO), ("PLANGATE_GH_TOKEN", TOKEN)])).unwrap();
    assert_eq!(t.token_env, "PLANGATE_GH_TOKEN");

    let mut o = opts.clone();
    o.api_url = Some("ghe.example.com".into());
    let msg = format!(
        "{:#}",
        resolve_target(&o, &env_of(&[("GITHUB_REPOSITORY", GH_REPO), ("GITHUB_TOKEN", TOKEN)])).unwrap_err()
    );
    assert_eq!(msg, "`ghe.example.com` (from --api-url) is not an http(s) API URL");
}

#[test]
fn the_token_variable_chosen_with_token_env_is_sent() {
    let server = MockForge::github(TOKEN);
    let mut opts = gh_opts("plangate");
    opts.token_env = Some("PLANS_BOT_TOKEN".into());
    let api = server.api_url();
    let env = env_of(&[
        ("GITHUB_API_URL", &api),
        ("GITHUB_REPOSITORY", GH_REPO),
        ("GITHUB_TOKEN", "the-wrong-one"),
        ("PLANS_BOT_TOKEN", TOKEN),
    ]);
    let t = resolve_target(&opts, &env).unwrap();
    let out = post(&opts, &t, &body("plangate", "plan")).unwrap();
    assert!(matches!(out, Outcome::Created { .. }), "{out:?}");
}

#[test]
fn an_exhausted_rate_limit_gives_up_with_a_rate_limit_error() {
    let server = MockForge::github(TOKEN);
    for _ in 0..4 {
        server.script(403, &[("x-ratelimit-remaining", "0")], r#"{"message":"API rate limit exceeded"}"#);
    }
    let msg = format!("{:#}", run(&server, &gh_opts("plangate"), "plan").unwrap_err());
    assert!(msg.starts_with("rate limited by GitHub (HTTP 403 from `GET "), "{msg}");
    assert!(msg.contains("after 4 attempts"), "{msg}");
    assert!(!msg.contains("permission"), "{msg}");
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn redirects_are_not_followed() {
    let server = MockForge::github(TOKEN);
    server.script(301, &[("Location", "http://elsewhere.invalid/repos/octo/renamed")], "");
    let msg = format!("{:#}", run(&server, &gh_opts("plangate"), "plan").unwrap_err());
    assert!(
        msg.contains("redirected `GET ") && msg.contains("to `http://elsewhere.invalid/repos/octo/renamed` (HTTP 301)"),
        "{msg}"
    );
    assert!(msg.contains("--api-url"), "{msg}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_short_token_does_not_mangle_messages() {
    // Redaction of whole messages only applies to token-sized strings; server text is always redacted.
    let server = MockForge::github("tok");
    server.script(403, &[], r#"{"message":"denied for tok"}"#);
    let mut opts = gh_opts("plangate");
    let api = server.api_url();
    opts.api_url = Some(api);
    let env = env_of(&[("GITHUB_REPOSITORY", GH_REPO), ("GITHUB_TOKEN", "tok")]);
    let t = resolve_target(&opts, &env).unwrap();
    let msg = format!("{:#}", post(&opts, &t, &body("plangate", "plan")).unwrap_err());
    assert!(msg.contains("the token in `GITHUB_TOKEN` needs"), "{msg}");
    assert!(msg.ends_with("the API said: denied for ***"), "{msg}");
}
