//! Keys that no settings type knows: a misspelt key or section is refused,
//! with the nearest known key when one is close.
//!
//! Without this a typo is silently ignored and its default applies:
//! `[district] timezon = "America/Chicago"` would leave a Chicago district
//! on New York time, every deadline an hour off. The merged configuration is
//! deserialized once through `serde_ignored`, which reports every ignored
//! path in that one pass (serde's `deny_unknown_fields` would stop at the
//! first); each path is then traced to the file or to the `BREACHD__*`
//! variables that set it, so the operator is told which to fix.

use super::raw::Raw;
use super::shape::Shape;
use super::{Problems, ENV_PREFIX};
use config::{Config, ConfigError, ValueKind};
use std::fmt;

/// A key as the operator would write it: `district.policy[0].kind`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyPath(Vec<Segment>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

impl KeyPath {
    fn from_ignored(path: &serde_ignored::Path<'_>) -> KeyPath {
        use serde_ignored::Path;
        match path {
            Path::Root => KeyPath(Vec::new()),
            Path::Seq { parent, index } => {
                KeyPath::from_ignored(parent).with(Segment::Index(*index))
            }
            Path::Map { parent, key } => {
                KeyPath::from_ignored(parent).with(Segment::Key(key.clone()))
            }
            Path::Some { parent }
            | Path::NewtypeStruct { parent }
            | Path::NewtypeVariant { parent } => KeyPath::from_ignored(parent),
        }
    }

    /// An environment key as the `config` crate leaves it: lowercased, each
    /// `__` turned into a dot.
    fn from_env(key: &str) -> KeyPath {
        KeyPath(key.split('.').map(|k| Segment::Key(k.to_owned())).collect())
    }

    fn with(mut self, segment: Segment) -> KeyPath {
        self.0.push(segment);
        self
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => write!(f, "{key}")?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Deserializes the merged layers, noting every key no settings type took.
pub(crate) fn deserialize(merged: Config) -> Result<(Raw, Vec<KeyPath>), ConfigError> {
    let mut unknown = Vec::new();
    let raw = serde_ignored::deserialize(merged, |path| {
        unknown.push(KeyPath::from_ignored(&path));
    })?;
    Ok((raw, unknown))
}

/// Records one problem per unknown key: keyed by the variable's name when an
/// environment variable set it, by the dotted key when a file did.
/// `files` are the file layers without the environment; `env_keys` the keys
/// the environment gave.
pub(crate) fn report(
    unknown: &[KeyPath],
    files: &Config,
    env_keys: &[String],
    problems: &mut Problems,
) {
    if unknown.is_empty() {
        return;
    }
    let shape = Shape::of::<Raw>();
    for path in unknown {
        let dotted = path.to_string();
        let from_env: Vec<&String> = env_keys
            .iter()
            .filter(|key| is_under(key, &dotted))
            .collect();
        for key in &from_env {
            let key_path = KeyPath::from_env(key);
            problems.push(
                &env_variable(key),
                describe("key", &key_path, nearest(&shape, &key_path)),
            );
        }
        let in_files = files.get::<config::Value>(&dotted).ok();
        if from_env.is_empty() || in_files.is_some() {
            let what = match in_files.map(|value| value.kind) {
                Some(ValueKind::Table(_)) => "section",
                _ => "key",
            };
            problems.push(&dotted, describe(what, path, nearest(&shape, path)));
        }
    }
}

fn is_under(key: &str, path: &str) -> bool {
    key.strip_prefix(path)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

/// The variable's conventional spelling; the `config` crate lowercased it.
fn env_variable(key: &str) -> String {
    format!("{ENV_PREFIX}__{}", key.to_uppercase().replace('.', "__"))
}

fn describe(what: &str, path: &KeyPath, nearest: Option<KeyPath>) -> String {
    match nearest {
        Some(known) => format!("unknown {what} `{path}`; did you mean `{known}`?"),
        None => format!("unknown {what} `{path}`"),
    }
}

/// The known key that `path` most likely meant: each unknown segment
/// replaced by its closest known sibling, if every one has a close sibling.
fn nearest(shape: &Shape, path: &KeyPath) -> Option<KeyPath> {
    let mut shape = shape;
    let mut known = Vec::new();
    for (i, segment) in path.0.iter().enumerate() {
        match (shape, segment) {
            (Shape::Struct(fields), Segment::Key(key)) => {
                let (name, child) = fields
                    .get_key_value(key.as_str())
                    .or_else(|| closest(fields.iter(), key))?;
                known.push(Segment::Key((*name).to_owned()));
                shape = child;
            }
            (Shape::Seq(element), Segment::Index(_)) => {
                known.push(segment.clone());
                shape = element;
            }
            // The operator's own names: nothing under them to correct.
            (Shape::Open, _) => {
                known.extend(path.0[i..].iter().cloned());
                break;
            }
            _ => return None,
        }
    }
    let known = KeyPath(known);
    (known != *path).then_some(known)
}

/// Close: at most one edit in three characters (and always one), so that
/// `timezon` finds `timezone` but `tz` is not taken for anything.
fn closest<'a, T>(
    candidates: impl Iterator<Item = (&'a &'static str, T)>,
    key: &str,
) -> Option<(&'a &'static str, T)> {
    let key = key.to_lowercase();
    let limit = (key.chars().count() / 3).max(1);
    candidates
        .map(|(name, value)| (edit_distance(name, &key), name, value))
        .filter(|(distance, _, _)| *distance <= limit)
        .min_by_key(|(distance, _, _)| *distance)
        .map(|(_, name, value)| (name, value))
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, a_char) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, b_char) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(a_char != *b_char);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{ConfigErrors, Settings};

