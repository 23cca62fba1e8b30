//! `sfbridge serve | demo | migrate`. Exit code 2 for bad input, 1 for a failure while running.

use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = sfbridge::cli::Cli::parse();
    if let Err(error) = sfbridge::cli::run(cli).await {
        // One line naming what is wrong, with the whole cause chain.
        match &error {
            sfbridge::app::ExitError::Usage(message) => eprintln!("sfbridge: {message}"),
            sfbridge::app::ExitError::Failed(cause) => eprintln!("sfbridge: {cause:#}"),
        }
        std::process::exit(error.code());
    }
}
