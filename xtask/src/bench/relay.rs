//! `cargo xtask bench relay`: Cutout's relay side by side with wsbroad 0.3 and websocat 1.14 in
//! one run, written as the "## Relay" section of docs/BENCHMARKS.md (relay_report.rs).
//!
//! Each run starts a fresh server pinned to core 0 and `loadgen` pinned to core 1, all on
//! 127.0.0.1; loadgen reads the server's CPU time and memory from /proc. Every scenario with
//! traffic runs five times (`--repeats`) on each relay, idle connections and the slow receiver
//! three, the relays in turn; a run where the generator fell
//! behind its own schedule is thrown away and run again. Cutout's per-address connection cap
//! and rate limits are raised by flag, since every client here comes from one address.
//!
//! `--only NAME` (a scenario: room50-256, room50-64k, rooms250-256, rooms250-64k, idle2000,
//! idle10000, slow), `--repeats` and `--seconds` make a quick look: its tables are printed, and
//! docs/BENCHMARKS.md keeps the full run's.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::cli::RelayArgs;
use crate::exec::{self, command};
use crate::workspace;

use super::machine::{native_lines, version};
use super::relay_report::{self, HEADING};
use super::relay_scenario::{CUTOUT_BENCH_FLAGS, Runs, Scenario, Server, scenarios};
use super::section;

/// The baselines, from the Rust registry: a version requirement and the command line that makes
/// each a room-by-URL (wsbroad) or single-room (websocat) broadcast relay.
const WSBROAD: (&str, &str) = ("wsbroad", "~0.3");
const WEBSOCAT: (&str, &str) = ("websocat", "~1.14");

/// Runs every scenario (or those asked for) on every relay taking part, then writes the section
/// (a full run) or prints it (a shortened one).
pub fn run(options: &RelayArgs) -> Result<(), String> {
    let repeats = options.repeats as usize;
    let known: Vec<&str> = scenarios(options.seconds).iter().map(|s| s.name).collect();
    if let Some(unknown) = options.only.iter().find(|o| !known.contains(&o.as_str())) {
        return Err(format!(
            "no scenario `{unknown}`; scenarios: {}",
            known.join(", ")
        ));
    }
    let root = workspace::root();
    let bins = install_baselines(&root)?;
    println!("\nbuilding the relay and loadgen (release):");
    exec::run(
        command("cargo")
            .args([
                "build",
                "--release",
                "--package",
                "relay",
                "--package",
                "loadgen",
            ])
            .current_dir(&root),
    )?;
    let work = root.join("target/bench/relay");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    std::fs::write(work.join("index.html"), "<title>bench</title>")
        .map_err(|e| format!("cannot write into {}: {e}", work.display()))?;
    let mut results = Vec::new();
    let started = Instant::now();
    for scenario in scenarios(options.seconds) {
        if !options.only.is_empty() && !options.only.iter().any(|o| o == scenario.name) {
            continue;
        }
        println!("\n== {} ({})", scenario.title, scenario.name);
        let per_server = runs(&root, &bins, &work, &scenario, repeats);
        results.push((scenario, per_server));
    }
    let raw: Vec<Value> = results
        .iter()
        .flat_map(|(scenario, runs)| {
            runs.iter().map(|r| {
                serde_json::json!({
                    "scenario": scenario.name, "server": r.server.name(),
                    "discarded": r.discarded, "reports": r.reports,
                })
            })
        })
        .collect();
    let raw_file = root.join("target/bench/relay.json");
    std::fs::write(
        &raw_file,
        serde_json::to_string_pretty(&raw).unwrap_or_default(),
    )
    .map_err(|e| format!("cannot write {}: {e}", raw_file.display()))?;
    println!("\nraw reports: {}", raw_file.display());
    let section = relay_report::render(&results, &machine(&bins), started.elapsed(), repeats);
    // A partial or shortened run would replace the full tables with fewer or noisier ones.
    let full = options.only.is_empty() && options.repeats == 5 && options.seconds == 10;
    if full {
        section::publish(&root, HEADING, &section)
    } else {
        println!("\n{section}\n(a partial run: docs/BENCHMARKS.md left as it was)");
        Ok(())
    }
}

