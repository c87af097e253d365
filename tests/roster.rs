//! Roster import through the library API, on real files: the project's
//! hand-worked roster scenarios (tests/data/roster/)
//! give their expected counts, and bundles built here with the zip crate cover
//! what exports do differently (OneRoster 1.2 roles, links written from one
//! side, BOMs, disabled and withdrawn users) and what they get wrong
//! (malformed rows, files that are not rosters at all).
//!
//! `million_guardian_roster` is ignored because it is slow: run it by hand to
//! check that a 1,000,000-guardian roster is counted and paged through
//! correctly (see its comment). Its time and memory are measured by
//! `benches/roster/run.sh`, not here.

use breachd::roster::{
    Child, ImportReport, Recipient, RejectedRow, RosterFormat, RosterRejected, StagedRoster,
    UnreachableStudent,
};
use std::io::Write;
use std::path::{Path, PathBuf};
use tempfile::TempDir;
use zip::write::SimpleFileOptions;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/roster")
        .join(name)
}

fn write_file(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write test file");
    path
}

fn write_zip(dir: &TempDir, name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let path = dir.path().join(name);
    let file = std::fs::File::create(&path).expect("create zip");
    let mut zip = zip::ZipWriter::new(file);
    for (entry, bytes) in files {
        zip.start_file(*entry, SimpleFileOptions::default())
            .expect("zip entry");
        zip.write_all(bytes).expect("zip write");
    }
    zip.finish().expect("finish zip");
    path
}

async fn stage(path: &Path) -> StagedRoster {
    match StagedRoster::stage(path).await {
        Ok(staged) => staged,
        Err(error) => panic!("{} was rejected: {error}", path.display()),
    }
}

async fn rejected(path: &Path) -> RosterRejected {
    match StagedRoster::stage(path).await {
        Ok(staged) => panic!("{} was accepted: {:?}", path.display(), staged.report),
        Err(error) => error,
    }
}

/// Every recipient, read in small pages so that paging is exercised too.
async fn all_recipients(staged: &StagedRoster) -> Vec<Recipient> {
    let mut all: Vec<Recipient> = Vec::new();
    loop {
        let after = all.last().map(|r| r.email.clone());
        let page = staged
            .recipients(after.as_deref(), 7)
            .await
            .expect("recipients page");
        if page.is_empty() {
            return all;
        }
        all.extend(page);
    }
}

async fn all_unreachable(staged: &StagedRoster) -> Vec<UnreachableStudent> {
    let mut all: Vec<UnreachableStudent> = Vec::new();
    loop {
        let after = all.last().map(|s| s.student_id.clone());
        let page = staged
            .unreachable_students(after.as_deref(), 3)
            .await
            .expect("unreachable page");
        if page.is_empty() {
            return all;
        }
        all.extend(page);
    }
}

fn child(id: &str, name: &str) -> Child {
    Child {
        student_id: id.to_owned(),
        name: name.to_owned(),
    }
}

fn recipient<'a>(all: &'a [Recipient], email: &str) -> &'a Recipient {
    all.iter()
        .find(|r| r.email.eq_ignore_ascii_case(email))
        .unwrap_or_else(|| panic!("no recipient {email}"))
}

fn rejection(file: &str, line: u64, reason: &str) -> RejectedRow {
    RejectedRow {
        file: file.to_owned(),
        line,
        reason: reason.to_owned(),
    }
}

/// The paged results agree with the report's counts.
async fn assert_consistent(staged: &StagedRoster) -> (Vec<Recipient>, Vec<UnreachableStudent>) {
    let recipients = all_recipients(staged).await;
    let unreachable = all_unreachable(staged).await;
    let report = &staged.report;
    assert_eq!(recipients.len() as u64, report.recipients);
    assert_eq!(
        unreachable.len() as u64,
        report.students_without_reachable_guardian
    );
    let max = recipients
        .iter()
        .map(|r| r.children.len() as u64)
        .max()
        .unwrap_or(0);
    assert_eq!(max, report.max_children_per_recipient);
    assert!(recipients.iter().all(|r| !r.children.is_empty()));
    let keys: Vec<String> = recipients.iter().map(|r| r.email.to_lowercase()).collect();
    assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "recipients ordered and distinct"
    );
    for r in &recipients {
        assert!(r
            .children
            .windows(2)
            .all(|w| w[0].student_id < w[1].student_id));
    }
    assert!(unreachable
        .windows(2)
        .all(|w| w[0].student_id < w[1].student_id));
    (recipients, unreachable)
}

fn assert_expected(report: &ImportReport, expected_json: &str) {
    let text = std::fs::read_to_string(fixture(expected_json)).expect("expected.json");
    let expected: serde_json::Value = serde_json::from_str(&text).expect("expected.json parses");
    let actual = serde_json::to_value(report).expect("report serializes");
    for key in [
        "students",
        "recipients",
        "students_without_reachable_guardian",
        "max_children_per_recipient",
    ] {
        assert_eq!(actual[key], expected[key], "{key} of {expected_json}");
    }
}

