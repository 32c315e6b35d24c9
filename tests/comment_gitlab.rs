//! GitLab comment bot against a loopback mock of the merge request notes API: paths, tokens, paging, system notes, errors.

mod support;

use plangate::comment::{AuthScheme, Behaviour, CommentOptions, Outcome, Platform, Target, post, resolve_target};
use support::{GL_IID, GitLabPaging, MockForge, body, env_of, options};

const TOKEN: &str = "glpat-Sup3rS3cretGitLabT0ken";

fn gl_opts(id: &str) -> CommentOptions {
    options(Platform::GitLab, id)
}

/// Target from the GitLab CI variables, with `project` as `CI_PROJECT_ID`.
fn target_with(server: &MockForge, opts: &CommentOptions, project: &str, extra: &[(&str, &str)]) -> Target {
    let api = server.api_url();
    let iid = GL_IID.to_string();
    let mut vars: Vec<(&str, &str)> =
        vec![("CI_API_V4_URL", &api), ("CI_PROJECT_ID", project), ("CI_MERGE_REQUEST_IID", &iid)];
    vars.extend_from_slice(extra);
    resolve_target(opts, &env_of(&vars)).expect("target resolves")
}

fn target(server: &MockForge, opts: &CommentOptions) -> Target {
    target_with(server, opts, "42", &[("GITLAB_TOKEN", TOKEN)])
}

fn assert_no_token(text: &str) {
    assert!(!text.contains(TOKEN), "token leaked in: {text}");
    assert!(!text.contains("Sup3rS3cret"), "part of the token leaked in: {text}");
}

#[test]
fn creates_then_updates_in_place() {
    let server = MockForge::gitlab(TOKEN, "42", GitLabPaging::NextPageHeader);
    let opts = gl_opts("plangate");
    let t = target(&server, &opts);
    assert_eq!(t.auth, AuthScheme::GitLabPrivateToken);

    let out = post(&opts, &t, &body("plangate", "plan v1")).unwrap();
    let Outcome::Created { id, url, .. } = out.clone() else {
        panic!("expected Created, got {out:?}");
    };
    // No CI_PROJECT_URL and a numeric project: the link is the note's API URL.
    assert_eq!(url, format!("{}/projects/42/merge_requests/5/notes/{id}", server.api_url()));
    let out = post(&opts, &t, &body("plangate", "plan v2")).unwrap();
    assert!(matches!(out, Outcome::Updated { id: u, duplicates: 0, .. } if u == id), "{out:?}");

    let comments = server.comments();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].body, "<!-- plangate:plangate -->\nplan v2");

    let reqs = server.requests();
    let seen: Vec<(String, String)> = reqs.iter().map(|r| (r.method.clone(), r.path().to_string())).collect();
    let notes = "/api/v4/projects/42/merge_requests/5/notes";
    assert_eq!(
        seen,
        vec![
            ("GET".to_string(), notes.to_string()),
            ("POST".to_string(), notes.to_string()),
            ("GET".to_string(), notes.to_string()),
            // A note carries the marker: whose is it? Only the token's user's count.
            ("GET".to_string(), "/api/v4/user".to_string()),
            ("PUT".to_string(), format!("{notes}/{id}")),
        ]
    );
    assert_eq!(reqs[0].query("per_page").as_deref(), Some("100"));
    assert_eq!(reqs[0].query("page").as_deref(), Some("1"));
    assert_eq!(reqs[0].query("sort").as_deref(), Some("asc"));
    for r in &reqs {
        assert_eq!(r.header("private-token"), Some(TOKEN));
        assert_eq!(r.header("job-token"), None);
        assert_eq!(r.header("authorization"), None);
        assert_eq!(r.header("user-agent"), Some(concat!("plangate/", env!("CARGO_PKG_VERSION"))));
    }
}

#[test]
fn project_paths_are_url_encoded() {
    let server = MockForge::gitlab(TOKEN, "group%2Fsub%2Fproj", GitLabPaging::NextPageHeader);
    let opts = gl_opts("plangate");
    let t = target_with(&server, &opts, "group/sub/proj", &[("GITLAB_TOKEN", TOKEN)]);
    assert_eq!(t.repo, "group/sub/proj");
    let out = post(&opts, &t, &body("plangate", "plan")).unwrap();
    let Outcome::Created { id, url, .. } = out.clone() else {
        panic!("expected Created, got {out:?}");
    };
    // A project path and an `/api/v4` API: the web link is derived from them.
    assert_eq!(url, format!("http://{}/group/sub/proj/-/merge_requests/5#note_{id}", server.addr));
    for r in server.requests() {
        assert!(r.path().starts_with("/api/v4/projects/group%2Fsub%2Fproj/merge_requests/5/notes"), "{}", r.target);
    }
    assert_eq!(server.comments().len(), 1);

    // --repo override, given already encoded, is not encoded twice.
    let mut o = gl_opts("plangate");
    o.repo = Some("group%2Fsub%2Fproj".into());
    let t = target_with(&server, &o, "999", &[("GITLAB_TOKEN", TOKEN)]);
    let out = post(&o, &t, &body("plangate", "plan 2")).unwrap();
    assert!(matches!(out, Outcome::Updated { id: u, .. } if u == id), "{out:?}");
}