/// Paths of the three relays' binaries.
pub struct Bins {
    pub relay: PathBuf,
    pub loadgen: PathBuf,
    pub wsbroad: PathBuf,
    pub websocat: PathBuf,
}

/// Installs the baselines into target/tools/relays unless the right versions are there.
fn install_baselines(root: &Path) -> Result<Bins, String> {
    let tools = root.join("target/tools/relays");
    let record = std::fs::read_to_string(tools.join(".crates.toml")).unwrap_or_default();
    for (name, requirement) in [WSBROAD, WEBSOCAT] {
        let prefix = format!("\"{name} {}.", requirement.trim_start_matches('~'));
        if record.contains(&prefix) && tools.join("bin").join(name).exists() {
            println!("  ok  {name} {requirement} (in {})", tools.display());
            continue;
        }
        println!("  ..  installing {name} {requirement} from the Rust registry (a few minutes)");
        // Without --locked: their lock files predate this rustc (websocat's does not build).
        exec::run(
            command("cargo")
                .args(["install", name, "--version", requirement, "--root"])
                .arg(&tools),
        )?;
    }
    let release = root.join("target/release");
    Ok(Bins {
        relay: release.join("relay"),
        loadgen: release.join("loadgen"),
        wsbroad: tools.join("bin/wsbroad"),
        websocat: tools.join("bin/websocat"),
    })
}

/// The scenario's runs on every relay taking part, taken in turn (Cutout, wsbroad, …, then
/// Cutout again): this machine's speed drifts over minutes, and runs in turn share the drift
/// instead of one relay getting a quiet stretch and another a busy one.
fn runs(root: &Path, bins: &Bins, work: &Path, scenario: &Scenario, repeats: usize) -> Vec<Runs> {
    let repeats = scenario.kind.repeats(repeats);
    let mut all: Vec<Runs> = scenario
        .servers
        .iter()
        .map(|&server| Runs {
            server,
            reports: Vec::new(),
            discarded: Vec::new(),
            failures: Vec::new(),
        })
        .collect();
    // Enough tries for a busy machine, not so many that a generator that can never keep up
    // loops for long.
    let tries = repeats * 2 + 1;
    for attempt in 1..=tries {
        for runs in all.iter_mut().filter(|r| r.reports.len() < repeats) {
            one_attempt(root, bins, work, scenario, runs, attempt);
        }
    }
    all
}

/// One run of `runs.server`, filed as a report, a discarded report or a failure.
fn one_attempt(
    root: &Path,
    bins: &Bins,
    work: &Path,
    scenario: &Scenario,
    runs: &mut Runs,
    attempt: usize,
) {
    let server = runs.server;
    // One failed run (a server that would not start, a generator that hung) is reported and
    // tried again; it does not throw away the rest of a long benchmark.
    let report = match one_run(root, bins, work, scenario, server) {
        Ok(report) => report,
        Err(e) => {
            println!("  {} #{attempt}: failed: {e}", server.name());
            runs.failures.push(e);
            return;
        }
    };
    let behind = report["behind"] == true;
    println!(
        "  {} #{attempt}: {}{}",
        server.name(),
        relay_report::summary(scenario.kind, &report),
        if behind {
            "  (generator fell behind: discarded)"
        } else {
            ""
        }
    );
    if behind {
        runs.discarded.push(report);
    } else {
        runs.reports.push(report);
    }
}