// ---------------------------------------------------------------- fixtures

#[tokio::test]
async fn shared_oneroster11_bundle_gives_expected_counts() {
    let staged = stage(&fixture("oneroster11-small.zip")).await;
    assert_eq!(staged.report.format, RosterFormat::OneRoster11);
    assert_expected(&staged.report, "oneroster11-small.expected.json");
    let (recipients, _) = assert_consistent(&staged).await;

    // Linked from the student side only (stu0000001 lists par0000001).
    assert_eq!(
        recipient(&recipients, "parent2@families.example").children,
        vec![child("stu0000001", "Kid1 Fam0")]
    );
    // Linked from the guardian side only, to two siblings.
    assert_eq!(
        recipient(&recipients, "parent4@families.example").children,
        vec![
            child("stu0000004", "Kid4 Fam2"),
            child("stu0000005", "Kid5 Fam2")
        ]
    );
    // Linked only to a disabled student: no message.
    assert!(!recipients
        .iter()
        .any(|r| r.email == "parent43@families.example"));
    assert!(recipients.iter().all(|r| r.language.is_none()));
    // Two linked guardians have no address; the header is line 1.
    assert_eq!(
        staged.report.rejected,
        vec![
            rejection("users.csv", 70, "guardian has no email address"),
            rejection("users.csv", 79, "guardian has no email address"),
        ]
    );
    assert_eq!(staged.report.rejected_rows, 2);
    assert_eq!(staged.report.skipped_rows, 1);
    let json = serde_json::to_value(&staged.report).expect("serialize");
    assert_eq!(json["format"], "oneroster-1.1");
}

#[tokio::test]
async fn shared_plain_csv_gives_expected_counts() {
    let staged = stage(&fixture("plain-small.csv")).await;
    assert_eq!(staged.report.format, RosterFormat::PlainCsv);
    assert_expected(&staged.report, "plain-small.expected.json");
    let (recipients, unreachable) = assert_consistent(&staged).await;
    assert!(unreachable.is_empty());
    assert_eq!(staged.report.rejected_rows, 0);
    let p15 = recipient(&recipients, "parent15@families.example");
    assert_eq!(p15.name, "Parent15 Fam5");
    assert_eq!(p15.language.as_deref(), Some("pt"));
    assert_eq!(
        p15.children,
        vec![
            child("stu0000010", "Kid10 Fam5"),
            child("stu0000011", "Kid11 Fam5")
        ]
    );
    let json = serde_json::to_value(&staged.report).expect("serialize");
    assert_eq!(json["format"], "plain-csv");
}

// ------------------------------------------------------- OneRoster builders

const USERS_11: &str = "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password";

/// A OneRoster 1.1 users.csv row.
fn user11(
    id: &str,
    status: &str,
    enabled: &str,
    role: &str,
    name: (&str, &str),
    email: &str,
    agents: &str,
) -> String {
    format!(
        "{id},{status},,{enabled},org1,{role},{id},,{},{},,,{email},,,\"{agents}\",,\n",
        name.0, name.1
    )
}

fn manifest(version: &str, extra: &str) -> String {
    format!(
        "propertyName,value\nmanifest.version,1.0\noneroster.version,{version}\nfile.users,bulk\nfile.orgs,absent\n{extra}"
    )
}

const ORGS: &[u8] = b"sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\norg1,,,School,school,S1,\n";

fn bundle11(dir: &TempDir, users: &str) -> PathBuf {
    let users = format!("{USERS_11}\n{users}");
    let manifest = manifest("1.1", "");
    write_zip(
        dir,
        "bundle.zip",
        &[
            ("manifest.csv", manifest.as_bytes()),
            ("users.csv", users.as_bytes()),
            ("orgs.csv", ORGS),
        ],
    )
}

const USERS_12: &str = "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,resourceSourcedIds,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns";
const ROLES_12: &str =
    "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId";

/// A OneRoster 1.2 users.csv row (no role column).
fn user12(
    id: &str,
    status: &str,
    enabled: &str,
    name: (&str, &str),
    email: &str,
    agents: &str,
) -> String {
    format!(
        "{id},{status},,{enabled},{id},,{},{},,,{email},,,\"{agents}\",,,,,,,,org1,\n",
        name.0, name.1
    )
}

fn role12(n: u32, status: &str, user: &str, role_type: &str, role: &str) -> String {
    format!("r{n},{status},,{user},{role_type},{role},,,org1,\n")
}

// -------------------------------------------------------------- OneRoster

