//! `lectern serve`: a built site answered over a real socket as a browser asks for it — under
//! a sub-path, gzip when accepted, `304` on revalidation, and refusals that say why.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use common::assert_refused;
use lectern::scratch::ScratchDir;

/// A running `lectern serve`, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &std::path::Path, base: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lectern"))
        .args([
            "serve",
            dir.to_str().unwrap(),
            "--port",
            "0",
            "--base",
            base,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .rsplit_once(':')
        .and_then(|(_, rest)| rest.split('/').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    Server { child, port }
}

/// A worker takes its Content-Security-Policy from its own script's response (the page's meta
/// tag does not reach it): the worker scripts get one, also on a 304; the page gets none (its
/// meta tag holds the policy with this build's inline-script hashes).
#[test]
fn worker_scripts_come_with_the_workers_content_security_policy() {
    let dir = ScratchDir::new();
    std::fs::write(dir.path().join("index.html"), "<!doctype html>").unwrap();
    std::fs::write(
        dir.path().join("worker_loader.js"),
        "importScripts('./worker.js');",
    )
    .unwrap();
    let server = serve(dir.path(), "/");
    let policy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'self'";
    let (status, headers, _) = get(server.port, "GET", "/worker_loader.js", &[]);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-security-policy"), Some(policy));
    let etag = header(&headers, "etag").unwrap().to_string();
    let revalidate = format!("If-None-Match: {etag}");
    let (status, headers, _) = get(server.port, "GET", "/worker_loader.js", &[&revalidate]);
    assert_eq!(status, 304);
    assert_eq!(header(&headers, "content-security-policy"), Some(policy));
    let (_, headers, _) = get(server.port, "GET", "/", &[]);
    assert_eq!(header(&headers, "content-security-policy"), None);
}

/// One HTTP/1.1 request; the status, the headers (lower-case names) and the body.
fn get(
    port: u16,
    method: &str,
    path: &str,
    headers: &[&str],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for h in headers {
        request += &format!("{h}\r\n");
    }
    stream.write_all((request + "\r\n").as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, response[split + 4..].to_vec())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn serves_a_site_under_a_sub_path_compressed_and_revalidated() {
    let dir = ScratchDir::new();
    let page = "<!doctype html><title>lectern</title>".repeat(50);
    std::fs::write(dir.path().join("index.html"), &page).unwrap();
    std::fs::write(dir.path().join("worker_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let server = serve(dir.path(), "/course/lectern/");
    let port = server.port;

    let (status, headers, body) = get(
        port,
        "GET",
        "/course/lectern/?backend=cpu",
        &["Accept-Encoding: gzip, br"],
    );
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-encoding"), Some("gzip"));
    assert_eq!(header(&headers, "cache-control"), Some("no-cache"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(body.as_slice())
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, page);
    assert!(
        body.len() < page.len() / 4,
        "compressed: {} bytes",
        body.len()
    );

    // A reload revalidates: 304, no body.
    let etag = header(&headers, "etag").unwrap().to_string();
    let (status, _, body) = get(
        port,
        "GET",
        "/course/lectern/index.html",
        &["Accept-Encoding: gzip", &format!("If-None-Match: {etag}")],
    );
    assert_eq!((status, body.len()), (304, 0));

    // Without gzip accepted: the file as it is, with the type wasm compiles from.
    let (status, headers, body) = get(port, "GET", "/course/lectern/worker_bg.wasm", &[]);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), Some("application/wasm"));
    assert_eq!(header(&headers, "content-encoding"), None);
    assert_eq!(body, b"\0asm\x01\0\0\0");

    let (status, headers, _) = get(port, "GET", "/course/lectern", &[]);
    assert_eq!(status, 301);
    assert_eq!(header(&headers, "location"), Some("/course/lectern/"));
    assert_eq!(get(port, "GET", "/index.html", &[]).0, 404);
    assert_eq!(get(port, "GET", "/course/lectern/../x", &[]).0, 404);
    assert_eq!(get(port, "GET", "/course/lectern/missing.js", &[]).0, 404);
    assert_eq!(get(port, "POST", "/course/lectern/", &[]).0, 405);
    let (status, _, body) = get(port, "HEAD", "/course/lectern/", &[]);
    assert_eq!((status, body.len()), (200, 0));
}

#[test]
fn refuses_a_folder_without_a_site_and_a_bad_sub_path() {
    let dir = ScratchDir::new();
    let empty = dir.path().to_str().unwrap();
    assert_refused(&[
        (
            vec!["serve", empty, "--port", "0"],
            "holds no index.html: build the site first",
        ),
        (vec!["serve", empty, "--base", "/a/../b/"], "cannot contain"),
    ]);
}

/// A browser opens up to six connections at once and keeps each open after its answer; a class
/// is thirty browsers. Every one of 24 connections opened together and left open is answered,
/// and a second request on each of them too (was: tiny_http's pool left some of a burst of new
/// connections unanswered while the others stayed open — a page's scripts stalled in the E2E).
#[test]
fn many_connections_opened_at_once_and_kept_open_are_all_answered() {
    let dir = ScratchDir::new();
    std::fs::write(dir.path().join("index.html"), "<!doctype html>").unwrap();
    std::fs::write(dir.path().join("a.js"), "1;").unwrap();
    let server = serve(dir.path(), "/");
    let port = server.port;
    let (start, done) = (std::sync::Barrier::new(24), std::sync::Barrier::new(24));
    let answered: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..24)
            .map(|_| {
                s.spawn(|| {
                    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
                    stream
                        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
                        .unwrap();
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut writer = stream;
                    start.wait();
                    let answered = (0..2).all(|_| {
                        writer
                            .write_all(b"GET /a.js HTTP/1.1\r\nHost: x\r\n\r\n")
                            .unwrap();
                        let mut status = String::new();
                        if reader.read_line(&mut status).is_err() {
                            return false;
                        }
                        let mut length = 0;
                        loop {
                            let mut line = String::new();
                            reader.read_line(&mut line).unwrap();
                            if let Some(v) =
                                line.to_ascii_lowercase().strip_prefix("content-length:")
                            {
                                length = v.trim().parse().unwrap();
                            }
                            if line == "\r\n" {
                                break;
                            }
                        }
                        let mut body = vec![0; length];
                        reader.read_exact(&mut body).unwrap();
                        status.starts_with("HTTP/1.1 200") && body == b"1;"
                    });
                    // Every connection stays open until all have been answered.
                    done.wait();
                    answered
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(answered.iter().all(|&a| a), "answered: {answered:?}");
}
