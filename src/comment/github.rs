//! GitHub REST endpoints for pull request comments (issue comments API), and parsing of their JSON.

use anyhow::{Context, Result};
use serde::Deserialize;

use super::http::{Method, Reply, next_link};
use super::target::Target;
use super::{Existing, Forge};

/// Pull request comments of one repository and PR, through the issues API.
pub(crate) struct GitHub<'a> {
    pub target: &'a Target,
}

#[derive(Deserialize)]
struct Comment {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    user: Option<User>,
}

#[derive(Deserialize)]
struct User {
    #[serde(default)]
    login: Option<String>,
}

impl GitHub<'_> {
    fn repo_url(&self) -> String {
        format!("{}/repos/{}", self.target.api_url, self.target.repo)
    }

    fn existing(&self, c: Comment) -> Existing {
        let url = c.html_url.unwrap_or_else(|| self.item_url(&c.id.to_string()));
        let author = c.user.and_then(|u| u.login);
        Existing { id: c.id, body: c.body.unwrap_or_default(), url: super::api_text(&url), author }
    }
}

impl Forge for GitHub<'_> {
    fn list_url(&self, page: u32) -> String {
        format!("{}/issues/{}/comments?per_page=100&page={page}", self.repo_url(), self.target.number)
    }

    fn next_page_url(&self, reply: &Reply, _page: u32) -> Option<String> {
        reply.header("link").and_then(next_link)
    }

    fn parse_list(&self, body: &str) -> Result<Vec<Existing>> {
        let list: Vec<Comment> =
            serde_json::from_str(body).context("the GitHub comment list is not the expected JSON")?;
        Ok(list.into_iter().map(|c| self.existing(c)).collect())
    }

    fn create_url(&self) -> String {
        format!("{}/issues/{}/comments", self.repo_url(), self.target.number)
    }

    fn item_url(&self, id: &str) -> String {
        format!("{}/issues/comments/{id}", self.repo_url())
    }

    fn update_method(&self) -> Method {
        Method::Patch
    }

    fn parse_one(&self, body: &str) -> Result<Existing> {
        let c: Comment = serde_json::from_str(body).context("the GitHub comment is not the expected JSON")?;
        Ok(self.existing(c))
    }

    fn user_url(&self) -> String {
        format!("{}/user", self.target.api_url)
    }

    fn parse_user(&self, body: &str) -> Option<String> {
        serde_json::from_str::<User>(body).ok()?.login.filter(|l| !l.is_empty())
    }

    fn default_identity(&self) -> Option<&'static str> {
        // `GET /user` fails for the installation token GitHub Actions hands
        // out as GITHUB_TOKEN; its comments are posted as this user.
        Some(super::GITHUB_ACTIONS_BOT)
    }
}
