//! Flags every simulator takes on the command line.

use std::path::PathBuf;

use crate::Seed;

#[derive(Debug, Clone, clap::Args)]
pub struct CommonArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// `demo`, `empty` or `scale:<N>`.
    #[arg(long, default_value = "demo")]
    pub seed: Seed,
    /// Also write the base URL and credentials to this file as JSON.
    #[arg(long)]
    pub credentials_json: Option<PathBuf>,
}
