//! `cargo xtask test`: every check, in order, each runner's own output visible.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::{cargo, frontend, root, run, tools};

struct Step {
    name: &'static str,
    what: &'static str,
    run: fn() -> Result<()>,
}

const STEPS: &[Step] = &[
    Step {
        name: "fmt",
        what: "formatting",
        run: fmt,
    },
    Step {
        name: "clippy",
        what: "lints of the native crates",
        run: clippy,
    },
    Step {
        name: "docs",
        what: "API documentation of the native crates, warnings denied",
        run: docs,
    },
    Step {
        name: "clippy-wasm",
        what: "lints of the front end for wasm32",
        run: clippy_wasm,
    },
    Step {
        name: "tools",
        what: "wasm-bindgen, wasm-opt, Chromium, simulator client helpers",
        run: install_tools,
    },
    Step {
        name: "frontend",
        what: "build the web pages into dist/",
        run: frontend::build,
    },
    Step {
        name: "server",
        what: "build the sfbridge binary the browser tests start",
        run: build_server,
    },
    Step {
        name: "database",
        what: "PostgreSQL reachable when TEST_DATABASE_URL is set",
        run: tools::check_postgres,
    },
    Step {
        name: "native-tests",
        what: "unit, contract, simulator, end-to-end and browser tests",
        run: native_tests,
    },
    Step {
        name: "wasm-tests",
        what: "front-end tests in headless Chromium",
        run: wasm_tests,
    },
];

pub fn run(args: &[String]) -> Result<()> {
    let only = parse_only(args)?;
    let chosen: Vec<&Step> = STEPS
        .iter()
        .filter(|s| only.as_ref().is_none_or(|o| o.contains(&s.name)))
        .collect();
    let started = Instant::now();
    let mut passed = Vec::new();
    for (index, step) in chosen.iter().enumerate() {
        println!(
            "\n==> [{}/{}] {}: {}",
            index + 1,
            chosen.len(),
            step.name,
            step.what
        );
        let step_started = Instant::now();
        if let Err(error) = (step.run)() {
            eprintln!("\nxtask test: step `{}` FAILED: {error:#}", step.name);
            eprintln!(
                "xtask test: passed before it: {}",
                summary(&passed).unwrap_or_else(|| "none".into())
            );
            std::process::exit(1);
        }
        passed.push((step.name, step_started.elapsed()));
    }
    println!(
        "\nxtask test: all {} steps passed in {}: {}",
        passed.len(),
        seconds(started.elapsed()),
        summary(&passed).unwrap_or_default()
    );
    Ok(())
}

fn parse_only(args: &[String]) -> Result<Option<Vec<&'static str>>> {
    match args {
        [] => Ok(None),
        [flag, list] if flag == "--only" => {
            let mut names = Vec::new();
            for wanted in list.split(',') {
                let Some(step) = STEPS.iter().find(|s| s.name == wanted) else {
                    bail!(
                        "unknown step `{wanted}`; steps: {}",
                        STEPS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
                    );
                };
                names.push(step.name);
            }
            Ok(Some(names))
        }
        _ => bail!("usage: cargo xtask test [--only <step>[,<step>..]]"),
    }
}

fn summary(passed: &[(&str, Duration)]) -> Option<String> {
    (!passed.is_empty()).then(|| {
        passed
            .iter()
            .map(|(name, took)| format!("{name} ({})", seconds(*took)))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

fn cargo_in_root() -> Command {
    let mut cmd = Command::new(cargo());
    cmd.current_dir(root());
    cmd
}

fn fmt() -> Result<()> {
    run::status(cargo_in_root().args(["fmt", "--all", "--check"]))
}

fn clippy() -> Result<()> {
    run::status(cargo_in_root().args(["clippy", "--all-targets", "--", "-D", "warnings"]))?;
    // The production build: `serve` and `migrate` without the simulators the demo runs.
    run::status(cargo_in_root().args([
        "clippy",
        "-p",
        "sfbridge",
        "--no-default-features",
        "--lib",
        "--bins",
        "--",
        "-D",
        "warnings",
    ]))
}

fn docs() -> Result<()> {
    run::status(
        cargo_in_root()
            .args(["doc", "--no-deps"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )
}

fn clippy_wasm() -> Result<()> {
    tools::ensure_wasm_target()?;
    run::status(cargo_in_root().args([
        "clippy",
        "-p",
        "sfbridge-frontend",
        "--target",
        tools::WASM_TARGET,
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

fn install_tools() -> Result<()> {
    tools::ensure_wasm_target()?;
    tools::ensure_wasm_bindgen()?;
    tools::ensure_wasm_opt()?;
    tools::ensure_browser()?;
    tools::ensure_client_helpers()
}

fn build_server() -> Result<()> {
    run::status(cargo_in_root().args(["build", "-p", "sfbridge"]))
}

fn native_tests() -> Result<()> {
    let root = root();
    let mut path = vec![];
    let venv_bin = tools::venv_dir().join("bin");
    if venv_bin.is_dir() {
        // The simulators' Python client helpers find their packages through `python3` on PATH.
        path.push(venv_bin);
    }
    if let Some(existing) = std::env::var_os("PATH") {
        path.extend(std::env::split_paths(&existing));
    }
    run::status(
        cargo_in_root()
            // Every suite runs even after one fails, so one run shows every failure.
            .args([
                "test",
                "--workspace",
                "--exclude",
                "sfbridge-frontend",
                "--no-fail-fast",
            ])
            .env("SFBRIDGE_BIN", root.join("target/debug/sfbridge"))
            .env("SFBRIDGE_DIST", frontend::dist())
            .env("CHROMEDRIVER", tools::CHROMEDRIVER)
            .env("CHROMIUM", tools::CHROMIUM)
            .env("PATH", std::env::join_paths(path)?),
    )
}

fn wasm_tests() -> Result<()> {
    let capabilities = tools::webdriver_json_for_run()?;
    run::status(
        cargo_in_root()
            .args([
                "test",
                "-p",
                "sfbridge-frontend",
                "--target",
                tools::WASM_TARGET,
            ])
            .env("PATH", tools::path_with_tools())
            .env("CHROMEDRIVER", tools::CHROMEDRIVER)
            .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", capabilities),
    )
}
