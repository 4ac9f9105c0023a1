//! `relay`: parse the command line, bind, print where to open the app, serve until Ctrl-C.

use anyhow::Context;
use clap::Parser;
use relay::{Cli, Listen, Listeners};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

/// After a burst of 64 KiB frames glibc's heap kept about 4 KiB a TLS member in free holes it
/// could not give back; jemalloc returns them (ARCHITECTURE.md, "jemalloc and one thread").
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// One thread, as the work is a few microseconds a delivery: a core carries the busiest LAN
/// room many times over, and a scheduler that can move tasks between threads cost more CPU,
/// latency and memory per member than it gave (ARCHITECTURE.md, "jemalloc and one thread").
#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in a log file or a pipe.
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    let cli = Cli::parse();
    let (http_addr, https) = (cli.http, cli.https);
    let config = cli.into_config()?;

    let http = bind(http_addr).await?;
    let http_bound = http.local_addr()?;
    let https = match https {
        Listen::Off => None,
        Listen::At(addr) => {
            let listener = bind(addr).await?;
            let mut names = relay::tls::server_names(&relay::origins::lan_addresses());
            // An address given to --https, like an --advertise host, is the operator's choice:
            // it goes into the certificate even outside the LAN ranges, and the CA permits it.
            if !addr.ip().is_unspecified() {
                names.push(addr.ip().to_string());
            }
            // Invites use the first advertised origin: its host must be in the certificate.
            names.extend(relay::origins::https_hosts(&config.advertise));
            names.sort();
            names.dedup();
            let tls = relay::tls::load_or_create(&config.data_dir, &names)
                .with_context(|| format!("TLS material in {}", config.data_dir.display()))?;
            if tls.created_ca {
                tracing::info!(dir = %config.data_dir.display(), "created a local certificate authority");
            }
            if let Some(old) = &tls.replaced_ca {
                tracing::warn!(old = %old.name, reason = %old.reason, "replaced the local certificate authority");
            }
            Some((listener, tls))
        }
    };
    let https_bound = https.as_ref().map(|(l, _)| l.local_addr()).transpose()?;

    // Tests and scripts read these lines to learn the ports actually bound.
    say(&format!("listening http {http_bound}\n"));
    if let Some(addr) = https_bound {
        say(&format!("listening https {addr}\n"));
    }
    let origins = relay::origins::advertised(http_bound, https_bound, &config.advertise);
    let ca = https.as_ref().map(|(_, tls)| relay::banner::CaNotice {
        fingerprint: &tls.ca_fingerprint,
        replaced: tls.replaced_ca.as_ref(),
    });
    say(&relay::banner::render(&origins, ca));

    relay::run(Listeners { http, https }, config, shutdown_signal()).await;
    say("relay stopped\n");
    Ok(())
}

async fn bind(addr: std::net::SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))
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