#[test]
fn note_links_use_ci_project_url() {
    let server = MockForge::gitlab(TOKEN, "42", GitLabPaging::NextPageHeader);
    let opts = gl_opts("plangate");
    let t = target_with(
        &server,
        &opts,
        "42",
        &[("GITLAB_TOKEN", TOKEN), ("CI_PROJECT_URL", "https://gitlab.example.com/team/infra")],
    );
    let out = post(&opts, &t, &body("plangate", "plan")).unwrap();
    let Outcome::Created { id, url, .. } = out else { panic!() };
    assert_eq!(url, format!("https://gitlab.example.com/team/infra/-/merge_requests/5#note_{id}"));
}

#[test]
fn system_notes_are_skipped() {
    let server = MockForge::gitlab(TOKEN, "42", GitLabPaging::NextPageHeader);
    // A system note that happens to start with the marker must never be edited.
    let system = server.seed("<!-- plangate:plangate -->\nadded 1 commit", true);
    server.seed("approved this merge request", true);
    let opts = gl_opts("plangate");
    let out = post(&opts, &target(&server, &opts), &body("plangate", "plan")).unwrap();
    assert!(matches!(out, Outcome::Created { .. }), "{out:?}");
    let comments = server.comments();
    assert_eq!(comments.len(), 3);
    assert_eq!(comments[0].id, system);
    assert_eq!(comments[0].body, "<!-- plangate:plangate -->\nadded 1 commit");
    assert!(server.writes().iter().all(|r| r.method == "POST"));
}

fn seed_pages(server: &MockForge) -> u64 {
    for i in 0..130 {
        server.seed(&format!("discussion {i}"), i % 3 == 0);
    }
    let ours = server.seed("<!-- plangate:plangate -->\nold", false);
    for i in 0..125 {
        server.seed(&format!("more discussion {i}"), false);
    }
    ours
}

#[test]
fn pagination_with_x_next_page() {
    let server = MockForge::gitlab(TOKEN, "42", GitLabPaging::NextPageHeader);
    let ours = seed_pages(&server);
    let opts = gl_opts("plangate");
    let out = post(&opts, &target(&server, &opts), &body("plangate", "new")).unwrap();
    assert!(matches!(out, Outcome::Updated { id, .. } if id == ours), "{out:?}");
    let pages: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path() != "/api/v4/user")
        .map(|r| r.query("page").unwrap())
        .collect();
    assert_eq!(pages, vec!["1", "2", "3"]);
    assert_eq!(server.comments().len(), 256);
    assert_eq!(server.comments()[130].body, "<!-- plangate:plangate -->\nnew");
}

#[test]
fn pagination_with_link_header_only() {
    let server = MockForge::gitlab(TOKEN, "42", GitLabPaging::LinkOnly);
    let ours = seed_pages(&server);
    let opts = gl_opts("plangate");
    let out = post(&opts, &target(&server, &opts), &body("plangate", "new")).unwrap();
    assert!(matches!(out, Outcome::Updated { id, .. } if id == ours), "{out:?}");
    let gets = server.requests().into_iter().filter(|r| r.method == "GET" && r.path() != "/api/v4/user").count();
    assert_eq!(gets, 3);
}

