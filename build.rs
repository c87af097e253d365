//! Embeds every rule pack under `config/rules/` in the binary: it writes the
//! list `rules::pack::EMBEDDED` includes, so a new `config/rules/us-xx.toml`
//! ships by being added, with no code edit (docs/architecture.md).

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read when the script runs, not baked in when it is compiled
    // (`env!`): a target folder shared by several checkouts of this package
    // may run one compiled script for all of them, and each must embed its
    // own packs.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest_dir).join("config/rules");
    // A directory here is watched for any file added, removed or changed in it.
    println!("cargo:rerun-if-changed={}", dir.display());
    // `sqlx::migrate!` embeds migrations/ but does not tell cargo: a new
    // migration would otherwise ship only with the next edit of the code.
    println!(
        "cargo:rerun-if-changed={}",
        Path::new(&manifest_dir).join("migrations").display()
    );
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("config/rules/ exists: the packs ship from it")
        .map(|entry| entry.expect("config/rules/ is readable").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    // Sorted so the generated file, and so the binary, do not depend on the
    // order the file system lists them in.
    files.sort();
    let mut out = String::from("/// The packs that ship, as (file name, text), by file name.\n");
    writeln!(
        out,
        "pub const EMBEDDED: [(&str, &str); {}] = [",
        files.len()
    )
    .expect("writing to a String cannot fail");
    for path in &files {
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .expect("pack file names are UTF-8 (us-xx.toml)");
        // The path is joined when the crate compiles, from its own
        // CARGO_MANIFEST_DIR: checkouts that share one target folder may
        // share this file too (cargo hashes a path package by its path
        // relative to the workspace), and each must embed its own packs.
        writeln!(
            out,
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/config/rules/{name}\"))),"
        )
        .expect("writing to a String cannot fail");
    }
    out.push_str("];\n");
    let target =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_packs.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}