#[tokio::test]
async fn oneroster12_reads_roles_from_roles_csv() {
    let dir = TempDir::new().expect("tempdir");
    let users = [
        user12("s1", "", "true", ("Ana", "Ruiz"), "", "g1"),
        user12("s2", "", "true", ("Ben", "Ruiz"), "", ""),
        user12("s3", "", "true", ("Cy", "Lee"), "", "g3"),
        user12(
            "g1",
            "",
            "true",
            ("Maria", "Ruiz"),
            "maria@example.org",
            "s2",
        ),
        user12(
            "g2",
            "",
            "true",
            ("Luis", "Ruiz"),
            "luis@example.org",
            "s1,s2",
        ),
        // A teacher listed as an agent is not a guardian.
        user12("g3", "", "true", ("Tom", "Teach"), "tom@example.org", "s3"),
        user12("t1", "", "true", ("Tess", "Teach"), "tess@example.org", ""),
    ]
    .concat();
    let roles = [
        role12(1, "", "s1", "primary", "student"),
        role12(2, "", "s2", "primary", "student"),
        role12(3, "", "s3", "primary", "student"),
        role12(4, "", "g1", "primary", "parent"),
        // A secondary role counts as much as a primary one.
        role12(5, "", "g2", "secondary", "guardian"),
        role12(6, "", "g3", "primary", "teacher"),
        role12(7, "", "t1", "primary", "teacher"),
        // A withdrawn role grants nothing.
        role12(8, "tobedeleted", "t1", "primary", "parent"),
    ]
    .concat();
    let users = format!("{USERS_12}\n{users}");
    let roles = format!("{ROLES_12}\n{roles}");
    let manifest = manifest("1.2", "file.roles,bulk\nfile.demographics,bulk\n");
    let path = write_zip(
        &dir,
        "bundle.zip",
        &[
            ("manifest.csv", manifest.as_bytes()),
            ("users.csv", users.as_bytes()),
            ("roles.csv", roles.as_bytes()),
            ("orgs.csv", ORGS),
            // Never opened: not even its encoding is looked at.
            ("demographics.csv", b"\xff\xfe not csv at all \x00"),
        ],
    );
    let staged = stage(&path).await;
    let report = &staged.report;
    assert_eq!(report.format, RosterFormat::OneRoster12);
    assert_eq!(report.students, 3);
    assert_eq!(report.recipients, 2);
    assert_eq!(report.students_without_reachable_guardian, 1);
    assert_eq!(report.max_children_per_recipient, 2);
    assert_eq!(report.skipped_rows, 1);
    assert_eq!(report.rejected_rows, 0);
    let (recipients, unreachable) = assert_consistent(&staged).await;
    assert_eq!(
        recipients,
        vec![
            Recipient {
                email: "luis@example.org".into(),
                name: "Luis Ruiz".into(),
                language: None,
                children: vec![child("s1", "Ana Ruiz"), child("s2", "Ben Ruiz")],
            },
            Recipient {
                email: "maria@example.org".into(),
                name: "Maria Ruiz".into(),
                language: None,
                children: vec![child("s1", "Ana Ruiz"), child("s2", "Ben Ruiz")],
            },
        ]
    );
    assert_eq!(
        unreachable,
        vec![UnreachableStudent {
            student_id: "s3".into(),
            name: "Cy Lee".into()
        }]
    );
    let json = serde_json::to_value(report).expect("serialize");
    assert_eq!(json["format"], "oneroster-1.2");
}

#[tokio::test]
async fn links_written_only_from_the_guardian_side() {
    let dir = TempDir::new().expect("tempdir");
    let users = [
        user11("s1", "", "true", "student", ("Ana", "Ruiz"), "", ""),
        user11("s2", "", "true", "student", ("Ben", "Ruiz"), "", ""),
        user11(
            "g1",
            "",
            "true",
            "parent",
            ("Maria", "Ruiz"),
            "maria@example.org",
            "s1, s2",
        ),
        user11(
            "g2",
            "",
            "true",
            "relative",
            ("Abuela", "Ruiz"),
            "abuela@example.org",
            "s2",
        ),
    ]
    .concat();
    let staged = stage(&bundle11(&dir, &users)).await;
    assert_eq!(staged.report.students, 2);
    assert_eq!(staged.report.recipients, 2);
    assert_eq!(staged.report.students_without_reachable_guardian, 0);
    let (recipients, _) = assert_consistent(&staged).await;
    assert_eq!(
        recipient(&recipients, "maria@example.org").children,
        vec![child("s1", "Ana Ruiz"), child("s2", "Ben Ruiz")]
    );
    assert_eq!(
        recipient(&recipients, "abuela@example.org").children,
        vec![child("s2", "Ben Ruiz")]
    );
}

#[tokio::test]
async fn links_written_from_both_sides_count_once() {
    let dir = TempDir::new().expect("tempdir");
    let users = [
        user11("s1", "", "true", "student", ("Ana", "Ruiz"), "", "g1"),
        user11("s2", "", "true", "student", ("Ben", "Ruiz"), "", "g1"),
        user11(
            "g1",
            "",
            "true",
            "guardian",
            ("Maria", "Ruiz"),
            "maria@example.org",
            "s1,s2",
        ),
    ]
    .concat();
    let staged = stage(&bundle11(&dir, &users)).await;
    assert_eq!(staged.report.recipients, 1);
    assert_eq!(staged.report.max_children_per_recipient, 2);
    let (recipients, _) = assert_consistent(&staged).await;
    assert_eq!(
        recipients[0].children,
        vec![child("s1", "Ana Ruiz"), child("s2", "Ben Ruiz")]
    );
}