#[test]
fn new_delete_and_new_and_skip() {
    let server = MockForge::gitlab(TOKEN, "42", GitLabPaging::NextPageHeader);
    let first = server.seed("<!-- plangate:staging -->\nplan", false);
    let mut opts = gl_opts("staging");
    let t = target(&server, &opts);

    opts.skip_if_unchanged = true;
    let out = post(&opts, &t, &body("staging", "plan")).unwrap();
    assert!(matches!(out, Outcome::Unchanged { id, .. } if id == first), "{out:?}");
    assert!(server.writes().is_empty());

    opts.skip_if_unchanged = false;
    opts.behaviour = Behaviour::New;
    let out = post(&opts, &t, &body("staging", "plan")).unwrap();
    assert!(matches!(out, Outcome::Created { .. }), "{out:?}");
    assert_eq!(server.comments().len(), 2);

    opts.behaviour = Behaviour::DeleteAndNew;
    let out = post(&opts, &t, &body("staging", "plan 3")).unwrap();
    let Outcome::Created { id, deleted, .. } = out else { panic!("{out:?}") };
    assert_eq!(deleted, 2);
    let comments = server.comments();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].id, id);
    assert_eq!(comments[0].body, "<!-- plangate:staging -->\nplan 3");
    let deletes = server.writes().into_iter().filter(|r| r.method == "DELETE").count();
    assert_eq!(deletes, 2);
}

