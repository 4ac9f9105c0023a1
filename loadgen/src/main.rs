//! `loadgen`: runs one scenario against a relay and prints its report as one JSON line.
//! `cargo xtask bench relay` starts the relays and runs this, pinned to its own core.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use loadgen::target::{Protocol, Target};
use loadgen::{fanout, idle, slow};

#[derive(Parser)]
#[command(
    name = "loadgen",
    about = "Open-loop load generator for WebSocket relays"
)]
struct Cli {
    #[command(flatten)]
    target: TargetArgs,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Args)]
struct TargetArgs {
    /// The relay's address.
    #[arg(long)]
    addr: SocketAddr,
    /// Its protocol.
    #[arg(long, value_enum, default_value = "cutout")]
    protocol: Protocol,
    /// Connect over TLS, trusting this CA certificate (PEM).
    #[arg(long)]
    ca: Option<PathBuf>,
    /// The relay's process id, for its CPU time and memory.
    #[arg(long)]
    server_pid: Option<u32>,
}

#[derive(Subcommand)]
enum Scenario {
    /// Rooms whose first members send on a schedule.
    Fanout {
        #[arg(long, default_value_t = 1)]
        rooms: u32,
        #[arg(long, default_value_t = 50)]
        members: u32,
        /// Senders per room.
        #[arg(long, default_value_t = 1)]
        senders: u32,
        /// Messages per second per sender.
        #[arg(long)]
        rate: f64,
        /// Payload bytes.
        #[arg(long, default_value_t = 256)]
        size: usize,
        #[arg(long, default_value_t = 2.0)]
        warmup_s: f64,
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        #[arg(long, default_value_t = 1.0)]
        drain_s: f64,
    },
    /// Connections that join and stay silent.
    Idle {
        #[arg(long)]
        connections: u32,
        #[arg(long, default_value_t = 4)]
        room_size: u32,
        #[arg(long, default_value_t = 2.0)]
        settle_s: f64,
    },
    /// A receiver that never reads while a sender pushes.
    Slow {
        #[arg(long, default_value_t = 8_000_000)]
        bytes_per_s: u64,
        #[arg(long, default_value_t = 65_536)]
        size: usize,
        #[arg(long, default_value_t = 30.0)]
        seconds: f64,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // One thread: the generator is pinned to one core, and a single-threaded runtime spends it
    // on the work instead of on handing tasks between threads.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(run(cli))?;
    println!("{report}");
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<serde_json::Value> {
    let ca = match &cli.target.ca {
        Some(path) => {
            Some(std::fs::read(path).with_context(|| format!("reading {}", path.display()))?)
        }
        None => None,
    };
    let target = Target::new(cli.target.protocol, cli.target.addr, ca.as_deref())?;
    let pid = cli.target.server_pid;
    let seconds = Duration::from_secs_f64;
    let report = match cli.scenario {
        Scenario::Fanout {
            rooms,
            members,
            senders,
            rate,
            size,
            warmup_s,
            seconds: duration,
            drain_s,
        } => {
            let spec = fanout::Spec {
                rooms,
                members,
                senders,
                rate,
                size,
                warmup: seconds(warmup_s),
                duration: seconds(duration),
                drain: seconds(drain_s),
                server_pid: pid,
            };
            serde_json::to_value(fanout::run(&target, &spec).await?)?
        }
        Scenario::Idle {
            connections,
            room_size,
            settle_s,
        } => {
            let spec = idle::Spec {
                connections,
                room_size,
                settle: seconds(settle_s),
                server_pid: pid,
            };
            serde_json::to_value(idle::run(&target, &spec).await?)?
        }
        Scenario::Slow {
            bytes_per_s,
            size,
            seconds: duration,
        } => {
            let spec = slow::Spec {
                bytes_per_s,
                size,
                duration: seconds(duration),
                server_pid: pid,
            };
            serde_json::to_value(slow::run(&target, &spec).await?)?
        }
    };
    Ok(report)
}