#[tokio::test]
async fn bom_on_users_csv_is_stripped() {
    let dir = TempDir::new().expect("tempdir");
    let users = format!(
        "\u{feff}{USERS_11}\n{}",
        [
            user11("s1", "", "true", "student", ("Ana", "Ruiz"), "", "g1"),
            user11(
                "g1",
                "",
                "true",
                "parent",
                ("Maria", "Ruiz"),
                "maria@example.org",
                ""
            ),
        ]
        .concat()
    );
    // The manifest carries a BOM too, as spreadsheet exports do.
    let manifest = format!("\u{feff}{}", manifest("1.1", ""));
    let path = write_zip(
        &dir,
        "bundle.zip",
        &[
            ("manifest.csv", manifest.as_bytes()),
            ("users.csv", users.as_bytes()),
        ],
    );
    let staged = stage(&path).await;
    assert_eq!(staged.report.students, 1);
    assert_eq!(staged.report.recipients, 1);
    assert_eq!(staged.report.rejected_rows, 0);
}

#[tokio::test]
async fn disabled_users_and_tobedeleted_rows_are_skipped() {
    let dir = TempDir::new().expect("tempdir");
    let users = [
        user11("s1", "", "true", "student", ("Ana", "Ruiz"), "", "g1,g2"),
        // Disabled, in any case.
        user11("s2", "", "FALSE", "student", ("Ben", "Ruiz"), "", "g1"),
        // Withdrawn by a delta export.
        user11(
            "s3",
            "tobedeleted",
            "true",
            "student",
            ("Cy", "Ruiz"),
            "",
            "g1",
        ),
        user11("s4", "active", "True", "student", ("Dee", "Lee"), "", "g3"),
        user11(
            "g1",
            "",
            "true",
            "parent",
            ("Maria", "Ruiz"),
            "maria@example.org",
            "",
        ),
        user11(
            "g2",
            "",
            "false",
            "parent",
            ("Luis", "Ruiz"),
            "luis@example.org",
            "",
        ),
        // s4's only guardian is withdrawn: s4 needs a letter.
        user11(
            "g3",
            "ToBeDeleted",
            "true",
            "parent",
            ("Lou", "Lee"),
            "lou@example.org",
            "s4",
        ),
    ]
    .concat();
    let staged = stage(&bundle11(&dir, &users)).await;
    let report = &staged.report;
    assert_eq!(report.students, 2);
    assert_eq!(report.recipients, 1);
    assert_eq!(report.students_without_reachable_guardian, 1);
    assert_eq!(report.skipped_rows, 4);
    assert_eq!(report.rejected_rows, 0);
    let (recipients, unreachable) = assert_consistent(&staged).await;
    assert_eq!(recipients[0].children, vec![child("s1", "Ana Ruiz")]);
    assert_eq!(unreachable[0].student_id, "s4");
}

#[tokio::test]
async fn malformed_oneroster_rows_are_reported_by_line() {
    let dir = TempDir::new().expect("tempdir");
    let users = [
        // line 2
        user11("s1", "", "true", "student", ("Ana", "Ruiz"), "", "g1,g2,g3"),
        // line 3: one field short
        "s2,,,true,org1,student,s2,,Ben,Ruiz,,,,,,,\n".to_owned(),
        // line 4: no sourcedId
        user11("", "", "true", "student", ("Cy", "Ruiz"), "", ""),
        // line 5
        user11(
            "g1",
            "",
            "true",
            "parent",
            ("Maria", "Ruiz"),
            "maria at example.org",
            "",
        ),
        // line 6: no address, but linked, so reported
        user11("g2", "", "true", "parent", ("Luis", "Ruiz"), "", ""),
        // line 7: duplicate of line 2
        user11("s1", "", "true", "student", ("Other", "Kid"), "", ""),
        // line 8: a student without any name
        user11("s5", "", "true", "student", ("", ""), "", "g3"),
        // line 9
        user11(
            "g3",
            "",
            "true",
            "parent",
            ("Ann", "Ruiz"),
            "ann@example.org",
            "",
        ),
        // line 10: role missing
        user11("x1", "", "true", "", ("No", "Role"), "", ""),
        // line 11: an unlinked guardian without address is not news
        user11("g4", "", "true", "parent", ("Zed", "Zee"), "", ""),
    ]
    .concat();
    let staged = stage(&bundle11(&dir, &users)).await;
    let report = &staged.report;
    assert_eq!(
        report.rejected,
        vec![
            rejection("users.csv", 3, "row has 17 field(s), the header has 18"),
            rejection("users.csv", 4, "sourcedId is empty"),
            rejection("users.csv", 5, "guardian email is not a valid address"),
            rejection("users.csv", 6, "guardian has no email address"),
            rejection("users.csv", 7, "duplicate sourcedId (first on line 2)"),
            rejection(
                "users.csv",
                8,
                "student has no name (givenName and familyName are empty)"
            ),
            rejection("users.csv", 10, "role is empty"),
        ]
    );
    assert_eq!(report.rejected_rows, 7);
    assert_eq!(report.students, 1);
    assert_eq!(report.recipients, 1);
    let (recipients, _) = assert_consistent(&staged).await;
    // The duplicate row did not rename the student.
    assert_eq!(recipients[0].children, vec![child("s1", "Ana Ruiz")]);
    for row in &report.rejected {
        assert!(!row.reason.contains("example.org"), "no address in {row:?}");
    }
}

