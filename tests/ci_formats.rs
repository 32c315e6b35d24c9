//! The CI report formats, each checked against its published schema or
//! format on every fixture: SARIF against the official OASIS 2.1.0 schema
//! (one result per finding, fingerprints stable across runs and distinct
//! between findings, waivers as suppressions), GitLab Code Quality (the
//! fields GitLab reads, unique fingerprints), JUnit (well-formed XML parsed
//! back, failures exactly for blocks), and GitHub annotations (within the
//! runner's per-step limits, escaped by the workflow-command rules).
//!
//! The SARIF schema is read from `../shared/schemas/sarif-schema-2.1.0.json`
//! (beside the checkout, as the corpus sweep finds the corpus) or from the
//! file `PLANGATE_SARIF_SCHEMA` names; without either the schema check is
//! skipped with a note, and every other check still runs.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

mod cmd;
use cmd::plangate;

const TODAY: &str = "2026-11-24";

/// Runs plangate with `args` and `--format FORMAT --today TODAY`; returns
/// the exit status (0 or 1) and stdout.
fn run(args: &[&str], format: &str) -> (i32, String) {
    let out = plangate().args(args).args(["--format", format, "--today", TODAY]).output().unwrap();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "plangate {args:?} --format {format} exited {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, String::from_utf8(out.stdout).expect("UTF-8 output"))
}

fn json_of(args: &[&str], format: &str) -> Value {
    let (_, out) = run(args, format);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?} --format {format}: not JSON ({e}):\n{out}"))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A plan with 26 stateful deletes (blocks, one at a hostile for_each key)
/// and 12 other deletes (warnings): more than the runner annotates.
fn many_findings_plan() -> PathBuf {
    let mut changes = Vec::new();
    let mut keys: Vec<String> = (0..25).map(|i| format!("b{i}")).collect();
    keys.push("evil\n::error::injected,%0A:x<y>&'\"\u{1b}[31m</failure>]]>\u{202e}".to_owned());
    for k in &keys {
        changes.push(json!({
            "address": format!("aws_s3_bucket.b[{}]", serde_json::to_string(k).unwrap()),
            "mode": "managed", "type": "aws_s3_bucket", "name": "b", "index": k,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": ["delete"], "before": {"bucket": k}, "after": null,
                       "after_unknown": {}, "before_sensitive": {}, "after_sensitive": false}
        }));
    }
    for i in 0..12 {
        changes.push(json!({
            "address": format!("aws_instance.w[{i}]"),
            "mode": "managed", "type": "aws_instance", "name": "w", "index": i,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": ["delete"], "before": {"ami": "ami-1"}, "after": null,
                       "after_unknown": {}, "before_sensitive": {}, "after_sensitive": false}
        }));
    }
    let plan = json!({
        "format_version": "1.2", "terraform_version": "1.9.0",
        "resource_changes": changes,
        "planned_values": {"root_module": {}}, "configuration": {"root_module": {}},
        "errored": false, "complete": true, "applyable": true
    });
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ci-formats-many.json");
    std::fs::write(&path, serde_json::to_string(&plan).unwrap()).unwrap();
    path
}

/// A policy that waives one finding of the `prod-only-replace` pair, and an
/// unused exception (a finding without an address).
fn waiver_policy() -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ci-formats-policy.toml");
    std::fs::write(
        &path,
        r#"
[[exception]]
rule = "destructive"
address = "terraform_data.cache"
reason = "CHG-1: the cache is rebuilt on start"
expires = 2027-01-31

[[exception]]
rule = "forget"
address = "nothing.matches"
reason = "matches nothing"
"#,
    )
    .unwrap();
    path
}

