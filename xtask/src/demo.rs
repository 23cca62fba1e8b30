//! `cargo xtask demo`: build, then run `sfbridge demo` until Ctrl-C.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};

use crate::{cargo, frontend, root, run, tools};

/// The line the demo prints with a link that signs the browser in as its admin.
const SIGN_IN: &str = "demo admin sign-in: ";

pub fn run(args: &[String]) -> Result<()> {
    let extra = match args.first().map(String::as_str) {
        None => &[][..],
        Some("--") => &args[1..],
        Some(other) => bail!(
            "unknown argument `{other}`; pass flags for `sfbridge demo` after `--`, e.g. `cargo xtask demo -- --port 9090`"
        ),
    };
    let root = root();
    tools::ensure_wasm_target()?;
    tools::ensure_wasm_bindgen()?;
    tools::ensure_wasm_opt()?;
    frontend::build()?;
    run::status(Command::new(cargo()).current_dir(&root).args([
        "build",
        "--release",
        "-p",
        "sfbridge",
    ]))?;
    let binary = root.join("target/release/sfbridge");
    println!(
        "release binary: {} bytes",
        std::fs::metadata(&binary)?.len()
    );

    let mut cmd = Command::new(&binary);
    cmd.current_dir(&root)
        .arg("demo")
        .arg("--static-dir")
        .arg(frontend::dist())
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        // Its own process group: the terminal's Ctrl-C reaches only us, and we pass it on once,
        // so the server shuts down gracefully and we wait for it.
        .process_group(0);
    println!("$ {}", run::describe(&cmd));
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;

    let pid = child.id().to_string();
    let interrupts = Arc::new(AtomicUsize::new(0));
    ctrlc::set_handler({
        let interrupts = interrupts.clone();
        move || {
            // A second Ctrl-C means "stop now".
            let signal = match interrupts.fetch_add(1, Ordering::SeqCst) {
                0 => "-INT",
                _ => "-KILL",
            };
            let _ = Command::new("kill").args([signal, &pid]).status();
        }
    })
    .context("cannot install the Ctrl-C handler")?;

    let stdout = child.stdout.take().expect("stdout is piped");
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        if let Some(url) = line.strip_prefix(SIGN_IN) {
            // The link's Sign in button signs the browser in as the demo's admin (once), straight
            // into the app.
            println!("\nOpen {}\n(Ctrl-C stops the demo)", url.trim());
        }
    }
    let status = child.wait()?;
    if interrupts.load(Ordering::SeqCst) > 0 {
        println!("demo stopped");
        return Ok(());
    }
    if !status.success() {
        bail!("sfbridge demo exited: {status}");
    }
    Ok(())
}
