//! Command-line entry for this simulator.

use super::{Config, SalesforceSim};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: crate::cli::CommonArgs,
    /// Daily API request allocation.
    #[arg(long, default_value_t = 15_000)]
    pub daily_api_limit: u64,
    /// Access token lifetime in seconds.
    #[arg(long, default_value_t = 7200)]
    pub token_ttl_secs: u64,
    /// Show the OAuth approval page instead of approving at once.
    #[arg(long)]
    pub no_auto_approve: bool,
    /// PEM public key of the connected app, for the JWT bearer flow.
    #[arg(long)]
    pub jwt_public_key: Option<std::path::PathBuf>,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let jwt_public_key_pem = match &args.jwt_public_key {
        Some(path) => Some(std::fs::read_to_string(path)?),
        None => None,
    };
    let config = Config {
        bind: std::net::SocketAddr::new(args.common.host, args.common.port),
        seed: args.common.seed,
        token_ttl: std::time::Duration::from_secs(args.token_ttl_secs),
        daily_api_limit: args.daily_api_limit,
        auto_approve: !args.no_auto_approve,
        jwt_public_key_pem,
        ..Config::default()
    };
    let started = std::time::Instant::now();
    let sim = SalesforceSim::start(config).await?;
    let url = sim.url();
    let token = sim.access_token();
    tracing::info!(seed = %args.common.seed, elapsed_ms = started.elapsed().as_millis() as u64, "salesforce simulator ready");
    // Written before printing, so whoever reads the printed lines finds the file complete.
    if let Some(path) = &args.common.credentials_json {
        let creds = serde_json::json!({"url": url, "access_token": token, "instance_url": url,
                                       "client_id": sim.client_id(), "client_secret": sim.client_secret()});
        std::fs::write(path, serde_json::to_vec_pretty(&creds)?)?;
    }
    println!("Salesforce simulator at {url}");
    println!("access token: {token}");
    println!("client_id: {}", sim.client_id());
    println!("client_secret: {}", sim.client_secret());
    tokio::signal::ctrl_c().await?;
    sim.shutdown().await;
    Ok(())
}