/// Every invocation the format tests run: reviews of every pair, a check of
/// every plan, and the cases with waivers and with many findings.
fn cases() -> Vec<Vec<String>> {
    let mut cases = Vec::new();
    for root in ["testdata/pairs", "testdata/pairs-handmade"] {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(root).unwrap().map(|e| e.unwrap().path()).collect();
        dirs.sort();
        for d in dirs.into_iter().filter(|d| d.join("prod.json").is_file()) {
            cases.push(vec![
                "review".into(),
                "--staging".into(),
                s(&d.join("staging.json")).into(),
                "--prod".into(),
                s(&d.join("prod.json")).into(),
            ]);
        }
    }
    assert!(cases.len() >= 10, "expected the fixture pairs, found {}", cases.len());
    for plan in ["testdata/plans/stateful-replace-db.json", "testdata/plans/stateful-destroys-four-platforms.json"] {
        cases.push(vec!["check".into(), plan.into()]);
    }
    cases.push(vec![
        "check".into(),
        "--env".into(),
        "staging".into(),
        "testdata/pairs/prod-only-replace/staging.json".into(),
    ]);
    let pair = "testdata/pairs/prod-only-replace";
    cases.push(vec![
        "review".into(),
        "--staging".into(),
        format!("{pair}/staging.json"),
        "--prod".into(),
        format!("{pair}/prod.json"),
        "--policy".into(),
        s(&waiver_policy()).into(),
    ]);
    cases.push(vec!["check".into(), s(&many_findings_plan()).into()]);
    // Many stacks, reviewed and checked.
    let tg = "testdata/stacks/terragrunt";
    cases.push(vec![
        "review".into(),
        "--staging".into(),
        format!("{tg}/staging"),
        "--prod".into(),
        format!("{tg}/prod"),
    ]);
    cases.push(vec!["check".into(), format!("{tg}/prod")]);
    cases
}

/// The JSON report's findings for the same invocation: what every format
/// must account for, one to one.
fn findings_of(args: &[&str]) -> Vec<Value> {
    let report = json_of(args, "json");
    match report["stacks"].as_array() {
        // Many stacks: every stack's findings, stack by stack.
        Some(stacks) => stacks.iter().flat_map(|s| s["findings"].as_array().unwrap().clone()).collect(),
        None => report["findings"].as_array().unwrap().clone(),
    }
}

fn sarif_validator() -> Option<jsonschema::Validator> {
    let path = std::env::var_os("PLANGATE_SARIF_SCHEMA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/schemas/sarif-schema-2.1.0.json"));
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "note: SARIF schema check skipped: {} not found (set PLANGATE_SARIF_SCHEMA to the OASIS \
             sarif-schema-2.1.0.json)",
            path.display()
        );
        return None;
    };
    let schema: Value = serde_json::from_str(&text).expect("the SARIF schema is JSON");
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#", "{}", path.display());
    Some(jsonschema::draft4::options().build(&schema).expect("the SARIF schema compiles"))
}

#[test]
fn sarif_validates_against_the_oasis_schema_with_one_result_per_finding() {
    let validator = sarif_validator();
    for case in cases() {
        let args: Vec<&str> = case.iter().map(String::as_str).collect();
        let sarif = json_of(&args, "sarif");
        if let Some(v) = &validator {
            let errors: Vec<String> =
                v.iter_errors(&sarif).map(|e| format!("at `{}`: {e}", e.instance_path())).collect();
            assert!(errors.is_empty(), "{args:?}: SARIF invalid:\n  {}\n{sarif:#}", errors.join("\n  "));
        }
        assert_eq!(sarif["version"], "2.1.0");
        let run = &sarif["runs"][0];
        assert_eq!(sarif["runs"].as_array().unwrap().len(), 1);
        let findings = findings_of(&args);
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), findings.len(), "{args:?}: one result per finding");
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(rule_ids.iter().collect::<HashSet<_>>().len(), rule_ids.len(), "{args:?}: one rule per id");
        for rule in rules {
            // What code scanning requires of a rule (non-empty texts).
            for key in ["shortDescription", "fullDescription", "help"] {
                let text = rule[key]["text"].as_str().unwrap_or("");
                assert!(!text.is_empty() && text.chars().count() <= 1024 || key == "help", "{args:?}: {key} {rule:#}");
            }
        }
        let mut prints = HashSet::new();
        for (r, f) in results.iter().zip(&findings) {
            assert_eq!(r["ruleId"], f["id"], "{args:?}: results in report order");
            let index = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rule_ids[index], f["id"], "{args:?}: ruleIndex points at the rule");
            let level = match f["level"].as_str().unwrap() {
                "block" => "error",
                "warn" => "warning",
                _ => "note",
            };
            assert_eq!(r["level"], level, "{args:?}");
            let loc = &r["locations"][0];
            let uri = loc["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
            assert!(uri.ends_with(".json"), "{args:?}: the plan file is the artifact: {uri}");
            assert_eq!(loc["physicalLocation"]["region"]["startLine"], 1);
            if let Some(address) = f["address"].as_str() {
                assert_eq!(loc["logicalLocations"][0]["fullyQualifiedName"], address, "{args:?}");
            }
            let print = r["partialFingerprints"]["primaryLocationLineHash"].as_str().unwrap();
            assert!(prints.insert(print.to_owned()), "{args:?}: fingerprint {print} repeated");
            assert_eq!(r["suppressions"].is_array(), f["waived"].is_object(), "{args:?}: waived = suppressed");
            if f["waived"].is_object() {
                assert_eq!(r["suppressions"][0]["kind"], "external");
                assert_eq!(r["suppressions"][0]["status"], "accepted");
            }
        }
        // Stable across runs.
        assert_eq!(json_of(&args, "sarif"), sarif, "{args:?}: a second run differs");
    }
}