fn one_run(
    root: &Path,
    bins: &Bins,
    work: &Path,
    scenario: &Scenario,
    server: Server,
) -> Result<Value, String> {
    let data = work.join("data");
    let port = free_port()?;
    let (mut child, addr) = start(bins, work, &data, server, port)?;
    let result = (|| {
        wait_listening(addr, &mut child)?;
        let mut loadgen = pinned(1, &bins.loadgen);
        loadgen
            .args(["--addr", &addr.to_string(), "--protocol", server.protocol()])
            .args(["--server-pid", &child.id().to_string()])
            .current_dir(root);
        if server == Server::CutoutTls {
            loadgen.arg("--ca").arg(data.join("ca.crt.pem"));
        }
        loadgen
            .args(&scenario.args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let out = output_within(loadgen, LOADGEN_DEADLINE)?;
        if !out.status.success() {
            return Err(format!(
                "loadgen failed ({}) against {}",
                out.status,
                server.name()
            ));
        }
        serde_json::from_slice::<Value>(&out.stdout)
            .map_err(|e| format!("loadgen printed no report: {e}"))
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// A run of loadgen takes well under a minute; one that takes this long is stuck.
const LOADGEN_DEADLINE: Duration = Duration::from_secs(300);

/// `cmd`'s output, or an error once it has run for `deadline` (it is killed).
fn output_within(mut cmd: Command, deadline: Duration) -> Result<std::process::Output, String> {
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start loadgen: {e}"))?;
    // Read stdout on a thread, so a full pipe cannot stall the child while we wait.
    let stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(mut pipe) = stdout {
            let _ = std::io::Read::read_to_end(&mut pipe, &mut out);
        }
        out
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < deadline => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "loadgen did not finish within {} s",
                    deadline.as_secs()
                ));
            }
            Err(e) => return Err(format!("waiting for loadgen: {e}")),
        }
    };
    let stdout = reader.join().unwrap_or_default();
    Ok(std::process::Output {
        status,
        stdout,
        stderr: Vec::new(),
    })
}

/// `program` pinned to `core`, with the open-file limit raised to the hard limit (10,000
/// connections need as many descriptors).
fn pinned(core: u32, program: &Path) -> Command {
    let mut cmd = Command::new("sh");
    // The hard limit may read "unlimited", which `ulimit -n` refuses; the soft one then stays.
    cmd.args([
        "-c",
        r#"ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec taskset -c "$0" "$@""#,
    ])
    .arg(core.to_string())
    .arg(program);
    cmd
}

fn start(
    bins: &Bins,
    work: &Path,
    data: &Path,
    server: Server,
    port: u16,
) -> Result<(Child, SocketAddr), String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut cmd = match server {
        Server::Cutout | Server::CutoutTls => {
            let mut cmd = pinned(0, &bins.relay);
            // The listener not under test takes any free port.
            let (http, https) = if server == Server::CutoutTls {
                ("127.0.0.1:0".to_owned(), addr.to_string())
            } else {
                (addr.to_string(), "off".to_owned())
            };
            cmd.args(["--http", &http, "--https", &https])
                .arg("--dist")
                .arg(work)
                .arg("--data-dir")
                .arg(data)
                .args(["--advertise", &format!("http://{addr}")])
                .args(CUTOUT_BENCH_FLAGS)
                .env("RUST_LOG", "warn");
            cmd
        }
        Server::Wsbroad => {
            let mut cmd = pinned(0, &bins.wsbroad);
            cmd.arg(addr.to_string())
                .args(["--max-urls", "100000", "--nodelay"]);
            cmd
        }
        Server::Websocat => {
            let mut cmd = pinned(0, &bins.websocat);
            cmd.args(["-b", "-E", &format!("ws-l:{addr}"), "broadcast:mirror:"]);
            cmd
        }
    };
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", server.name()))?;
    Ok((child, addr))
}

fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port on 127.0.0.1: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

fn wait_listening(addr: SocketAddr, child: &mut Child) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("the server exited at start ({status})"));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("nothing listened on {addr} within 20 s"))
}

fn machine(bins: &Bins) -> Vec<String> {
    let mut lines = native_lines();
    lines.push(format!(
        "wsbroad: {}",
        installed_version(&bins.wsbroad, "wsbroad")
    ));
    lines.push(format!(
        "websocat: {}",
        version(Command::new(&bins.websocat).arg("--version"))
    ));
    lines
}

/// The version cargo recorded for `name` next to its binary.
fn installed_version(bin: &Path, name: &str) -> String {
    let record = bin
        .parent()
        .and_then(Path::parent)
        .map(|root| root.join(".crates.toml"))
        .and_then(|f| std::fs::read_to_string(f).ok())
        .unwrap_or_default();
    record
        .lines()
        .find_map(|l| l.trim_start_matches('"').strip_prefix(&format!("{name} ")))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("unknown")
        .to_owned()
}
