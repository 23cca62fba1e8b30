//! Building the web pages into `dist/`: the wasm app (size profile, wasm-bindgen, wasm-opt) and `public/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result};

use crate::tools::{self, WASM_TARGET};
use crate::{cargo, root, run};

const CRATE: &str = "sfbridge-frontend";
const WASM_NAME: &str = "sfbridge_frontend";
const PROFILE: &str = "wasm-release";
/// The wasm features rustc enables by default for wasm32-unknown-unknown. wasm-opt must be told:
/// wasm-bindgen's output carries no feature section, and binaryen's defaults reject e.g. `memory.copy`.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-bulk-memory-opt",
    "--enable-call-indirect-overlong",
    "--enable-multivalue",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-sign-ext",
];

pub fn dist() -> PathBuf {
    root().join("dist")
}

/// Build everything the browser loads into a fresh `dist/`. Needs the wasm tools installed.
pub fn build() -> Result<()> {
    let root = root();
    let dist = dist();
    run::status(Command::new(cargo()).current_dir(&root).args([
        "build",
        "-p",
        CRATE,
        "--profile",
        PROFILE,
        "--target",
        WASM_TARGET,
    ]))?;
    // Start from an empty folder so no file of an older build is served.
    if dist.exists() {
        std::fs::remove_dir_all(&dist)
            .with_context(|| format!("cannot empty {}", dist.display()))?;
    }
    let pkg = dist.join("pkg");
    let input = root
        .join("target")
        .join(WASM_TARGET)
        .join(PROFILE)
        .join(format!("{WASM_NAME}.wasm"));
    run::status(
        Command::new(tools::wasm_bindgen())
            .args(["--target", "web", "--no-typescript", "--out-dir"])
            .arg(&pkg)
            .arg(&input),
    )?;
    let wasm = pkg.join(format!("{WASM_NAME}_bg.wasm"));
    let before = size(&wasm)?;
    run::status(
        Command::new(tools::wasm_opt())
            .arg("-Oz")
            .args(WASM_FEATURES)
            .arg(&wasm)
            .arg("-o")
            .arg(&wasm),
    )?;
    copy_dir(&root.join("public"), &dist)?;
    println!(
        "front end: {} ({} before wasm-opt) wasm {} bytes raw, {} bytes gzip -9",
        dist.display(),
        before,
        size(&wasm)?,
        gzip_size(&wasm)?
    );
    Ok(())
}

fn size(path: &Path) -> Result<u64> {
    Ok(std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len())
}

/// What the server's compression would send, measured with the system's gzip.
fn gzip_size(path: &Path) -> Result<usize> {
    let output = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run gzip to measure the compressed size")?;
    Ok(output.stdout.len())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot list {}", from.display()))?
    {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).with_context(|| {
                format!(
                    "cannot copy {} to {}",
                    entry.path().display(),
                    target.display()
                )
            })?;
        }
    }
    Ok(())
}
