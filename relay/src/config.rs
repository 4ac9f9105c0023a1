//! The relay's configuration: the command line (with `CUTOUT_…` environment fallbacks) parsed once
//! at the edge into a validated [`Config`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use clap::Parser;

/// Command line of `relay`. The flags are a stable surface: tests outside the repository use them.
#[derive(Debug, Parser)]
#[command(
    name = "relay",
    version,
    about = "Cutout relay: serves the app and forwards ciphertext"
)]
pub struct Cli {
    /// Address for plain HTTP (port 0 picks a free port).
    #[arg(long, env = "CUTOUT_HTTP", default_value = "0.0.0.0:8080")]
    pub http: SocketAddr,

    /// Address for HTTPS, or `off`.
    #[arg(long, env = "CUTOUT_HTTPS", default_value = "0.0.0.0:8443")]
    pub https: Listen,

    /// Directory holding the built app (trunk's output).
    #[arg(long, env = "CUTOUT_DIST", default_value = "dist")]
    pub dist: PathBuf,

    /// Directory for the relay's own TLS material; defaults to the user's data directory.
    #[arg(long, env = "CUTOUT_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// Origin to advertise in invites instead of the detected LAN addresses (repeatable).
    #[arg(long = "advertise", env = "CUTOUT_ADVERTISE", value_delimiter = ',')]
    pub advertise: Vec<String>,
}

/// Where a listener should bind, or that it is switched off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listen {
    /// Bind this address.
    At(SocketAddr),
    /// Do not listen.
    Off,
}

impl FromStr for Listen {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("off") {
            return Ok(Self::Off);
        }
        s.parse()
            .map(Self::At)
            .map_err(|_| format!("expected ADDR:PORT or `off`, got `{s}`"))
    }
}

/// Validated configuration the relay runs with.
#[derive(Clone, Debug)]
pub struct Config {
    /// Directory the app is served from.
    pub dist: PathBuf,
    /// Directory for the relay's own TLS material.
    pub data_dir: PathBuf,
    /// Origins given with `--advertise`; empty means "derive from the bound addresses".
    pub advertise: Vec<String>,
}

/// A configuration the relay cannot start with.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The app directory is missing or has no `index.html`.
    #[error(
        "no built app at {0} (expected index.html there; run `cargo xtask run`, or pass --dist)"
    )]
    MissingDist(PathBuf),
    /// No data directory was given and the platform has none.
    #[error("no data directory: pass --data-dir")]
    NoDataDir,
    /// An `--advertise` value is not an `http://` or `https://` origin.
    #[error("--advertise {0}: expected an origin such as https://192.168.1.5:8443")]
    BadOrigin(String),
}

impl Cli {
    /// Checks the command line and turns it into a [`Config`].
    pub fn into_config(self) -> Result<Config, ConfigError> {
        if !self.dist.join("index.html").is_file() {
            return Err(ConfigError::MissingDist(self.dist));
        }
        let data_dir = match self.data_dir {
            Some(dir) => dir,
            None => dirs::data_dir()
                .ok_or(ConfigError::NoDataDir)?
                .join("cutout"),
        };
        for origin in &self.advertise {
            let rest = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            match rest {
                Some(host) if !host.is_empty() && !host.contains('/') => {}
                _ => return Err(ConfigError::BadOrigin(origin.clone())),
            }
        }
        Ok(Config {
            dist: self.dist,
            data_dir,
            advertise: self.advertise,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_parses_off_and_addresses() {
        assert_eq!("off".parse::<Listen>(), Ok(Listen::Off));
        assert_eq!(
            "127.0.0.1:0".parse::<Listen>(),
            Ok(Listen::At(SocketAddr::from(([127, 0, 0, 1], 0))))
        );
        assert!("nonsense".parse::<Listen>().is_err());
    }

    #[test]
    fn config_rejects_missing_dist() {
        let cli = Cli::parse_from(["relay", "--dist", "/nonexistent/cutout-dist"]);
        assert!(matches!(
            cli.into_config(),
            Err(ConfigError::MissingDist(_))
        ));
    }
}
