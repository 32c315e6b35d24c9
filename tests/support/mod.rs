//! Test helpers: an in-memory GitHub / GitLab comment API served over loopback HTTP, recording every request.
#![allow(dead_code)] // each test file uses a different part of this module

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use plangate::comment::{CommentOptions, HttpSettings, Platform};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query, exactly as sent (percent-encoding kept).
    pub target: String,
    /// Header names lowercased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap()
    }

    pub fn query(&self, key: &str) -> Option<String> {
        query_param(&self.target, key)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == &name.to_ascii_lowercase()).map(|(_, v)| v.as_str())
    }

    pub fn header_count(&self, name: &str) -> usize {
        self.headers.iter().filter(|(k, _)| k == &name.to_ascii_lowercase()).count()
    }
}

/// A canned response served (once) instead of the normal handling of the next request.
#[derive(Debug, Clone)]
pub struct Scripted {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub id: u64,
    pub body: String,
    pub system: bool,
    /// Who wrote it (GitHub `user.login`, GitLab `author.username`).
    pub author: String,
}

/// Who the mock's token posts as: GitHub Actions' `GITHUB_TOKEN` user, and a
/// GitLab project access token's bot user.
pub const GH_BOT: &str = "github-actions[bot]";
pub const GL_BOT: &str = "project_5_bot";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitLabPaging {
    /// `X-Next-Page` (and `Link`) headers, as GitLab sends them.
    NextPageHeader,
    /// Only a `Link` header.
    LinkOnly,
}

struct State {
    comments: Vec<Stored>,
    next_id: u64,
    requests: Vec<Recorded>,
    script: VecDeque<Scripted>,
    /// What `GET /user` answers: `None` refuses it (GitHub's `GITHUB_TOKEN`).
    user: Option<String>,
    /// Who new comments are written by.
    poster: String,
    /// Read requests and never answer them.
    stall: bool,
}

#[derive(Clone)]
struct Config {
    platform: Platform,
    token: String,
    /// GitHub `owner/name`, or GitLab project segment as it must appear in the path (encoded).
    repo: String,
    number: u64,
    paging: GitLabPaging,
}

/// A loopback server implementing the comment endpoints of one PR/MR.
pub struct MockForge {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
    platform: Platform,
}

pub const GH_REPO: &str = "octo/plans";
pub const GH_PR: u64 = 7;
pub const GL_IID: u64 = 5;

impl MockForge {
    /// GitHub Enterprise style API under `/api/v3`, repository `octo/plans`, PR 7.
    pub fn github(token: &str) -> Self {
        Self::start(Config {
            platform: Platform::GitHub,
            token: token.to_string(),
            repo: GH_REPO.to_string(),
            number: GH_PR,
            paging: GitLabPaging::NextPageHeader,
        })
    }

    /// GitLab API under `/api/v4`; `project_segment` is how the project must appear in paths
    /// (e.g. `42` or `group%2Fsub%2Fproj`); MR IID 5.
    pub fn gitlab(token: &str, project_segment: &str, paging: GitLabPaging) -> Self {
        Self::start(Config {
            platform: Platform::GitLab,
            token: token.to_string(),
            repo: project_segment.to_string(),
            number: GL_IID,
            paging,
        })
    }

    fn start(config: Config) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let (user, poster) = match config.platform {
            Platform::GitHub => (None, GH_BOT.to_string()),
            Platform::GitLab => (Some(GL_BOT.to_string()), GL_BOT.to_string()),
        };
        let state = Arc::new(Mutex::new(State {
            comments: Vec::new(),
            next_id: 1000,
            requests: Vec::new(),
            script: VecDeque::new(),
            user,
            poster,
            stall: false,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let platform = config.platform;
        let handle = {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = conn {
                        let _ = serve(stream, addr, &config, &state);
                    }
                }
            })
        };
        MockForge { addr, state, stop, handle: Some(handle), platform }
    }

    pub fn api_url(&self) -> String {
        match self.platform {
            Platform::GitHub => format!("http://{}/api/v3", self.addr),
            Platform::GitLab => format!("http://{}/api/v4", self.addr),
        }
    }

    /// Adds a comment (or a GitLab system note) as if the token's user had posted it; returns its id.
    pub fn seed(&self, body: &str, system: bool) -> u64 {
        let poster = self.state.lock().unwrap().poster.clone();
        self.seed_by(body, system, &poster)
    }

    /// Adds a comment written by `author`; returns its id.
    pub fn seed_by(&self, body: &str, system: bool, author: &str) -> u64 {
        let mut s = self.state.lock().unwrap();
        let id = s.next_id;
        s.next_id += 1;
        s.comments.push(Stored { id, body: body.to_string(), system, author: author.to_string() });
        id
    }

    /// The token is a personal one of `login`: `GET /user` answers it and new comments are by it.
    pub fn token_user(&self, login: Option<&str>) {
        let mut s = self.state.lock().unwrap();
        s.user = login.map(str::to_string);
        if let Some(l) = login {
            s.poster = l.to_string();
        }
    }

    /// From now on, read every request and never answer.
    pub fn stall(&self) {
        self.state.lock().unwrap().stall = true;
    }

    pub fn comments(&self) -> Vec<Stored> {
        self.state.lock().unwrap().comments.clone()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Requests other than comment-list reads.
    pub fn writes(&self) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.method != "GET").collect()
    }

    pub fn script(&self, status: u16, headers: &[(&str, &str)], body: &str) {
        self.state.lock().unwrap().script.push_back(Scripted {
            status,
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: body.to_string(),
        });
    }
}