#[tokio::test]
async fn bundle_zipped_inside_a_folder_is_found() {
    let dir = TempDir::new().expect("tempdir");
    let users = format!(
        "{USERS_11}\n{}",
        [
            user11("s1", "", "true", "student", ("Ana", "Ruiz"), "", "g1"),
            user11(
                "g1",
                "",
                "true",
                "parent",
                ("Maria", "Ruiz"),
                "maria@example.org",
                ""
            ),
        ]
        .concat()
    );
    let manifest = manifest("1.1", "");
    let path = write_zip(
        &dir,
        "bundle.zip",
        &[
            ("__MACOSX/export/._manifest.csv", b"\x00\x05\x16\x07"),
            ("export/manifest.csv", manifest.as_bytes()),
            ("export/Users.csv", users.as_bytes()),
        ],
    );
    let staged = stage(&path).await;
    assert_eq!(staged.report.recipients, 1);
}

// --------------------------------------------------------------- plain CSV

const PLAIN_HEADER: &str = "student_id,student_name,guardian_name,guardian_email,language\n";

#[tokio::test]
async fn sibling_case_one_guardian_two_children_is_one_recipient() {
    let dir = TempDir::new().expect("tempdir");
    let csv = format!(
        "{PLAIN_HEADER}\
         s2,Ben Ruiz,Maria Ruiz,maria@example.org,es\n\
         s1,Ana Ruiz,Maria Ruiz,Maria@Example.org,es\n\
         s1,Ana Ruiz,Maria Ruiz,maria@example.org,es\n"
    );
    let staged = stage(&write_file(&dir, "roster.csv", csv.as_bytes())).await;
    let report = &staged.report;
    assert_eq!(report.students, 2);
    assert_eq!(report.recipients, 1);
    assert_eq!(report.max_children_per_recipient, 2);
    let (recipients, _) = assert_consistent(&staged).await;
    assert_eq!(
        recipients,
        vec![Recipient {
            // The spelling of the first row naming the address.
            email: "maria@example.org".into(),
            name: "Maria Ruiz".into(),
            language: Some("es".into()),
            children: vec![child("s1", "Ana Ruiz"), child("s2", "Ben Ruiz")],
        }]
    );
}

#[tokio::test]
async fn a_student_is_reachable_by_any_of_its_rows_together_or_apart() {
    let dir = TempDir::new().expect("tempdir");
    // s1: a bad address, then a good one further down (apart); s2: a good
    // one after a bad one (together); s3: only bad ones. A student's name
    // is its first row's, wherever the later ones are.
    let csv = format!(
        "{PLAIN_HEADER}\
         s1,Ana Ruiz,Maria Ruiz,not-an-address,es\n\
         s2,Ben Lee,Kim Lee,,en\n\
         s2,Ben Lee,Kim Lee,kim@example.org,en\n\
         s3,Cy Roe,Al Roe,also bad,en\n\
         s1,Ana R. Ruiz,Maria Ruiz,maria@example.org,es\n\
         s3,Cy Roe,Al Roe,,en\n"
    );
    let staged = stage(&write_file(&dir, "roster.csv", csv.as_bytes())).await;
    assert_eq!(staged.report.students, 3);
    assert_eq!(staged.report.recipients, 2);
    assert_eq!(staged.report.students_without_reachable_guardian, 1);
    let (recipients, unreachable) = assert_consistent(&staged).await;
    assert_eq!(
        recipient(&recipients, "maria@example.org").children,
        vec![child("s1", "Ana Ruiz")]
    );
    assert_eq!(
        recipient(&recipients, "kim@example.org").children,
        vec![child("s2", "Ben Lee")]
    );
    assert_eq!(
        unreachable,
        vec![UnreachableStudent {
            student_id: "s3".into(),
            name: "Cy Roe".into(),
        }]
    );
}

#[tokio::test]
async fn plain_columns_are_matched_by_name() {
    let dir = TempDir::new().expect("tempdir");
    // Other order, an extra column, no language column, and a BOM.
    let csv = "\u{feff}guardian_email,homeroom,student_name,student_id,guardian_name\n\
               maria@example.org,5B,Ana Ruiz,s1,Maria Ruiz\n";
    let staged = stage(&write_file(&dir, "roster.csv", csv.as_bytes())).await;
    assert_eq!(staged.report.students, 1);
    assert_eq!(staged.report.rejected_rows, 0);
    let (recipients, _) = assert_consistent(&staged).await;
    assert_eq!(recipients[0].name, "Maria Ruiz");
    assert_eq!(recipients[0].language, None);
    assert_eq!(recipients[0].children, vec![child("s1", "Ana Ruiz")]);
}

