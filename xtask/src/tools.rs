//! Installing what is missing, and only that.
//!
//! Everything lands under the repo's ignored `.tools/` folder except Chromium and chromedriver,
//! which come from apt (Debian's build is the one that works on these machines).

use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, bail};

use crate::{cargo, root, run};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Debian's binaryen (108) produces a wasm that fails at runtime; this one works.
const BINARYEN: &str = "binaryen@132.0.0";
const BINARYEN_MAJOR: &str = "132";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub fn tools_dir() -> PathBuf {
    root().join(".tools")
}

pub fn tools_bin() -> PathBuf {
    tools_dir().join("bin")
}

pub fn wasm_bindgen() -> PathBuf {
    tools_bin().join("wasm-bindgen")
}

pub fn wasm_opt() -> PathBuf {
    tools_dir().join("npm/node_modules/.bin/wasm-opt")
}

/// PATH with `.tools/bin` first, so cargo finds `wasm-bindgen-test-runner` (the wasm32 runner).
pub fn path_with_tools() -> std::ffi::OsString {
    let mut paths = vec![tools_bin()];
    if let Some(existing) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&existing));
    }
    std::env::join_paths(paths).expect("PATH entries contain no separator")
}

pub fn ensure_wasm_target() -> Result<()> {
    let installed = run::output(Command::new("rustup").args(["target", "list", "--installed"]))
        .context("cannot ask rustup which targets are installed")?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        println!("ok: Rust target {WASM_TARGET} is installed");
        return Ok(());
    }
    run::status(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// The `wasm-bindgen` version in Cargo.lock: the CLI must equal it exactly.
pub fn locked_wasm_bindgen_version() -> Result<String> {
    let path = root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    locked_version(&lock, "wasm-bindgen")
        .with_context(|| format!("{} names no `wasm-bindgen` package", path.display()))
}

fn locked_version(lock: &str, package: &str) -> Option<String> {
    let mut versions = lock.split("[[package]]").filter_map(|block| {
        let mut name = None;
        let mut version = None;
        for line in block.lines() {
            if let Some(value) = line.strip_prefix("name = ") {
                name = Some(value.trim_matches('"'));
            } else if let Some(value) = line.strip_prefix("version = ") {
                version = Some(value.trim_matches('"'));
            }
        }
        (name == Some(package)).then_some(version).flatten()
    });
    versions.next().map(str::to_owned)
}

pub fn ensure_wasm_bindgen() -> Result<()> {
    let version = locked_wasm_bindgen_version()?;
    let wanted = format!("wasm-bindgen {version}");
    let runner = tools_bin().join("wasm-bindgen-test-runner");
    let installed = run::probe(Command::new(wasm_bindgen()).arg("--version"));
    if installed.as_deref().map(str::trim) == Some(wanted.as_str()) && runner.is_file() {
        println!("ok: {wanted} in {}", tools_bin().display());
        return Ok(());
    }
    // Not --locked: the CLI's own lockfile names a yanked crate.
    run::status(Command::new(cargo()).args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        &format!("={version}"),
        "--root",
        &tools_dir().to_string_lossy(),
    ]))
}

pub fn ensure_wasm_opt() -> Result<()> {
    let installed = run::probe(Command::new(wasm_opt()).arg("--version"));
    if let Some(version) = installed.filter(|v| v.contains(&format!("version {BINARYEN_MAJOR}"))) {
        println!("ok: {} in {}", version.trim(), wasm_opt().display());
        return Ok(());
    }
    let prefix = tools_dir().join("npm");
    std::fs::create_dir_all(&prefix)?;
    run::status(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(BINARYEN),
    )
}

pub fn ensure_browser() -> Result<()> {
    if Path::new(CHROMIUM).is_file() && Path::new(CHROMEDRIVER).is_file() {
        println!("ok: {CHROMIUM} and {CHROMEDRIVER} are installed");
        return Ok(());
    }
    let root_user = run::output(Command::new("id").arg("-u"))?.trim() == "0";
    let apt = |args: &[&str]| {
        let mut cmd = if root_user {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run::status(&mut cmd)
    };
    apt(&["update"])?;
    apt(&["install", "-y", "chromium", "chromium-driver"])
}

/// The simulators' client helpers (`sim/tests/clients/*`): npm packages and Python requirements.
pub fn ensure_client_helpers() -> Result<()> {
    let clients = root().join("sim/tests/clients");
    let mut npm_dirs = Vec::new();
    let mut requirements = Vec::new();
    if clients.is_dir() {
        collect_client_manifests(&clients, &mut npm_dirs, &mut requirements)?;
    }
    npm_dirs.sort();
    requirements.sort();
    for dir in &npm_dirs {
        let lock = dir.join("package-lock.json");
        // npm keeps its own copy of the lock in node_modules; newer than the lock means installed.
        let installed = dir.join("node_modules/.package-lock.json");
        if modified(&installed).is_some() && modified(&installed) >= modified(&lock) {
            println!("ok: npm packages of {} are installed", dir.display());
            continue;
        }
        run::status(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--prefix"])
                .arg(dir),
        )?;
    }
    if npm_dirs.is_empty() {
        println!("ok: no npm client helpers under {}", clients.display());
    }
    if requirements.is_empty() {
        println!("ok: no Python client helpers under {}", clients.display());
        return Ok(());
    }
    ensure_venv(&requirements)
}

fn collect_client_manifests(
    dir: &Path,
    npm_dirs: &mut Vec<PathBuf>,
    requirements: &mut Vec<PathBuf>,
) -> Result<()> {
    if dir.join("package.json").is_file() && dir.join("package-lock.json").is_file() {
        npm_dirs.push(dir.to_path_buf());
    }
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.is_dir() && name != "node_modules" && !name.starts_with('.') {
            collect_client_manifests(&path, npm_dirs, requirements)?;
        } else if name == "requirements.txt" {
            requirements.push(path);
        }
    }
    Ok(())
}

