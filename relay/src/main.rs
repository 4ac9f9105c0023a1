//! `relay`: parse the command line, bind, print where to open the app, serve until Ctrl-C.

use anyhow::Context;
use clap::Parser;
use relay::{Cli, Listen, Listeners};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();

    let cli = Cli::parse();
    let (http_addr, https) = (cli.http, cli.https);
    let config = cli.into_config()?;

    let http = TcpListener::bind(http_addr)
        .await
        .with_context(|| format!("cannot listen on {http_addr}"))?;
    let http_bound = http.local_addr()?;
    // Tests and scripts read this line to learn the port actually bound.
    say(&format!("listening http {http_bound}\n"));
    if let Listen::At(addr) = https {
        tracing::warn!(%addr, "HTTPS is not available in this version yet; serving HTTP only");
    }

    let origins = relay::origins::advertised(http_bound, None, &config.advertise);
    say(&relay::banner::render(&origins));

    relay::run(Listeners { http }, config, shutdown_signal()).await;
    say("relay stopped\n");
    Ok(())
}

/// Writes to stdout, ignoring a closed pipe: whoever started the relay may have stopped
/// listening, and that must not stop the relay (`print!` would panic).
fn say(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