#[tokio::test]
async fn bom_on_plain_csv_is_stripped() {
    let dir = TempDir::new().expect("tempdir");
    let csv = format!("\u{feff}{PLAIN_HEADER}s1,Ana Ruiz,Maria Ruiz,maria@example.org,en\n");
    let staged = stage(&write_file(&dir, "roster.csv", csv.as_bytes())).await;
    assert_eq!(staged.report.students, 1);
    assert_eq!(staged.report.recipients, 1);
}

#[tokio::test]
async fn malformed_plain_rows_are_reported_by_line() {
    let dir = TempDir::new().expect("tempdir");
    let csv = format!(
        "{PLAIN_HEADER}\
         s1,Ana Ruiz,Maria Ruiz,maria@example.org,es\n\
         s2,Ben Lee,Lou Lee,lou(at)example.org,en\n\
         s3,,Sam Sun,sam@example.org,en\n\
         s4,Dee Day,Dan Day,dan@example.org\n\
         ,Eve Ray,Rob Ray,rob@example.org,en\n\
         \n\
         s6,\"Fay\nMultiline\",Fred Fox,fred@example.org,en\n\
         s7,Gus Gray,Gil Gray,,en\n\
         s1,Ana Ruiz,Luis Ruiz,luis@example.org,es,extra\n"
    );
    let staged = stage(&write_file(&dir, "families.csv", csv.as_bytes())).await;
    let report = &staged.report;
    assert_eq!(
        report.rejected,
        vec![
            rejection("families.csv", 3, "guardian_email is not a valid address"),
            rejection("families.csv", 4, "student_name is empty"),
            rejection("families.csv", 5, "row has 4 field(s), the header has 5"),
            rejection("families.csv", 6, "student_id is empty"),
            rejection("families.csv", 10, "guardian_email is empty"),
            rejection("families.csv", 11, "row has 6 field(s), the header has 5"),
        ]
    );
    assert_eq!(report.rejected_rows, 6);
    // s1, s2 (no reachable guardian), s6, s7 (none either).
    assert_eq!(report.students, 4);
    assert_eq!(report.recipients, 2);
    let (_, unreachable) = assert_consistent(&staged).await;
    assert_eq!(
        unreachable,
        vec![
            UnreachableStudent {
                student_id: "s2".into(),
                name: "Ben Lee".into()
            },
            UnreachableStudent {
                student_id: "s7".into(),
                name: "Gus Gray".into()
            },
        ]
    );
    for row in &report.rejected {
        assert!(!row.reason.contains("example.org"), "no address in {row:?}");
    }
}

/// Windows exports end lines with CRLF; the csv crate alone would number
/// every row after the first one line too low.
#[tokio::test]
async fn crlf_line_ends_keep_line_numbers_right() {
    let dir = TempDir::new().expect("tempdir");
    let csv = PLAIN_HEADER.replace('\n', "\r\n")
        + "s1,Ana Ruiz,Maria Ruiz,maria@example.org,es\r\n\
           s2,,Lou Lee,lou@example.org,en\r\n\
           s3,Cy Lee,Lou Lee,lou@,en\r\n";
    let staged = stage(&write_file(&dir, "roster.csv", csv.as_bytes())).await;
    assert_eq!(
        staged.report.rejected,
        vec![
            rejection("roster.csv", 3, "student_name is empty"),
            rejection("roster.csv", 4, "guardian_email is not a valid address"),
        ]
    );
}

#[tokio::test]
async fn stage_as_reports_rejections_under_the_uploaded_name() {
    let dir = TempDir::new().expect("tempdir");
    let csv = format!("{PLAIN_HEADER}s1,,Maria Ruiz,maria@example.org,es\n");
    let path = write_file(&dir, ".tmpXYZ123", csv.as_bytes());
    let staged = StagedRoster::stage_as(&path, "families.csv")
        .await
        .expect("staged");
    assert_eq!(
        staged.report.rejected,
        vec![rejection("families.csv", 2, "student_name is empty")]
    );
    staged.close().await;
}

#[tokio::test]
async fn paging_is_keyset_and_case_insensitive() {
    let dir = TempDir::new().expect("tempdir");
    let mut csv = PLAIN_HEADER.to_owned();
    for n in 0..25 {
        csv.push_str(&format!(
            "s{n:02},Kid {n},Parent {n},Parent{n:02}@Example.org,en\n"
        ));
    }
    let staged = stage(&write_file(&dir, "roster.csv", csv.as_bytes())).await;
    let first = staged.recipients(None, 10).await.expect("page");
    assert_eq!(first.len(), 10);
    assert_eq!(first[0].email, "Parent00@Example.org");
    let next = staged
        .recipients(Some("PARENT09@example.org"), 10)
        .await
        .expect("page");
    assert_eq!(next[0].email, "Parent10@Example.org");
    let last = staged
        .recipients(Some("parent20@example.org"), 10)
        .await
        .expect("page");
    assert_eq!(last.len(), 4);
    assert!(staged.recipients(None, 0).await.expect("page").is_empty());
    assert_eq!(all_recipients(&staged).await.len(), 25);
}

