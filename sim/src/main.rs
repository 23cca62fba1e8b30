//! `sfbridge-sim salesforce|intercom --port P --seed demo|scale:<N> [--credentials-json PATH]`

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "sfbridge-sim",
    version,
    about = "Simulated Salesforce org and Intercom workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a simulated Salesforce org.
    Salesforce(sim::salesforce::cli::Args),
    /// Run a simulated Intercom workspace.
    Intercom(sim::intercom::cli::Args),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Salesforce(args) => sim::salesforce::cli::run(args).await,
        Command::Intercom(args) => sim::intercom::cli::run(args).await,
    }
}