impl Drop for MockForge {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn query_param(target: &str, key: &str) -> Option<String> {
    let (_, q) = target.split_once('?')?;
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| v.to_string())
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        _ => "Status",
    }
}

fn read_request(stream: &TcpStream) -> std::io::Result<Recorded> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let get = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v): &(String, String)| v.clone());
    let mut body = Vec::new();
    if let Some(len) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(len, 0);
        reader.read_exact(&mut body)?;
    } else if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    Ok(Recorded { method, target, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

fn serve(mut stream: TcpStream, addr: SocketAddr, config: &Config, state: &Mutex<State>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let req = read_request(&stream)?;
    if req.method.is_empty() {
        return Ok(()); // the wake-up connection from Drop, or a probe
    }
    let reply = {
        let mut s = state.lock().unwrap();
        s.requests.push(req.clone());
        if s.stall {
            // Hold the connection open, silent, on another thread.
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_secs(60));
                drop(stream);
            });
            return Ok(());
        }
        match s.script.pop_front() {
            Some(r) => r,
            None => match config.platform {
                Platform::GitHub => github(&req, addr, config, &mut s),
                Platform::GitLab => gitlab(&req, addr, config, &mut s),
            },
        }
    };
    let mut out = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    out.push_str("Content-Type: application/json\r\n");
    for (k, v) in &reply.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", reply.body.len()));
    out.push_str(&reply.body);
    stream.write_all(out.as_bytes())?;
    stream.flush()?;
    let _ = stream.shutdown(std::net::Shutdown::Both);
    Ok(())
}

fn json_reply(status: u16, value: serde_json::Value) -> Scripted {
    Scripted { status, headers: Vec::new(), body: value.to_string() }
}

fn message(status: u16, msg: &str) -> Scripted {
    json_reply(status, serde_json::json!({ "message": msg }))
}

fn body_of(req: &Recorded) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(&req.body).ok()?;
    v.get("body")?.as_str().map(str::to_string)
}

/// Paging over `visible`: returns (items of page, total pages).
fn page_of(visible: &[Stored], page: usize, per_page: usize) -> (Vec<Stored>, usize) {
    let pages = visible.len().div_ceil(per_page).max(1);
    let start = (page.saturating_sub(1)) * per_page;
    let items = visible.iter().skip(start).take(per_page).cloned().collect();
    (items, pages)
}

fn github(req: &Recorded, addr: SocketAddr, c: &Config, s: &mut State) -> Scripted {
    if req.header("authorization") != Some(&format!("Bearer {}", c.token)) {
        return message(401, "Bad credentials");
    }
    let path = req.path();
    let issue = format!("/api/v3/repos/{}/issues/{}/comments", c.repo, c.number);
    // GitHub's Link headers point at /repositories/ID/...: the client must follow them verbatim.
    let issue_by_id = format!("/api/v3/repositories/4242/issues/{}/comments", c.number);
    let item_prefix = format!("/api/v3/repos/{}/issues/comments/", c.repo);
    let gh = |st: &Stored| {
        serde_json::json!({
            "id": st.id,
            "body": st.body,
            "html_url": format!("http://{addr}/{}/pull/{}#issuecomment-{}", c.repo, c.number, st.id),
            "user": {"login": st.author},
        })
    };
    if req.method == "GET" && path == "/api/v3/user" {
        return match &s.user {
            Some(login) => json_reply(200, serde_json::json!({ "login": login })),
            None => message(403, "Resource not accessible by integration"),
        };
    }
    match req.method.as_str() {
        "GET" if path == issue || path == issue_by_id => {
            let per_page: usize = req.query("per_page").and_then(|v| v.parse().ok()).unwrap_or(30);
            let page: usize = req.query("page").and_then(|v| v.parse().ok()).unwrap_or(1);
            let visible: Vec<Stored> = s.comments.clone();
            let (items, pages) = page_of(&visible, page, per_page);
            let mut headers = Vec::new();
            if page < pages {
                let link = |p: usize, rel: &str| {
                    format!("<http://{addr}{issue_by_id}?per_page={per_page}&page={p}>; rel=\"{rel}\"")
                };
                headers.push(("Link".to_string(), format!("{}, {}", link(page + 1, "next"), link(pages, "last"))));
            }
            Scripted {
                status: 200,
                headers,
                body: serde_json::Value::Array(items.iter().map(gh).collect()).to_string(),
            }
        }
        "POST" if path == issue => {
            let Some(body) = body_of(req) else {
                return message(422, "body is missing");
            };
            let id = s.next_id;
            s.next_id += 1;
            let st = Stored { id, body, system: false, author: s.poster.clone() };
            s.comments.push(st.clone());
            json_reply(201, gh(&st))
        }
        "PATCH" | "DELETE" if path.starts_with(&item_prefix) => {
            let Ok(id) = path[item_prefix.len()..].parse::<u64>() else {
                return message(404, "Not Found");
            };
            let Some(pos) = s.comments.iter().position(|x| x.id == id) else {
                return message(404, "Not Found");
            };
            if req.method == "DELETE" {
                s.comments.remove(pos);
                return Scripted { status: 204, headers: Vec::new(), body: String::new() };
            }
            let Some(body) = body_of(req) else {
                return message(422, "body is missing");
            };
            s.comments[pos].body = body;
            json_reply(200, gh(&s.comments[pos]))
        }
        _ => message(404, "Not Found"),
    }
}