// ------------------------------------------------------ not a roster at all

#[tokio::test]
async fn files_that_are_not_rosters_are_rejected_whole() {
    let dir = TempDir::new().expect("tempdir");

    let empty = write_file(&dir, "empty.csv", b"");
    assert!(matches!(rejected(&empty).await, RosterRejected::Empty));

    // Starts like a zip, is not one.
    let garbage = write_file(
        &dir,
        "garbage.zip",
        b"PK\x03\x04this is not a zip archive at all",
    );
    let error = rejected(&garbage).await;
    assert!(matches!(error, RosterRejected::BadZip { .. }), "{error:?}");
    assert!(!error.is_internal());

    // A real bundle cut short in transfer.
    let full = std::fs::read(fixture("oneroster11-small.zip")).expect("fixture");
    let truncated = write_file(&dir, "truncated.zip", &full[..full.len() / 2]);
    assert!(matches!(
        rejected(&truncated).await,
        RosterRejected::BadZip { .. }
    ));

    // Random binary that is not a zip either.
    let binary = write_file(
        &dir,
        "photo.jpg",
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\xff\xff",
    );
    let error = rejected(&binary).await;
    assert!(matches!(error, RosterRejected::NotUtf8 { .. }), "{error:?}");

    let no_manifest = write_zip(
        &dir,
        "no-manifest.zip",
        &[("users.csv", USERS_11.as_bytes())],
    );
    assert!(matches!(
        rejected(&no_manifest).await,
        RosterRejected::NoManifest
    ));

    let manifest11 = manifest("1.1", "");
    let no_users = write_zip(
        &dir,
        "no-users.zip",
        &[("manifest.csv", manifest11.as_bytes()), ("orgs.csv", ORGS)],
    );
    let error = rejected(&no_users).await;
    assert!(
        matches!(&error, RosterRejected::MissingFile { file } if file == "users.csv"),
        "{error:?}"
    );
    assert_eq!(error.to_string(), "the bundle has no users.csv");

    let manifest12 = manifest("1.2", "file.roles,bulk\n");
    let users12 = format!("{USERS_12}\n");
    let no_roles = write_zip(
        &dir,
        "no-roles.zip",
        &[
            ("manifest.csv", manifest12.as_bytes()),
            ("users.csv", users12.as_bytes()),
        ],
    );
    let error = rejected(&no_roles).await;
    assert!(
        matches!(&error, RosterRejected::MissingFile { file } if file == "roles.csv"),
        "{error:?}"
    );

    let manifest3 = manifest("3.0", "");
    let future = write_zip(
        &dir,
        "future.zip",
        &[
            ("manifest.csv", manifest3.as_bytes()),
            ("users.csv", USERS_11.as_bytes()),
        ],
    );
    assert!(matches!(
        rejected(&future).await,
        RosterRejected::UnsupportedVersion { .. }
    ));

    let unversioned = write_zip(
        &dir,
        "unversioned.zip",
        &[
            (
                "manifest.csv",
                b"propertyName,value\nmanifest.version,1.0\n",
            ),
            ("users.csv", USERS_11.as_bytes()),
        ],
    );
    assert!(matches!(
        rejected(&unversioned).await,
        RosterRejected::BadManifest { .. }
    ));

    // A 1.2-style users.csv in a bundle that claims 1.1 has no role column.
    let wrong_columns = write_zip(
        &dir,
        "wrong-columns.zip",
        &[
            ("manifest.csv", manifest11.as_bytes()),
            ("users.csv", users12.as_bytes()),
        ],
    );
    let error = rejected(&wrong_columns).await;
    assert!(
        matches!(&error, RosterRejected::MissingColumns { file, columns } if file == "users.csv" && columns == &["role"]),
        "{error:?}"
    );
}

