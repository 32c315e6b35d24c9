//! GitLab REST endpoints for merge request notes, project path encoding, and parsing of their JSON.

use anyhow::{Context, Result};
use serde::Deserialize;

use super::http::{Method, Reply, next_link};
use super::target::Target;
use super::{Existing, Forge};

/// Notes of one project's merge request.
pub(crate) struct GitLab<'a> {
    pub target: &'a Target,
}

#[derive(Deserialize)]
struct Note {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    system: bool,
    #[serde(default)]
    author: Option<User>,
}

#[derive(Deserialize)]
struct User {
    #[serde(default)]
    username: Option<String>,
}

/// The project segment of an API path: a numeric id as is, a path (`group/proj`) percent-encoded
/// (`group%2Fproj`); a value that already contains `%` is taken as encoded.
pub fn encode_project(project: &str) -> String {
    if project.contains('%') {
        return project.to_string();
    }
    let mut out = String::with_capacity(project.len() * 3);
    for b in project.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl GitLab<'_> {
    fn notes_url(&self) -> String {
        format!(
            "{}/projects/{}/merge_requests/{}/notes",
            self.target.api_url,
            encode_project(&self.target.repo),
            self.target.number
        )
    }

    /// A browser link to the note when the project's web URL is known, else the note's API URL.
    fn note_url(&self, id: u64) -> String {
        let t = self.target;
        let web = t.web_url.clone().or_else(|| {
            let is_path = !t.repo.chars().all(|c| c.is_ascii_digit()) && !t.repo.contains('%');
            let base = t.api_url.strip_suffix("/api/v4")?;
            is_path.then(|| format!("{base}/{}", t.repo))
        });
        match web {
            Some(w) => format!("{w}/-/merge_requests/{}#note_{id}", t.number),
            None => self.item_url(&id.to_string()),
        }
    }

    fn existing(&self, n: Note) -> Existing {
        let author = n.author.and_then(|u| u.username);
        Existing { id: n.id, body: n.body.unwrap_or_default(), url: super::api_text(&self.note_url(n.id)), author }
    }
}

impl Forge for GitLab<'_> {
    fn list_url(&self, page: u32) -> String {
        format!("{}?per_page=100&page={page}&sort=asc", self.notes_url())
    }

    fn next_page_url(&self, reply: &Reply, _page: u32) -> Option<String> {
        match reply.header("x-next-page").map(str::trim) {
            Some("") => None,
            Some(n) => n.parse::<u32>().ok().map(|n| self.list_url(n)),
            None => reply.header("link").and_then(next_link),
        }
    }

    fn parse_list(&self, body: &str) -> Result<Vec<Existing>> {
        let list: Vec<Note> = serde_json::from_str(body).context("the GitLab note list is not the expected JSON")?;
        Ok(list.into_iter().filter(|n| !n.system).map(|n| self.existing(n)).collect())
    }

    fn create_url(&self) -> String {
        self.notes_url()
    }

    fn item_url(&self, id: &str) -> String {
        format!("{}/{id}", self.notes_url())
    }

    fn update_method(&self) -> Method {
        Method::Put
    }

    fn parse_one(&self, body: &str) -> Result<Existing> {
        let n: Note = serde_json::from_str(body).context("the GitLab note is not the expected JSON")?;
        Ok(self.existing(n))
    }

    fn user_url(&self) -> String {
        format!("{}/user", self.target.api_url)
    }

    fn parse_user(&self, body: &str) -> Option<String> {
        serde_json::from_str::<User>(body).ok()?.username.filter(|l| !l.is_empty())
    }

    fn default_identity(&self) -> Option<&'static str> {
        // Every GitLab token that can write notes can read `GET /user`.
        None
    }
}

#[cfg(test)]
mod tests {
    use super::encode_project;

    #[test]
    fn project_encoding() {
        assert_eq!(encode_project("1234"), "1234");
        assert_eq!(encode_project("group/proj"), "group%2Fproj");
        assert_eq!(encode_project("g/sub/my.proj-1"), "g%2Fsub%2Fmy.proj-1");
        assert_eq!(encode_project("group%2Fproj"), "group%2Fproj");
    }
}
