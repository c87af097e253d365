//! A test that cannot run here says so where a person sees it, and fails
//! in CI, where every tool it needs is installed (`.ci/run` sets `CI`).

use std::io::Write;

/// Reports that `test` was skipped because `why`; panics when `CI` is set
/// (or `BREACHD_REQUIRE_ALL=1`), so a missing install step cannot pass as
/// green.
pub fn skipped(test: &str, why: &str) {
    let required = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
        || std::env::var("BREACHD_REQUIRE_ALL").is_ok_and(|v| v == "1");
    if required {
        panic!("{test} cannot run ({why}), and CI requires it");
    }
    // Straight to the process's stderr: libtest captures only the print
    // macros, and a skip must be seen.
    let _ = writeln!(std::io::stderr(), "SKIPPED ({why}): {test}");
}
