//! The relay's command-line contract: `listening http ADDR` with the bound address, the app and
//! `/healthz` served there, a clean stop on SIGTERM, a clear error without a built app.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn prints_bound_address_serves_the_app_and_stops_on_sigterm() {
    let dist = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<title>Cutout test page</title>",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_relay"))
        .args(["--http", "127.0.0.1:0", "--https", "off", "--dist"])
        .arg(dist.path())
        .arg("--data-dir")
        .arg(data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .strip_prefix("listening http ")
        .expect(&first)
        .to_owned();
    assert!(
        addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"),
        "{addr}"
    );

    let page = get(&addr, "/");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("Cutout test page"));
    let health = get(&addr, "/healthz");
    assert!(
        health.starts_with("HTTP/1.1 200") && health.ends_with("ok"),
        "{health}"
    );
    assert!(get(&addr, "/missing").starts_with("HTTP/1.1 404"));
    let mut head = TcpStream::connect(&addr).unwrap();
    write!(
        head,
        "HEAD / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    head.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let banner: Vec<String> = lines.by_ref().take(2).map(Result::unwrap).collect();
    assert_eq!(
        banner[1],
        format!("  http://{addr}/"),
        "loopback relay advertises loopback"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success());
    assert!(lines.any(|l| l.unwrap() == "relay stopped"));
}

#[test]
fn refuses_to_start_without_a_built_app() {
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_relay"))
        .args(["--http", "127.0.0.1:0", "--https", "off", "--dist"])
        .arg(empty.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no built app"), "{stderr}");
}

/// Stores nothing: once its TLS material exists, the relay process creates, opens for writing,
/// renames and removes no file during a whole session (traced with strace).
#[test]
fn a_session_writes_no_file() {
    let dist = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<title>t</title>").unwrap();
    let args = |cmd: &mut Command| {
        cmd.args(["--http", "127.0.0.1:0", "--https", "127.0.0.1:0", "--dist"])
            .arg(dist.path())
            .arg("--data-dir")
            .arg(data.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
    };
    // First start: creates the CA and server certificate.
    let mut first = Command::new(env!("CARGO_BIN_EXE_relay"));
    args(&mut first);
    let mut first = first.spawn().unwrap();
    let mut lines = BufReader::new(first.stdout.take().unwrap()).lines();
    assert!(
        lines
            .nth(1)
            .unwrap()
            .unwrap()
            .starts_with("listening https ")
    );
    first.kill().unwrap();
    first.wait().unwrap();

    // Second start, traced, with a session: pages, info, the CA, and a WebSocket member.
    let trace = data.path().join("relay.strace");
    let mut traced = Command::new("strace");
    traced
        .args(["-f", "-qq", "-e", "trace=%file", "-o"])
        .arg(&trace)
        .arg(env!("CARGO_BIN_EXE_relay"));
    args(&mut traced);
    let mut child = traced
        .spawn()
        .expect("strace runs (cargo xtask test installs it)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = lines
        .next()
        .unwrap()
        .unwrap()
        .strip_prefix("listening http ")
        .unwrap()
        .to_owned();
    for path in ["/", "/relay-info", "/ca.crt", "/healthz"] {
        assert!(get(&addr, path).starts_with("HTTP/1.1 200"), "{path}");
    }
    let mut ws = TcpStream::connect(&addr).unwrap();
    write!(
        ws,
        "GET /ws HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nConnection: Upgrade\r\n\
         Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
    .unwrap();
    let mut head = [0u8; 12];
    ws.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 101");
    // A masked JOIN frame: FIN+binary, mask bit + length 18, zero mask, then the frame itself.
    let mut join = vec![0x82, 0x80 | 18, 0, 0, 0, 0, 0x01, 0x01];
    join.extend_from_slice(&[9u8; 16]);
    ws.write_all(&join).unwrap();
    drop(ws);

    // Signal the relay itself (strace's first traced pid), not strace.
    let log = std::fs::read_to_string(&trace).unwrap();
    let relay_pid = log.split_whitespace().next().unwrap().to_owned();
    let status = Command::new("kill")
        .args(["-TERM", &relay_pid])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success());

    let log = std::fs::read_to_string(&trace).unwrap();
    assert!(log.contains("openat("), "the trace recorded file calls");
    let writes: Vec<&str> = log
        .lines()
        .filter(|l| {
            l.contains("O_WRONLY")
                || l.contains("O_RDWR")
                || l.contains("O_CREAT")
                || [
                    "rename", "unlink", "mkdir", "rmdir", "truncate", "link(", "symlink",
                ]
                .iter()
                .any(|call| {
                    l.split_whitespace()
                        .nth(1)
                        .is_some_and(|c| c.starts_with(call))
                })
        })
        .collect();
    assert!(writes.is_empty(), "the relay touched files: {writes:#?}");
}

/// Piped, as under a service manager or into a file, the relay's log has no colour codes, and
/// its banner names the CA's full address.
#[test]
fn piped_output_has_no_colour_codes_and_names_the_ca_address() {
    let dist = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<title>t</title>").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_relay"))
        .args(["--http", "127.0.0.1:0", "--https", "127.0.0.1:0", "--dist"])
        .arg(dist.path())
        .arg("--data-dir")
        .arg(data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let http = first
        .strip_prefix("listening http ")
        .expect(&first)
        .to_owned();
    let mut banner = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        banner.push_str(&line);
        banner.push('\n');
        if line.contains("fingerprint") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
    assert!(
        banner.contains(&format!("http://{http}/ca.crt")),
        "{banner}"
    );
    assert!(
        log.contains("created a local certificate authority"),
        "{log}"
    );
    assert!(
        !log.contains('\u{1b}') && !banner.contains('\u{1b}'),
        "{log:?}"
    );
}