#[tokio::test]
async fn plain_csv_missing_a_required_column_is_rejected_naming_it() {
    let dir = TempDir::new().expect("tempdir");
    let csv = "student_id,student_name,guardian_name,language\ns1,Ana Ruiz,Maria Ruiz,es\n";
    let error = rejected(&write_file(&dir, "roster.csv", csv.as_bytes())).await;
    match &error {
        RosterRejected::MissingColumns { file, columns } => {
            assert_eq!(file, "roster.csv");
            assert_eq!(columns, &["guardian_email"]);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(error.to_string().contains("guardian_email"), "{error}");

    // A semicolon-separated export has none of the columns; all are named.
    let csv = "student_id;student_name;guardian_name;guardian_email\n";
    let error = rejected(&write_file(&dir, "semicolons.csv", csv.as_bytes())).await;
    match error {
        RosterRejected::MissingColumns { columns, .. } => assert_eq!(columns.len(), 4),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn plain_csv_not_in_utf8_is_rejected_without_echoing_it() {
    let dir = TempDir::new().expect("tempdir");
    // Latin-1 "José", as a spreadsheet might save it.
    let mut csv = PLAIN_HEADER.as_bytes().to_vec();
    csv.extend_from_slice(b"s1,Ana Ruiz,Maria Ruiz,maria@example.org,es\ns2,Jos\xe9 Ruiz,Maria Ruiz,maria@example.org,es\n");
    let error = rejected(&write_file(&dir, "latin1.csv", &csv)).await;
    match &error {
        RosterRejected::NotUtf8 { file, line } => {
            assert_eq!(file, "latin1.csv");
            assert_eq!(*line, 3);
        }
        other => panic!("unexpected {other:?}"),
    }
    let message = error.to_string();
    assert!(
        !message.contains("Jos") && !message.contains("Ruiz"),
        "{message}"
    );
}

// ------------------------------------------------------------- measurement

/// Stages a generated plain CSV of 1,000,000 guardians (500,000 families of
/// two guardians, with one or two children each: 750,000 students, 1,500,000
/// rows) and checks that every student and guardian is counted and every
/// recipient can be paged through. Correctness only: the import's time and
/// memory targets (within 3× of `sqlite3 .import`, peak RSS ≤ 150 MB) are
/// measured, against the daemon, by `benches/roster/run.sh`. Run by hand:
///
/// ```sh
/// cargo test --release --test roster -- --ignored million
/// ```
#[tokio::test(flavor = "multi_thread")]
#[ignore = "slow: generates and imports a 1,000,000-guardian roster"]
async fn million_guardian_roster() {
    let dir = TempDir::new().expect("tempdir");
    let path = dir.path().join("million.csv");
    {
        let file = std::fs::File::create(&path).expect("create");
        let mut out = std::io::BufWriter::new(file);
        out.write_all(PLAIN_HEADER.as_bytes()).expect("write");
        let mut student = 0u64;
        for family in 0..500_000u64 {
            let children = 1 + family % 2;
            for _ in 0..children {
                for parent in 0..2 {
                    writeln!(
                        out,
                        "stu{student:08},Kid{student} Fam{family},Parent{parent} Fam{family},p{parent}.f{family:07}@families.example,{}",
                        if parent == 0 { "en" } else { "es" }
                    )
                    .expect("write");
                }
                student += 1;
            }
        }
        out.flush().expect("flush");
    }
    let staged = stage(&path).await;
    let report = &staged.report;
    assert_eq!(report.students, 750_000);
    assert_eq!(report.recipients, 1_000_000);
    assert_eq!(report.max_children_per_recipient, 2);
    assert_eq!(report.students_without_reachable_guardian, 0);

    let mut after: Option<String> = None;
    let mut read = 0u64;
    let mut previous: Option<String> = None;
    loop {
        let page = staged
            .recipients(after.as_deref(), 1000)
            .await
            .expect("page");
        let Some(last) = page.last() else { break };
        // In address order, each once: paging neither skips nor repeats.
        for recipient in &page {
            assert!(
                previous.as_deref() < Some(recipient.email.as_str()),
                "{} after {previous:?}",
                recipient.email
            );
            previous = Some(recipient.email.clone());
        }
        after = Some(last.email.clone());
        read += page.len() as u64;
    }
    assert_eq!(read, 1_000_000);
}

#[tokio::test]
async fn a_line_longer_than_any_roster_line_is_refused_naming_it() {
    // The csv reader holds a whole record in memory: one endless line must
    // not become an endless allocation.
    let dir = TempDir::new().unwrap();
    let long = "x".repeat(200 * 1024);
    let csv = format!(
        "student_id,student_name,guardian_name,guardian_email,language\ns1,Ann,Pat,pat@example.org,en\ns2,{long},Pat,pat@example.org,en\n"
    );
    let path = write_file(&dir, "families.csv", csv.as_bytes());
    let error = rejected(&path).await;
    assert!(
        matches!(error, RosterRejected::TooLarge { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("line 3"), "{error}");
}

#[tokio::test]
async fn a_zip_bomb_is_refused_before_it_is_unpacked() {
    // 64 MiB of one byte compresses about a thousand to one: no roster does.
    let dir = TempDir::new().unwrap();
    let manifest = manifest("1.1", "");
    let mut users = USERS_11.as_bytes().to_vec();
    users.push(b'\n');
    users.resize(64 * 1024 * 1024, b'a');
    let path = write_zip(
        &dir,
        "bomb.zip",
        &[
            ("manifest.csv", manifest.as_bytes()),
            ("users.csv", &users),
            ("orgs.csv", ORGS),
        ],
    );
    let started = std::time::Instant::now();
    let error = rejected(&path).await;
    assert!(
        matches!(error, RosterRejected::TooLarge { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("users.csv"), "{error}");
    assert!(error.to_string().contains(":1"), "{error}");
    // Refused from the central directory, not after unpacking.
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}