#[test]
fn job_token_is_sent_as_job_token_and_its_errors_say_why() {
    let server = MockForge::gitlab(TOKEN, "42", GitLabPaging::NextPageHeader);
    let opts = gl_opts("plangate");
    let t = target_with(&server, &opts, "42", &[("CI_JOB_TOKEN", TOKEN)]);
    assert_eq!(t.auth, AuthScheme::GitLabJobToken);
    assert_eq!(t.token_env, "CI_JOB_TOKEN");
    post(&opts, &t, &body("plangate", "plan")).unwrap();
    let reqs = server.requests();
    assert!(reqs.iter().all(|r| r.header("job-token") == Some(TOKEN) && r.header("private-token").is_none()));

    // GITLAB_TOKEN wins when both are set.
    let t = target_with(&server, &opts, "42", &[("CI_JOB_TOKEN", "job"), ("GITLAB_TOKEN", TOKEN)]);
    assert_eq!(t.auth, AuthScheme::GitLabPrivateToken);

    // Job tokens are refused for notes on most GitLab versions: the error says so.
    server.script(403, &[], r#"{"message":"403 Forbidden"}"#);
    let t = target_with(&server, &opts, "42", &[("CI_JOB_TOKEN", TOKEN)]);
    let msg = format!("{:#}", post(&opts, &t, &body("plangate", "plan")).unwrap_err());
    assert!(msg.starts_with("permission denied (HTTP 403"), "{msg}");
    assert!(msg.contains("`api` scope"), "{msg}");
    assert!(msg.contains("Reporter/Developer"), "{msg}");
    assert!(msg.contains("`CI_JOB_TOKEN` cannot write notes"), "{msg}");
    assert!(msg.contains("`GITLAB_TOKEN`"), "{msg}");

    server.script(401, &[], r#"{"message":"401 Unauthorized"}"#);
    let msg = format!("{:#}", post(&opts, &t, &body("plangate", "plan")).unwrap_err());
    assert!(msg.starts_with("token rejected: `CI_JOB_TOKEN` is missing, expired or has no access to `42`"), "{msg}");
    assert!(msg.contains("put a project access token with the `api` scope in `GITLAB_TOKEN`"), "{msg}");
    assert_no_token(&msg);
}

#[test]
fn errors_401_403_404() {
    let server = MockForge::gitlab("a-different-token", "42", GitLabPaging::NextPageHeader);
    let opts = gl_opts("plangate");
    let msg = format!("{:#}", post(&opts, &target(&server, &opts), &body("plangate", "x")).unwrap_err());
    assert!(msg.starts_with("token rejected: `GITLAB_TOKEN` is missing, expired or has no access to `42`"), "{msg}");
    assert!(!msg.contains("CI_JOB_TOKEN"), "{msg}");

    let server = MockForge::gitlab(TOKEN, "42", GitLabPaging::NextPageHeader);
    server.script(403, &[], r#"{"message":"403 Forbidden"}"#);
    let msg = format!("{:#}", post(&opts, &target(&server, &opts), &body("plangate", "x")).unwrap_err());
    assert!(msg.contains("needs the `api` scope and at least Reporter/Developer role on `42`"), "{msg}");
    assert_eq!(server.requests().len(), 1);

    let t = target_with(&server, &opts, "group/nope", &[("GITLAB_TOKEN", TOKEN)]);
    let msg = format!("{:#}", post(&opts, &t, &body("plangate", "x")).unwrap_err());
    assert!(
        msg.starts_with("project/MR not found or not visible to this token: project `group/nope` merge request !5"),
        "{msg}"
    );
    assert!(msg.contains("404 Project Not Found"), "{msg}");
}

#[test]
fn server_errors_and_429_are_retried() {
    let server = MockForge::gitlab(TOKEN, "42", GitLabPaging::NextPageHeader);
    server.script(500, &[], "");
    server.script(429, &[("Retry-After", "0")], r#"{"message":"429 Too Many Requests"}"#);
    let opts = gl_opts("plangate");
    let out = post(&opts, &target(&server, &opts), &body("plangate", "x")).unwrap();
    assert!(matches!(out, Outcome::Created { .. }), "{out:?}");
    let methods: Vec<String> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, vec!["GET", "GET", "GET", "POST"]);

    // A failing POST is retried too.
    let server = MockForge::gitlab(TOKEN, "42", GitLabPaging::NextPageHeader);
    let mut o = gl_opts("plangate");
    o.behaviour = Behaviour::New;
    server.script(502, &[], "");
    post(&o, &target(&server, &o), &body("plangate", "x")).unwrap();
    assert_eq!(server.requests().len(), 2);
    assert_eq!(server.comments().len(), 1);
}

#[test]
fn dry_run_makes_no_request_and_hides_the_token() {
    let server = MockForge::gitlab(TOKEN, "group%2Fproj", GitLabPaging::NextPageHeader);
    for behaviour in [Behaviour::Update, Behaviour::New, Behaviour::DeleteAndNew] {
        let mut opts = gl_opts("plangate");
        opts.dry_run = true;
        opts.behaviour = behaviour;
        let t = target_with(&server, &opts, "group/proj", &[("GITLAB_TOKEN", TOKEN)]);
        let out = post(&opts, &t, &body("plangate", "plan")).unwrap();
        let Outcome::DryRun { request } = out else { panic!("{out:?}") };
        assert!(request.starts_with("dry run: no request sent to GitLab"), "{request}");
        assert!(request.contains("PRIVATE-TOKEN: ***"), "{request}");
        assert!(request.contains("/projects/group%2Fproj/merge_requests/5/notes"), "{request}");
        match behaviour {
            Behaviour::Update => assert!(request.contains("PUT ") && request.contains("else: POST "), "{request}"),
            Behaviour::New => assert!(!request.contains("GET ") && request.contains("POST "), "{request}"),
            Behaviour::DeleteAndNew => assert!(request.contains("DELETE "), "{request}"),
        }
        assert_no_token(&request);
        assert_no_token(&format!("{t:?}"));
    }
    assert!(server.requests().is_empty());
}

#[test]
fn target_resolution_errors_name_the_variable_and_flag() {
    let opts = gl_opts("plangate");
    let all = [
        ("CI_API_V4_URL", "https://gitlab.com/api/v4"),
        ("CI_PROJECT_ID", "42"),
        ("CI_MERGE_REQUEST_IID", "5"),
        ("GITLAB_TOKEN", TOKEN),
    ];
    let without = |name: &str| {
        let vars: Vec<(&str, &str)> = all.iter().copied().filter(|(k, _)| *k != name).collect();
        format!("{:#}", resolve_target(&opts, &env_of(&vars)).unwrap_err())
    };
    let msg = without("CI_API_V4_URL");
    assert!(msg.starts_with("`CI_API_V4_URL` is not set: pass --api-url"), "{msg}");
    let msg = without("CI_PROJECT_ID");
    assert_eq!(msg, "`CI_PROJECT_ID` is not set: pass --repo PROJECT_ID_OR_PATH");
    let msg = without("CI_MERGE_REQUEST_IID");
    assert!(msg.starts_with("`CI_MERGE_REQUEST_IID` is not set"), "{msg}");
    assert!(msg.contains("pass --number IID"), "{msg}");
    let msg = without("GITLAB_TOKEN");
    assert!(msg.starts_with("no GitLab token: set `GITLAB_TOKEN`"), "{msg}");

    let mut vars = all.to_vec();
    vars[2] = ("CI_MERGE_REQUEST_IID", "abc");
    let msg = format!("{:#}", resolve_target(&opts, &env_of(&vars)).unwrap_err());
    assert_eq!(msg, "`CI_MERGE_REQUEST_IID` is `abc`, not a number: pass --number IID");

    // Overrides win over the environment.
    let mut o = opts.clone();
    o.api_url = Some("https://gitlab.example.com/api/v4/".into());
    o.repo = Some("/team/infra/".into());
    o.number = Some(77);
    let t = resolve_target(&o, &env_of(&all)).unwrap();
    assert_eq!(t.api_url, "https://gitlab.example.com/api/v4");
    assert_eq!(t.repo, "team/infra");
    assert_eq!(t.number, 77);
    assert_no_token(&format!("{t:?}"));
}