fn ensure_venv(requirements: &[PathBuf]) -> Result<()> {
    let venv = venv_dir();
    let python = venv.join("bin/python");
    // The stamp records what was installed, so an edited requirements file reinstalls.
    let stamp = venv.join(".sfbridge-requirements");
    let mut wanted = String::new();
    for file in requirements {
        wanted.push_str(&format!("# {}\n", file.display()));
        wanted.push_str(&std::fs::read_to_string(file)?);
        wanted.push('\n');
    }
    if python.is_file() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&wanted) {
        println!(
            "ok: Python requirements are installed in {}",
            venv.display()
        );
        return Ok(());
    }
    if !python.is_file() {
        run::status(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    let mut pip = Command::new(venv.join("bin/pip"));
    pip.args(["install", "--disable-pip-version-check", "--quiet"]);
    for file in requirements {
        pip.arg("-r").arg(file);
    }
    run::status(&mut pip)?;
    std::fs::write(&stamp, wanted)?;
    Ok(())
}

pub fn venv_dir() -> PathBuf {
    tools_dir().join("venv")
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// When `TEST_DATABASE_URL` is set the contract tests need that server: say so plainly if it is down.
pub fn check_postgres() -> Result<()> {
    let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
        println!("TEST_DATABASE_URL is not set: the store contract tests run against SQLite only");
        return Ok(());
    };
    let Some(address) = tcp_address(&url) else {
        println!("TEST_DATABASE_URL={url}: no TCP host to check; the tests will connect as given");
        return Ok(());
    };
    let reachable = address
        .to_socket_addrs()
        .map(|addrs| {
            addrs
                .into_iter()
                .any(|a| TcpStream::connect_timeout(&a, Duration::from_secs(3)).is_ok())
        })
        .unwrap_or(false);
    if !reachable {
        bail!(
            "TEST_DATABASE_URL is {url}, but no PostgreSQL server accepts connections on {address}. \
             Start it (e.g. `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`) \
             or unset TEST_DATABASE_URL to test against SQLite only"
        );
    }
    println!(
        "ok: PostgreSQL at {address} is reachable; the store contract tests run against it too"
    );
    Ok(())
}

/// `host:port` of a `postgres://user:pw@host:port/db?..` URL, or None for socket-only URLs.
fn tcp_address(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))?;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit('@').next()?;
    if host_port.is_empty() {
        return None;
    }
    let has_port = host_port
        .rsplit_once(':')
        .is_some_and(|(_, port)| port.parse::<u16>().is_ok())
        && !host_port.ends_with(']');
    Some(if has_port {
        host_port.to_string()
    } else {
        format!("{host_port}:5432")
    })
}

/// Capabilities for wasm-bindgen-test-runner: the committed `tests/webdriver.json` (Chromium's
/// binary and the flags it needs on a closed network) plus a fresh profile folder for this run.
pub fn webdriver_json_for_run() -> Result<PathBuf> {
    let template_path = root().join("tests/webdriver.json");
    let template = std::fs::read_to_string(&template_path)
        .with_context(|| format!("cannot read {}", template_path.display()))?;
    let run_dir = tools_dir().join("webdriver");
    let profile = run_dir.join("profile");
    if profile.exists() {
        std::fs::remove_dir_all(&profile)
            .with_context(|| format!("cannot empty {}", profile.display()))?;
    }
    std::fs::create_dir_all(&profile)?;
    let json = with_profile(&template, &profile)
        .with_context(|| format!("{} has no `\"args\": [` list", template_path.display()))?;
    let path = run_dir.join("webdriver.json");
    std::fs::write(&path, json)?;
    Ok(path)
}

/// The capabilities template with `--user-data-dir=<profile>` first in Chromium's argument list.
fn with_profile(template: &str, profile: &Path) -> Option<String> {
    let marker = "\"args\": [";
    template.contains(marker).then(|| {
        template.replacen(
            marker,
            &format!("{marker}\n      \"--user-data-dir={}\",", profile.display()),
            1,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_locked_version_of_exactly_that_package() {
        let lock = r#"
[[package]]
name = "wasm-bindgen-backend"
version = "0.2.99"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version(lock, "wasm-opt"), None);
    }

    #[test]
    fn the_committed_capabilities_get_a_profile_folder() {
        let template = std::fs::read_to_string(root().join("tests/webdriver.json")).unwrap();
        let json = with_profile(&template, Path::new("/tmp/profile")).unwrap();
        assert!(json.contains("\"args\": [\n      \"--user-data-dir=/tmp/profile\",\n"));
        assert!(json.contains("\"--headless=new\""));
        assert_eq!(with_profile("{}", Path::new("/p")), None);
    }

    #[test]
    fn postgres_urls_name_their_tcp_address() {
        assert_eq!(
            tcp_address("postgres://postgres@127.0.0.1:5432/test").as_deref(),
            Some("127.0.0.1:5432")
        );
        assert_eq!(
            tcp_address("postgresql://u:p@db/test?sslmode=disable").as_deref(),
            Some("db:5432")
        );
        assert_eq!(tcp_address("postgres:///test?host=/run/postgresql"), None);
        assert_eq!(tcp_address("sqlite://x.db"), None);
    }
}
