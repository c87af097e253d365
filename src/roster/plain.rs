//! The plain CSV of docs/api.md: a header naming `student_id`,
//! `student_name`, `guardian_name`, `guardian_email` and optionally
//! `language` and the mailing address (`address_line1`, `address_line2`,
//! `city`, `state`, `postal_code`) (any order, extra columns ignored), then one row per (student,
//! guardian) pair. It exists for districts whose SIS cannot export OneRoster,
//! so it is forgiving about layout but strict about what a notice needs.

use super::parse::{self, EmailState, PlainGuardian, Record, Sink, Source};
use super::RosterRejected;
use crate::domain::coverage::MailingAddress;
use std::path::Path;

/// Columns without which a row cannot become a notice.
const REQUIRED: [&str; 4] = [
    "student_id",
    "student_name",
    "guardian_name",
    "guardian_email",
];
/// `language` only picks a template variant; English is the fallback. The
/// address columns give a paper letter's address (a student's first row
/// with an address wins).
const OPTIONAL: [&str; 6] = [
    "language",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
];

/// Streams the file at `path` into `sink`; rejections are reported under
/// `name`.
pub(super) fn parse(path: &Path, name: &str, sink: &mut Sink) -> Result<(), RosterRejected> {
    let file = std::fs::File::open(path).map_err(|error| {
        RosterRejected::Internal(anyhow::anyhow!("cannot open the upload: {error}"))
    })?;
    let source = Source {
        file: name.to_owned(),
        rank: 0,
        in_zip: false,
    };
    let mut rdr = parse::reader(file);
    let headers = parse::header(&mut rdr, &source)?;
    let columns = parse::columns(&headers, &source.file, &REQUIRED, &OPTIONAL)?;
    let [student_id, student_name, guardian_name, guardian_email] = [
        columns.required[0],
        columns.required[1],
        columns.required[2],
        columns.required[3],
    ];
    let language = columns.optional[0];
    let address_columns = [
        columns.optional[1],
        columns.optional[2],
        columns.optional[3],
        columns.optional[4],
        columns.optional[5],
    ];

    parse::rows(&mut rdr, &source, sink, |row, line, sink| {
        let id = parse::field(row, student_id);
        let name = parse::field(row, student_name);
        if id.is_empty() {
            return sink.reject(&source, line, "student_id is empty");
        }
        if name.is_empty() {
            return sink.reject(&source, line, "student_name is empty");
        }
        let email = parse::check_email(parse::field(row, guardian_email));
        // The student counts even when this row's guardian cannot be
        // emailed: the student may have another guardian, or needs a letter.
        let guardian = match (email.state, email.address, email.key) {
            (EmailState::Valid, Some(address), Some(key)) => Some(PlainGuardian {
                email: address,
                key,
                name: parse::field(row, guardian_name).to_owned(),
                language: parse::optional_field(row, language).map(str::to_owned),
            }),
            (EmailState::Missing, ..) => {
                sink.reject(&source, line, "guardian_email is empty")?;
                None
            }
            _ => {
                sink.reject(&source, line, "guardian_email is not a valid address")?;
                None
            }
        };
        let [line1, line2, city, state, postal_code] =
            address_columns.map(|column| parse::optional_field(row, column).map(str::to_owned));
        // An address needs its first line; the rest may be missing.
        let address = line1.map(|line1| MailingAddress {
            line1,
            line2,
            city: city.unwrap_or_default(),
            state: state.unwrap_or_default(),
            postal_code: postal_code.unwrap_or_default(),
        });
        sink.push(Record::Pair {
            line,
            student_id: id.to_owned(),
            student_name: name.to_owned(),
            guardian,
            address,
        })
    })
}