/// The fingerprint names the finding (rule, environment, address), not the
/// run: the same finding in another report (other findings around it, other
/// message) keeps it.
#[test]
fn fingerprints_follow_the_finding_not_the_report() {
    let pair = "testdata/pairs/prod-only-replace";
    let plain = ["review", "--staging", &format!("{pair}/staging.json"), "--prod", &format!("{pair}/prod.json")]
        .map(String::from);
    let plain: Vec<&str> = plain.iter().map(String::as_str).collect();
    let policy = waiver_policy();
    let mut waived = plain.clone();
    waived.extend(["--policy", s(&policy)]);
    let prints = |args: &[&str]| -> Vec<(String, String)> {
        json_of(args, "codequality")
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["check_name"].as_str().unwrap().to_owned(), i["fingerprint"].as_str().unwrap().to_owned()))
            .collect()
    };
    let a = prints(&plain);
    let b = prints(&waived);
    assert!(b.len() > a.len(), "the unused exception adds a finding");
    for p in &a {
        assert!(b.contains(p), "{p:?} changed when a waiver was added");
    }
    // SARIF and Code Quality share fingerprints.
    let sarif = json_of(&plain, "sarif");
    let sarif_prints: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["partialFingerprints"]["primaryLocationLineHash"].as_str().unwrap())
        .collect();
    assert_eq!(sarif_prints, a.iter().map(|(_, p)| p.as_str()).collect::<Vec<_>>());
}

#[test]
fn codequality_has_the_fields_gitlab_reads_and_unique_fingerprints() {
    for case in cases() {
        let args: Vec<&str> = case.iter().map(String::as_str).collect();
        let (_, text) = run(&args, "codequality");
        assert!(!text.starts_with('\u{feff}'), "no byte-order mark");
        let issues: Value = serde_json::from_str(&text).unwrap();
        let issues = issues.as_array().expect("a JSON array");
        let findings = findings_of(&args);
        assert_eq!(issues.len(), findings.len(), "{args:?}: one issue per finding");
        let mut prints = HashSet::new();
        for (i, f) in issues.iter().zip(&findings) {
            let keys: HashSet<&str> = i.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys, HashSet::from(["description", "check_name", "fingerprint", "severity", "location"]));
            assert!(!i["description"].as_str().unwrap().is_empty());
            assert_eq!(i["check_name"], f["id"]);
            let severity = i["severity"].as_str().unwrap();
            let expected = match (f["waived"].is_object(), f["level"].as_str().unwrap()) {
                (true, _) => "info",
                (false, "block") => "blocker",
                (false, "warn") => "major",
                _ => "info",
            };
            assert_eq!(severity, expected, "{args:?} {i:#}");
            assert!(i["location"]["path"].as_str().unwrap().ends_with(".json"));
            assert_eq!(i["location"]["lines"]["begin"], 1);
            let print = i["fingerprint"].as_str().unwrap();
            assert_eq!(print.len(), 64, "hex SHA-256");
            assert!(prints.insert(print.to_owned()), "{args:?}: fingerprint {print} repeated");
        }
    }
}