    #[test]
    fn distances() {
        assert_eq!(edit_distance("timezone", "timezon"), 1);
        assert_eq!(edit_distance("district", "distrct"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn the_nearest_key_corrects_each_segment() {
        let shape = Shape::of::<Raw>();
        let nearest = |key: &str| nearest(&shape, &KeyPath::from_env(key)).map(|p| p.to_string());
        assert_eq!(nearest("distrct.name").as_deref(), Some("district.name"));
        assert_eq!(
            nearest("distrct.timezon").as_deref(),
            Some("district.timezone")
        );
        assert_eq!(nearest("district.tz"), None);
        assert_eq!(nearest("nonsense"), None);
    }

    #[test]
    fn an_index_is_written_as_in_toml() {
        let path = KeyPath::from_env("district.policy")
            .with(Segment::Index(0))
            .with(Segment::Key("kind".into()));
        assert_eq!(path.to_string(), "district.policy[0].kind");
    }

    #[test]
    fn a_variable_is_named_as_the_operator_set_it() {
        assert_eq!(env_variable("distrct.name"), "BREACHD__DISTRCT__NAME");
        assert_eq!(
            env_variable("email.max_connectoins"),
            "BREACHD__EMAIL__MAX_CONNECTOINS"
        );
        assert!(is_under("distrct.name", "distrct"));
        assert!(!is_under("districts.name", "district"));
    }

    fn problems(errors: ConfigErrors) -> Vec<(String, String)> {
        errors.0.into_iter().map(|p| (p.key, p.reason)).collect()
    }

    fn with_environment(vars: &[(&str, &str)]) -> Result<Settings, ConfigErrors> {
        let source = vars
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        Settings::load_from(
            None,
            false,
            config::Environment::with_prefix(ENV_PREFIX).source(Some(source)),
        )
    }

    #[test]
    fn a_misspelt_key_in_the_file_is_refused_with_the_key_meant() {
        let errors =
            Settings::from_toml("[district]\ntimezon = \"America/Chicago\"\n").unwrap_err();
        assert_eq!(
            problems(errors),
            [(
                "district.timezon".to_owned(),
                "unknown key `district.timezon`; did you mean `district.timezone`?".to_owned()
            )]
        );
    }

    #[test]
    fn a_misspelt_section_is_refused_with_the_section_meant() {
        let errors = Settings::from_toml("[distrct]\nname = \"Springfield\"\n").unwrap_err();
        assert_eq!(
            problems(errors),
            [(
                "distrct".to_owned(),
                "unknown section `distrct`; did you mean `district`?".to_owned()
            )]
        );
    }

    #[test]
    fn every_unknown_key_is_named_at_once_with_other_problems() {
        let errors = Settings::from_toml(
            r#"
            colour = "blue"
            [server]
            listen = "nowhere"
            [district]
            time_zone = "America/Chicago"
            [[district.policy]]
            kind = "board_notifies_families"
            within = "48h"
            clock = "board_notified"
            citation = "Board policy 3520.13"
            efective_from = "2017-02-13"
            [[auth.tokens]]
            name = "secops"
            role = "reporter"
            sha = "00"
            "#,
        )
        .unwrap_err();
        let found = problems(errors);
        for (key, reason) in [
            ("colour", "unknown key `colour`"),
            (
                "district.time_zone",
                "unknown key `district.time_zone`; did you mean `district.timezone`?",
            ),
            (
                "district.policy[0].efective_from",
                "did you mean `district.policy[0].effective_from`?",
            ),
            ("auth.tokens[0].sha", "unknown key `auth.tokens[0].sha`"),
            ("server.listen", "is not an address"),
        ] {
            assert!(
                found.iter().any(|(k, r)| k == key && r.contains(reason)),
                "{key}: {reason:?} missing from {found:?}"
            );
        }
    }

    #[test]
    fn a_misspelt_environment_variable_is_named() {
        let errors = with_environment(&[
            ("BREACHD__DISTRCT__NAME", "Springfield"),
            ("BREACHD__DISTRICT__TIMEZON", "America/Chicago"),
        ])
        .unwrap_err();
        let mut found = problems(errors);
        found.sort();
        assert_eq!(
            found,
            [
                (
                    "BREACHD__DISTRCT__NAME".to_owned(),
                    "unknown key `distrct.name`; did you mean `district.name`?".to_owned()
                ),
                (
                    "BREACHD__DISTRICT__TIMEZON".to_owned(),
                    "unknown key `district.timezon`; did you mean `district.timezone`?".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn valid_environment_variables_still_apply() {
        let settings = with_environment(&[
            ("BREACHD__DATABASE__URL", "postgres://breachd@db/breachd"),
            ("BREACHD__DISTRICT__TIMEZONE", "America/Chicago"),
            ("BREACHD__DISTRICT__CLOSURES", "2026-12-24,2026-12-31"),
            ("BREACHD__DIGEST__RECIPIENTS", "privacy_officer,board"),
            ("BREACHD__EMAIL__MAX_CONNECTIONS", "3"),
            ("BREACHD__CONTACTS__SECURITY_LEAD", "lead@example.org"),
            ("BREACHD__NOTICE__AUTO_SEND", "true"),
            // Not a setting: the prefix is BREACHD__, with two underscores.
            ("BREACHD_CONFIG", "/etc/breachd.toml"),
        ])
        .unwrap_or_else(|errors| panic!("{errors}"));
        assert_eq!(settings.database_url, "postgres://breachd@db/breachd");
        assert_eq!(settings.timezone, chrono_tz::America::Chicago);
        // 2026-12-24 is a Thursday: a business day unless closed.
        let closed = chrono::NaiveDate::from_ymd_opt(2026, 12, 24).expect("a real date");
        assert!(!settings.engine.calendar.is_business_day(closed));
        assert_eq!(settings.digest_recipients, ["privacy_officer", "board"]);
        assert_eq!(settings.email.max_connections, 3);
        assert!(settings.contacts.contains_key("security_lead"));
        assert!(settings.notice.auto_send);
    }

    #[test]
    fn a_key_both_layers_misspell_is_named_in_each() {
        let dir = tempfile::tempdir().expect("a temporary folder for the file layer");
        let path = dir.path().join("breachd.toml");
        std::fs::write(&path, "[district]\ntimezon = \"America/Chicago\"\n")
            .expect("the file layer is written");
        let source = [("BREACHD__DISTRICT__TIMEZON", "America/Denver")]
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        let errors = Settings::load_from(
            Some(&path),
            true,
            config::Environment::with_prefix(ENV_PREFIX).source(Some(source)),
        )
        .unwrap_err();
        let keys: Vec<String> = problems(errors).into_iter().map(|(key, _)| key).collect();
        assert_eq!(keys, ["BREACHD__DISTRICT__TIMEZON", "district.timezon"]);
    }
}
