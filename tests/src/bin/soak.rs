//! `soak [--processes N] [--minutes M] [--seconds S]`: the soak (`sfbridge_tests::soak`), its
//! table and summary line printed; exits 1 when anything was lost, duplicated, parked or left
//! diverged. `cargo xtask soak` builds the server and runs this.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use sfbridge_tests::soak::{self, Options};

fn options(args: &[String]) -> Result<Options> {
    let mut options = Options {
        processes: 3,
        duration: Duration::from_secs(60),
        kill_every: Duration::from_secs(5),
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        let number: u64 = value
            .parse()
            .with_context(|| format!("{flag} {value}: not a number"))?;
        match flag.as_str() {
            "--processes" if number >= 1 => options.processes = number as usize,
            "--minutes" => options.duration = Duration::from_secs(60 * number),
            "--seconds" => options.duration = Duration::from_secs(number),
            _ => bail!("usage: soak [--processes N] [--minutes M] [--seconds S]"),
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match options(&args) {
        Ok(options) => soak::run(options).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(outcome) => {
            println!("{}", outcome.report());
            if !outcome.passed() {
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("soak: could not run: {e:#}");
            std::process::exit(2);
        }
    }
}