/// Parses the JUnit XML with quick-xml (any malformation is an error) and
/// returns, per test case, its name and whether it has a failure, a
/// skipped mark, plus the suites' `failures` counts.
fn parse_junit(xml: &str) -> (Vec<(String, bool, bool)>, Vec<usize>) {
    use quick_xml::Reader;
    use quick_xml::events::Event;
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut cases: Vec<(String, bool, bool)> = Vec::new();
    let mut suite_failures = Vec::new();
    loop {
        match reader.read_event() {
            Err(e) => panic!("JUnit is not well-formed XML at {}: {e}\n{xml}", reader.buffer_position()),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let attr = |name: &str| -> Option<String> {
                    e.attributes()
                        .map(|a| a.expect("a well-formed attribute"))
                        .find(|a| a.key.as_ref() == name.as_bytes())
                        .map(|a| a.unescape_value().expect("a well-escaped attribute").into_owned())
                };
                match e.name().as_ref() {
                    b"testcase" => cases.push((attr("name").expect("a named test case"), false, false)),
                    b"failure" => cases.last_mut().expect("failure inside a case").1 = true,
                    b"skipped" => cases.last_mut().expect("skipped inside a case").2 = true,
                    b"testsuite" => suite_failures.push(attr("failures").unwrap().parse().unwrap()),
                    _ => {}
                }
            }
            Ok(Event::Text(t)) => {
                t.decode().expect("UTF-8 text");
            }
            Ok(Event::GeneralRef(r)) => {
                // Only the predefined entities and character references: XML
                // has no others without a DTD.
                let name = r.decode().expect("UTF-8 reference");
                let ok = ["amp", "lt", "gt", "quot", "apos"].contains(&name.as_ref())
                    || r.resolve_char_ref().is_ok_and(|c| c.is_some());
                assert!(ok, "undefined entity `&{name};` in\n{xml}");
            }
            Ok(_) => {}
        }
    }
    (cases, suite_failures)
}

#[test]
fn junit_is_well_formed_with_failures_exactly_for_blocks() {
    for case in cases() {
        let args: Vec<&str> = case.iter().map(String::as_str).collect();
        let (_, xml) = run(&args, "junit");
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
        let (cases, suite_failures) = parse_junit(&xml);
        let findings = findings_of(&args);
        let blocks = findings.iter().filter(|f| f["level"] == "block" && !f["waived"].is_object()).count();
        let waived = findings.iter().filter(|f| f["waived"].is_object()).count();
        let (empty, cases): (Vec<_>, Vec<_>) = cases.into_iter().partition(|c| c.0 == "no findings");
        assert!(empty.iter().all(|c| !c.1 && !c.2), "{args:?}: `no findings` passes");
        if findings.is_empty() {
            assert_eq!(empty.len(), 1, "{args:?}: a passing plan still has a (passing) test case");
        }
        assert_eq!(cases.len(), findings.len(), "{args:?}: one test case per finding");
        assert_eq!(cases.iter().filter(|c| c.1).count(), blocks, "{args:?}: failures exactly for blocks");
        assert_eq!(cases.iter().filter(|c| c.2).count(), waived, "{args:?}: waived findings are skipped");
        assert_eq!(suite_failures.iter().sum::<usize>(), blocks, "{args:?}: the suites count their failures");
        let names: HashSet<&str> = cases.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(names.len(), cases.len(), "{args:?}: test case names are unique (GitLab keeps the first)");
    }
}

#[test]
fn junit_escapes_hostile_text() {
    let plan = many_findings_plan();
    let (code, xml) = run(&["check", s(&plan)], "junit");
    assert_eq!(code, 1);
    let (cases, _) = parse_junit(&xml);
    let evil = cases.iter().find(|c| c.0.contains("evil")).expect("the hostile key's case");
    assert!(evil.1, "it is a block");
    assert!(!evil.0.contains('\u{1b}') && !evil.0.contains('\u{202e}'), "{:?}", evil.0);
    assert!(!xml.contains("<y>") && !xml.contains("]]>\"]"), "markup from the plan is escaped");
}

#[test]
fn github_annotations_stay_within_the_runner_limits_and_summarise_the_rest() {
    let plan = many_findings_plan();
    let (code, out) = run(&["check", s(&plan)], "github");
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    let count = |kind: &str| lines.iter().filter(|l| l.starts_with(&format!("::{kind} "))).count();
    assert_eq!(count("error"), 10, "{out}");
    assert_eq!(count("warning"), 10, "{out}");
    assert!(count("notice") <= 10, "{out}");
    assert_eq!(lines.len(), 21, "20 annotations and one summary line:\n{out}");
    let summary = lines.last().unwrap();
    assert!(summary.starts_with("::notice title=plangate%3A more findings::18 more findings"), "{summary}");
    assert!(summary.contains("16 blocking, 2 warnings"), "{summary}");
    for l in &lines {
        assert!(l.starts_with("::error ") || l.starts_with("::warning ") || l.starts_with("::notice "), "{l}");
        assert!(!l.chars().any(|c| c.is_control() || c == '\u{202e}'), "raw control character in {l:?}");
        // `title=...::message`: the property holds no raw `:` or `,`.
        let (props, _) = l.split_once("::").unwrap().1.split_once("::").unwrap();
        let title = props.strip_prefix(l.split(' ').next().unwrap().trim_start_matches("::")).unwrap_or(props);
        let title = title.trim_start().strip_prefix("title=").unwrap();
        assert!(!title.contains(':') && !title.contains(','), "unescaped property in {l}");
    }
}

