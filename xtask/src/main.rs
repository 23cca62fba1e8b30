//! The project's two commands.
//!
//! - `cargo xtask demo [-- <sfbridge demo flags>]`: build the web pages and the server, start the demo.
//! - `cargo xtask test [--only <step>[,<step>..]]`: every check CI runs, in order, stopping at the first failure.
//! - `cargo xtask soak [--processes N] [--minutes M]`: several `sfbridge serve` processes on
//!   PostgreSQL under faults and kills; fails when a change was lost or written twice.
//!
//! Each installs what is missing and only that; tools go under the repo's ignored `.tools/`
//! (apt packages excepted), so a fresh machine needs nothing but the Rust toolchain, Node/npm and apt.

mod demo;
mod frontend;
mod run;
mod soak;
mod test;
mod tools;

use std::path::{Path, PathBuf};

const USAGE: &str = "\
usage:
  cargo xtask demo [-- <extra `sfbridge demo` flags>]
      build the web pages (size profile + wasm-opt) and the server, then run `sfbridge demo`
  cargo xtask test [--only <step>[,<step>..]]
      fmt, clippy, tools, front end, native tests (SQLite, and PostgreSQL when TEST_DATABASE_URL is set),
      browser tests and wasm tests; stops at the first failing step
  cargo xtask soak [--processes N] [--minutes M]
      N `sfbridge serve` processes (3) on PostgreSQL (TEST_DATABASE_URL) for M minutes (1),
      changes both ways under faults and SIGKILLs; prints the table and a `soak:` summary line,
      fails on any change lost or duplicated";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("demo") => demo::run(&args[1..]),
        Some("test") => test::run(&args[1..]),
        Some("soak") => soak::run(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(error) = outcome {
        eprintln!("xtask: {error:#}");
        std::process::exit(1);
    }
}

/// The repository root: the folder above this crate.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one folder below the repository root")
        .to_path_buf()
}

/// The cargo that started us (so rustup's toolchain choice carries over), or the one on PATH.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}
