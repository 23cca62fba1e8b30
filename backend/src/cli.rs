//! The command line: `sfbridge serve | demo | migrate`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::app::{self, ExitError};
use crate::config::{self, RawConfig};
#[cfg(feature = "demo")]
use crate::demo::{self, DemoOptions};
use crate::telemetry;

#[derive(Debug, Parser)]
#[command(name = "sfbridge", version, about = "Intercom <-> Salesforce bridge")]
pub struct Cli {
    /// TOML configuration file (keys: listen, database_url, secret_key, static_dir, log_format).
    #[arg(long, global = true, env = "SFBRIDGE_CONFIG")]
    pub config: Option<PathBuf>,
    /// `text` or `json` log lines on stderr.
    #[arg(long, global = true)]
    pub log_format: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve {
        /// Address and port to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free one).
        #[arg(long)]
        listen: Option<String>,
        /// sqlite://PATH or postgres://USER@HOST/DATABASE.
        #[arg(long)]
        database_url: Option<String>,
        /// Folder of the built web pages.
        #[arg(long)]
        static_dir: Option<String>,
    },
    /// Run the demo: the server with a simulated Salesforce org and Intercom workspace, seeded.
    #[cfg(feature = "demo")]
    Demo {
        /// Folder for the demo's SQLite database and key.
        #[arg(long, default_value = "data")]
        data_dir: PathBuf,
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// Port of the web app.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Port of the simulated Salesforce org.
        #[arg(long, default_value_t = 8081)]
        salesforce_port: u16,
        /// Port of the simulated Intercom workspace.
        #[arg(long, default_value_t = 8082)]
        intercom_port: u16,
        /// Folder of the built web pages.
        #[arg(long)]
        static_dir: Option<String>,
        /// Also write the app URL and each simulator's URL and tokens to this file, as JSON.
        #[arg(long)]
        credentials_json: Option<PathBuf>,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[arg(long)]
        database_url: Option<String>,
    },
}

/// Parse everything, then run the chosen role.
pub async fn run(cli: Cli) -> Result<(), ExitError> {
    let mut raw = RawConfig {
        log_format: cli.log_format.clone(),
        ..RawConfig::default()
    };
    match cli.command {
        Command::Serve {
            listen,
            database_url,
            static_dir,
        } => {
            raw.listen = listen;
            raw.database_url = database_url;
            raw.static_dir = static_dir;
            let config = load(cli.config.as_deref(), raw)?;
            app::serve(config).await
        }
        Command::Migrate { database_url } => {
            raw.database_url = database_url;
            let config = load(cli.config.as_deref(), raw)?;
            app::migrate(config).await
        }
        #[cfg(feature = "demo")]
        Command::Demo {
            data_dir,
            host,
            port,
            salesforce_port,
            intercom_port,
            static_dir,
            credentials_json,
        } => {
            std::fs::create_dir_all(&data_dir).map_err(|e| {
                ExitError::Usage(format!(
                    "invalid configuration: data_dir: cannot create {}: {e}",
                    data_dir.display()
                ))
            })?;
            raw.listen = Some(std::net::SocketAddr::new(host, port).to_string());
            raw.database_url = Some(format!(
                "sqlite://{}",
                data_dir.join("sfbridge.db").display()
            ));
            raw.static_dir = static_dir;
            let mut config = load(cli.config.as_deref(), raw)?;
            if config.secret_key.is_none() {
                config.secret_key = Some(demo::secret_key_in(&data_dir)?);
            }
            demo::run(
                config,
                DemoOptions {
                    host,
                    salesforce_port,
                    intercom_port,
                    credentials_json,
                },
            )
            .await
        }
    }
}

fn load(file: Option<&std::path::Path>, raw: RawConfig) -> Result<config::Config, ExitError> {
    let config = config::load(file, raw).map_err(|e| ExitError::Usage(e.to_string()))?;
    telemetry::init(config.log_format);
    Ok(config)
}