fn gitlab(req: &Recorded, addr: SocketAddr, c: &Config, s: &mut State) -> Scripted {
    let private = req.header("private-token");
    let job = req.header("job-token");
    if private != Some(c.token.as_str()) && job != Some(c.token.as_str()) {
        return message(401, "401 Unauthorized");
    }
    let path = req.path();
    if req.method == "GET" && path == "/api/v4/user" {
        return match &s.user {
            Some(name) => json_reply(200, serde_json::json!({ "username": name })),
            None => message(401, "401 Unauthorized"),
        };
    }
    let notes = format!("/api/v4/projects/{}/merge_requests/{}/notes", c.repo, c.number);
    if !path.starts_with(&notes) {
        return message(404, "404 Project Not Found");
    }
    let rest = &path[notes.len()..];
    let gl = |st: &Stored| {
        serde_json::json!({
            "id": st.id,
            "body": st.body,
            "system": st.system,
            "noteable_type": "MergeRequest",
            "noteable_iid": c.number,
            "author": {"username": st.author},
        })
    };
    match (req.method.as_str(), rest) {
        ("GET", "") => {
            let per_page: usize = req.query("per_page").and_then(|v| v.parse().ok()).unwrap_or(20);
            let page: usize = req.query("page").and_then(|v| v.parse().ok()).unwrap_or(1);
            let mut visible = s.comments.clone();
            if req.query("sort").as_deref() != Some("asc") {
                visible.reverse(); // GitLab's default is newest first
            }
            let (items, pages) = page_of(&visible, page, per_page);
            let next = if page < pages { (page + 1).to_string() } else { String::new() };
            let mut headers = Vec::new();
            if c.paging == GitLabPaging::NextPageHeader {
                headers.push(("X-Page".to_string(), page.to_string()));
                headers.push(("X-Next-Page".to_string(), next.clone()));
                headers.push(("X-Total-Pages".to_string(), pages.to_string()));
            }
            if !next.is_empty() {
                headers.push((
                    "Link".to_string(),
                    format!("<http://{addr}{notes}?page={next}&per_page={per_page}&sort=asc>; rel=\"next\""),
                ));
            }
            Scripted {
                status: 200,
                headers,
                body: serde_json::Value::Array(items.iter().map(gl).collect()).to_string(),
            }
        }
        ("POST", "") => {
            let Some(body) = body_of(req) else {
                return message(400, "body is missing");
            };
            let id = s.next_id;
            s.next_id += 1;
            let st = Stored { id, body, system: false, author: s.poster.clone() };
            s.comments.push(st.clone());
            json_reply(201, gl(&st))
        }
        ("PUT" | "DELETE", r) if r.starts_with('/') => {
            let Ok(id) = r[1..].parse::<u64>() else {
                return message(404, "404 Not found");
            };
            let Some(pos) = s.comments.iter().position(|x| x.id == id) else {
                return message(404, "404 Not found");
            };
            if req.method == "DELETE" {
                s.comments.remove(pos);
                return Scripted { status: 204, headers: Vec::new(), body: String::new() };
            }
            let Some(body) = body_of(req) else {
                return message(400, "body is missing");
            };
            s.comments[pos].body = body;
            json_reply(200, gl(&s.comments[pos]))
        }
        _ => message(404, "404 Not found"),
    }
}

/// An environment lookup backed by a fixed list of variables.
pub fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |k: &str| map.get(k).cloned()
}

/// Retries with millisecond delays, so failure tests stay fast.
pub fn fast_http() -> HttpSettings {
    HttpSettings {
        retries: 3,
        base_delay: Duration::from_millis(1),
        max_wait: Duration::from_millis(50),
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(5),
    }
}

pub fn options(platform: Platform, id: &str) -> CommentOptions {
    let mut o = CommentOptions::new(platform, plangate::comment::marker_line(id).unwrap());
    o.http = fast_http();
    o
}

/// A review body for `id`: the marker line, then `text`.
pub fn body(id: &str, text: &str) -> String {
    format!("{}\n{text}", plangate::comment::marker_line(id).unwrap())
}

/// A unique scratch file path for this process and `name`.
pub fn scratch_file(name: &str, contents: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("plangate-comment-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    p
}

/// A local port with nothing listening on it.
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}
