//! Where the tests find what `cargo xtask test` built, overridable by environment variables.

use std::path::PathBuf;

use anyhow::{Result, bail};

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives one folder below the workspace root")
        .to_path_buf()
}

fn from_env_or(var: &str, default: PathBuf) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or(default)
}

/// The `sfbridge` binary: `SFBRIDGE_BIN`, else `target/debug/sfbridge`.
pub fn sfbridge_bin() -> Result<PathBuf> {
    let path = from_env_or(
        "SFBRIDGE_BIN",
        workspace_root().join("target/debug/sfbridge"),
    );
    if !path.is_file() {
        bail!(
            "no sfbridge binary at {}: build it with `cargo build -p sfbridge` \
             (`cargo xtask test` does), or point SFBRIDGE_BIN at one",
            path.display()
        );
    }
    Ok(path)
}

/// The built web pages: `SFBRIDGE_DIST`, else `dist/`. Not checked: the server runs without them.
pub fn dist_dir() -> PathBuf {
    from_env_or("SFBRIDGE_DIST", workspace_root().join("dist"))
}

/// The built web pages, required (the browser tests load them).
pub fn built_dist_dir() -> Result<PathBuf> {
    let dist = dist_dir();
    if !dist.join("index.html").is_file() {
        bail!(
            "no built web pages in {} (index.html missing): run `cargo xtask test`, which builds \
             them, or point SFBRIDGE_DIST at a built folder",
            dist.display()
        );
    }
    Ok(dist)
}

pub fn chromedriver() -> PathBuf {
    from_env_or("CHROMEDRIVER", PathBuf::from("/usr/bin/chromedriver"))
}

pub fn chromium() -> PathBuf {
    from_env_or("CHROMIUM", PathBuf::from("/usr/bin/chromium"))
}
