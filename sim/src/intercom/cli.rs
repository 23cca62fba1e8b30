//! `sfbridge-sim intercom --port P --seed demo|scale:<N> [--workspaces N] [--redirect-url URL]..
//! [--credentials-json PATH]`

use super::{Config, IntercomSim};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: crate::cli::CommonArgs,
    /// Seconds before the one retry of a failed webhook delivery.
    #[arg(long, default_value_t = 60)]
    pub webhook_retry_secs: u64,
    /// A redirect URL of the first workspace's app, for OAuth (`https`, or `http` on a loopback
    /// host); repeatable.
    #[arg(long = "redirect-url")]
    pub redirect_urls: Vec<String>,
    /// How many workspaces to run, each seeded alike, each with its own app and token.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub workspaces: u16,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let config = Config {
        bind: std::net::SocketAddr::new(args.common.host, args.common.port),
        seed: args.common.seed,
        webhook_retry_delay: std::time::Duration::from_secs(args.webhook_retry_secs),
        redirect_urls: args.redirect_urls,
        ..Config::default()
    };
    let sim = IntercomSim::start(config).await?;
    for _ in 1..args.workspaces {
        sim.add_workspace(args.common.seed)?;
    }
    let workspaces: Vec<_> = sim
        .workspaces()
        .iter()
        .map(|w| {
            serde_json::json!({
                "workspace_id": w.workspace_id(),
                "access_token": w.access_token(),
                "client_id": w.client_id(),
                "client_secret": w.client_secret(),
            })
        })
        .collect();
    // The first workspace's at the top, as with one workspace; every workspace's in the list.
    let credentials = serde_json::json!({
        "url": sim.url(),
        "workspace_id": sim.workspace_id(),
        "access_token": sim.access_token(),
        "client_id": sim.client_id(),
        "client_secret": sim.client_secret(),
        "redirect_urls": sim.redirect_urls(),
        "workspaces": workspaces,
    });
    // Written before printing, so whoever reads the printed lines finds the file complete.
    if let Some(path) = &args.common.credentials_json {
        std::fs::write(path, serde_json::to_vec_pretty(&credentials)?)?;
    }
    println!(
        "Intercom simulator ({} contacts, seed {}) ready in {:.1?}",
        sim.contact_count(),
        args.common.seed,
        started.elapsed()
    );
    println!("url: {}", sim.url());
    println!("workspace_id: {}", sim.workspace_id());
    println!("access_token: {}", sim.access_token());
    println!("client_id: {}", sim.client_id());
    println!("client_secret: {}", sim.client_secret());
    for w in sim.workspaces().iter().skip(1) {
        println!(
            "workspace {}: access_token {} client_id {} client_secret {}",
            w.workspace_id(),
            w.access_token(),
            w.client_id(),
            w.client_secret()
        );
    }
    tokio::signal::ctrl_c().await?;
    sim.shutdown().await;
    Ok(())
}
