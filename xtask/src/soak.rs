//! `cargo xtask soak [--processes N] [--minutes M]`: builds the server (debug, as the tests
//! use it) and runs the soak driver of the tests crate (`tests/src/bin/soak.rs`) against
//! PostgreSQL (`TEST_DATABASE_URL`). Its last line is the summary; it fails on any loss,
//! duplicate, parked job or diverged record.

use anyhow::{Result, bail};

use crate::{cargo, root, run};

/// How the command is called.
const USAGE: &str = "usage: cargo xtask soak [--processes N] [--minutes M]";

pub fn run(args: &[String]) -> Result<()> {
    let mut driver_args = Vec::new();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let Some(value) = rest.next() else {
            bail!("{USAGE}");
        };
        if !matches!(flag.as_str(), "--processes" | "--minutes" | "--seconds")
            || value.parse::<u64>().is_err()
        {
            bail!("{USAGE}");
        }
        driver_args.extend([flag.clone(), value.clone()]);
    }
    soak(&driver_args)
}

/// Builds `sfbridge` and the driver, then runs the driver with `args`.
fn soak(args: &[String]) -> Result<()> {
    if std::env::var_os("TEST_DATABASE_URL").is_none() {
        bail!(
            "the soak runs several processes on one PostgreSQL: set TEST_DATABASE_URL \
             (e.g. postgres://postgres@127.0.0.1:5432/test)"
        );
    }
    cargo_status(&["build", "-p", "sfbridge"])?;
    cargo_status(&["build", "-p", "sfbridge-tests", "--bin", "soak"])?;
    drive(args)
}

fn cargo_status(args: &[&str]) -> Result<()> {
    run::status(
        std::process::Command::new(cargo())
            .current_dir(root())
            .args(args),
    )
}

/// Runs the built driver with `args` against the built server.
fn drive(args: &[String]) -> Result<()> {
    let root = root();
    run::status(
        std::process::Command::new(root.join("target/debug/soak"))
            .current_dir(&root)
            .args(args)
            .env("SFBRIDGE_BIN", root.join("target/debug/sfbridge"))
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or("warn".into()),
            ),
    )
}
