//! Loading and reviewing every stack on every core: each worker reads and
//! parses one stack's plans, hands them to the review, and drops them before
//! taking the next stack, so memory holds the reviews and only as many plans
//! as there are workers.
//!
//! Fail closed: a plan that cannot be loaded fails the whole run (exit 2);
//! every such plan is reported, in stack order, not only the first.

use super::StackPlans;
use super::pool;
use crate::plan::{self, LoadError, Plan, Source};

/// Reads and parses one plan, if the stack has it.
fn load(path: Option<&str>) -> Result<Option<Source>, LoadError> {
    path.map(Source::read).transpose()
}

fn parse(src: &Result<Option<Source>, LoadError>) -> Result<Option<Plan<'_>>, LoadError> {
    match src {
        Ok(Some(s)) => plan::parse_plan(s).map(Some),
        Ok(None) => Ok(None),
        Err(e) => Err(e.clone()),
    }
}

/// The loaded plans of one stack.
pub enum Loaded<'a, 'p> {
    Pair { staging: &'a Plan<'p>, prod: &'a Plan<'p> },
    ProdOnly(&'a Plan<'p>),
    StagingOnly(&'a Plan<'p>),
}

/// Every stack through `review(stack, plans)` on `threads` workers, results
/// in stack order; or every plan that could not be loaded.
pub fn review_each<R: Send>(
    stacks: &[StackPlans],
    threads: usize,
    review: impl Fn(&StackPlans, Loaded<'_, '_>) -> R + Sync,
) -> Result<Vec<R>, Vec<LoadError>> {
    let results = pool::map_in_order(stacks, threads, |stack| -> Result<R, Vec<LoadError>> {
        let (staging_src, prod_src) = (load(stack.staging.as_deref()), load(stack.prod.as_deref()));
        // Parse whatever was read, so that every bad plan is reported at once.
        match (parse(&staging_src), parse(&prod_src)) {
            (Ok(Some(staging)), Ok(Some(prod))) => Ok(review(stack, Loaded::Pair { staging: &staging, prod: &prod })),
            (Ok(None), Ok(Some(prod))) => Ok(review(stack, Loaded::ProdOnly(&prod))),
            (Ok(Some(staging)), Ok(None)) => Ok(review(stack, Loaded::StagingOnly(&staging))),
            (Ok(None), Ok(None)) => Err(vec![LoadError::new(&stack.name, "this stack has no plan at all")]),
            (s, p) => Err(s.err().into_iter().chain(p.err()).collect()),
        }
    });
    let mut errors = Vec::new();
    let mut done = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(v) => done.push(v),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() { Ok(done) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(name: &str, staging: Option<&str>, prod: Option<&str>) -> StackPlans {
        StackPlans { name: name.into(), staging: staging.map(Into::into), prod: prod.map(Into::into) }
    }

    #[test]
    fn each_stack_gets_its_own_plans_in_order() {
        let stacks = vec![
            stack("db", Some("testdata/example/staging.json"), Some("testdata/example/prod.json")),
            stack("cdn", None, Some("testdata/pairs/prod-only-change/prod.json")),
            stack("old", Some("testdata/pairs/same-change/staging.json"), None),
        ];
        for threads in [1, 3] {
            let got = review_each(&stacks, threads, |s, plans| {
                let (st, pr) = match plans {
                    Loaded::Pair { staging, prod } => (Some(staging), Some(prod)),
                    Loaded::ProdOnly(p) => (None, Some(p)),
                    Loaded::StagingOnly(s) => (Some(s), None),
                };
                (s.name.clone(), st.map(|p| p.name.clone()), pr.map(|p| p.name.clone()))
            })
            .unwrap();
            assert_eq!(
                got,
                vec![
                    (
                        "db".to_owned(),
                        Some("testdata/example/staging.json".to_owned()),
                        Some("testdata/example/prod.json".to_owned())
                    ),
                    ("cdn".to_owned(), None, Some("testdata/pairs/prod-only-change/prod.json".to_owned())),
                    ("old".to_owned(), Some("testdata/pairs/same-change/staging.json".to_owned()), None),
                ]
            );
        }
    }

    #[test]
    fn every_plan_that_cannot_be_loaded_is_reported() {
        let stacks = vec![
            stack("a", Some("testdata/bad/malformed.json"), Some("testdata/example/prod.json")),
            stack("b", Some("testdata/example/staging.json"), Some("testdata/example/prod.json")),
            stack("c", Some("testdata/nowhere.json"), Some("testdata/bad/empty.json")),
        ];
        let errors = review_each(&stacks, 2, |_, _| ()).unwrap_err();
        let files: Vec<&str> = errors.iter().map(|e| e.file.as_str()).collect();
        assert_eq!(files, ["testdata/bad/malformed.json", "testdata/nowhere.json", "testdata/bad/empty.json"]);
    }
}