#[test]
fn github_annotation_values_follow_the_workflow_command_rules() {
    // The hostile key sorts last among the buckets: annotate it by making
    // it one of the first ten (only it and a few others are blocks here).
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(many_findings_plan()).unwrap()).unwrap();
    let mut few = plan.clone();
    let changes = few["resource_changes"].as_array_mut().unwrap();
    changes.retain(|c| c["index"].as_str().is_some_and(|k| k.starts_with("evil") || k == "b0"));
    let path = dir.join("ci-formats-evil.json");
    std::fs::write(&path, few.to_string()).unwrap();
    let (_, out) = run(&["check", s(&path)], "github");
    let evil = out.lines().find(|l| l.contains("evil")).expect("the hostile finding is annotated");
    assert!(evil.starts_with("::error title=plangate stateful-destroy%3A prod aws_s3_bucket.b["), "{evil}");
    assert!(evil.contains("%2C") && evil.contains("%25"), "`,` and `%` escaped in the title: {evil}");
    assert!(!evil.contains("::error::injected"), "no second command inside the line: {evil}");
    assert_eq!(out.lines().count(), 2, "two blocks, no summary line:\n{out}");
}

#[test]
fn a_passing_review_is_valid_and_quiet_in_every_ci_format() {
    let pair = "testdata/pairs/nothing-to-do";
    let args = ["review", "--staging", &format!("{pair}/staging.json"), "--prod", &format!("{pair}/prod.json")]
        .map(String::from);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(run(&args, "github"), (0, String::new()));
    assert_eq!(json_of(&args, "codequality"), json!([]));
    let sarif = json_of(&args, "sarif");
    assert_eq!(sarif["runs"][0]["results"], json!([]));
    let (code, xml) = run(&args, "junit");
    assert_eq!(code, 0);
    let (cases, failures) = parse_junit(&xml);
    assert_eq!((cases.len(), failures), (1, vec![0]));
}

/// The schema check is not vacuous: a log that breaks SARIF fails it.
#[test]
fn the_sarif_schema_rejects_broken_logs() {
    let Some(v) = sarif_validator() else { return };
    let pair = "testdata/pairs/prod-only-replace";
    let good = json_of(
        &["review", "--staging", &format!("{pair}/staging.json"), "--prod", &format!("{pair}/prod.json")],
        "sarif",
    );
    assert!(v.is_valid(&good));
    type Mutation = fn(&mut Value);
    let cases: &[(&str, Mutation)] = &[
        ("bad level", |l| l["runs"][0]["results"][0]["level"] = json!("fatal")),
        ("no message", |l| {
            l["runs"][0]["results"][0].as_object_mut().unwrap().remove("message");
        }),
        ("other version", |l| l["version"] = json!("2.0.0")),
        ("no tool name", |l| {
            l["runs"][0]["tool"]["driver"].as_object_mut().unwrap().remove("name");
        }),
    ];
    for (what, mutate) in cases {
        let mut bad = good.clone();
        mutate(&mut bad);
        assert!(!v.is_valid(&bad), "the schema accepted a log with {what}");
    }
}

/// Many stacks: the stack is part of every fingerprint and title, and JUnit
/// has one suite per stack.
#[test]
fn many_stacks_keep_their_stack_in_every_ci_format() {
    let tg = "testdata/stacks/terragrunt";
    let args = ["review", "--staging", &format!("{tg}/staging"), "--prod", &format!("{tg}/prod")].map(String::from);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let report = json_of(&args, "json");
    let stacks: Vec<&str> = report["stacks"].as_array().unwrap().iter().map(|s| s["stack"].as_str().unwrap()).collect();
    assert!(stacks.len() > 1);
    let sarif = json_of(&args, "sarif");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().all(|r| stacks.contains(&r["properties"]["stack"].as_str().unwrap())));
    let (_, xml) = run(&args, "junit");
    let suites = xml.matches("<testsuite ").count();
    assert_eq!(suites, stacks.len(), "one suite per stack:\n{xml}");
    let (_, gh) = run(&args, "github");
    for line in gh.lines().filter(|l| !l.contains("more findings")) {
        assert!(stacks.iter().any(|s| line.contains(&format!("%3A [{s}] "))), "no stack in {line}");
    }
}
