//! Running other programs: each command is echoed, and its output stays visible.

use std::ffi::OsStr;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// A command line as a person would type it, for the echo and for error messages.
pub fn describe(cmd: &Command) -> String {
    let mut line = String::new();
    for (key, value) in cmd.get_envs() {
        let Some(value) = value else { continue };
        let mut value = value.to_string_lossy().into_owned();
        // Show only what was put in front of the inherited PATH.
        if key == "PATH"
            && let Some(inherited) = std::env::var("PATH").ok().filter(|p| !p.is_empty())
            && let Some(added) = value.strip_suffix(&inherited)
        {
            value = format!("{added}$PATH");
        }
        line.push_str(&format!("{}={value} ", key.to_string_lossy()));
    }
    line.push_str(&cmd.get_program().to_string_lossy());
    for arg in cmd.get_args() {
        line.push(' ');
        line.push_str(&quote(arg));
    }
    line
}

fn quote(arg: &OsStr) -> String {
    let arg = arg.to_string_lossy();
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=./:,@+%".contains(c))
    {
        arg.into_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// Run with the terminal as stdout/stderr, so the tool's own progress and summary lines show.
pub fn status(cmd: &mut Command) -> Result<()> {
    println!("$ {}", describe(cmd));
    let status = cmd
        .status()
        .with_context(|| format!("cannot start `{}`", describe(cmd)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", describe(cmd));
    }
    Ok(())
}

/// Run quietly and return stdout; for questions such as "which version is installed".
pub fn output(cmd: &mut Command) -> Result<String> {
    let output = cmd
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot start `{}`", describe(cmd)))?;
    if !output.status.success() {
        bail!("`{}` failed ({})", describe(cmd), output.status);
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Stdout of a probe, or `None` when the program is missing or fails.
pub fn probe(cmd: &mut Command) -> Option<String> {
    let output = cmd.stderr(Stdio::null()).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}
