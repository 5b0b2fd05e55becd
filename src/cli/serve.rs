//! `lectern serve`: serves the built site (`dist/`) to a class. The same files work from any
//! static host (README, *Hosting*); this server adds what a room of 30 laptops needs from the
//! teacher's computer: the site under any sub-path (`--base /course/lectern/`), compression on
//! the wire (gzip, made once per file version and kept in memory), revalidation that costs a
//! `304` (ETags), content-hashed bundles cached for good, and `application/wasm` so browsers
//! compile the bundles while they download (each file's headers: `serve_headers`).

use std::collections::HashMap;
use std::fs;
use std::io::{ErrorKind, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::UNIX_EPOCH;

use flate2::Compression;
use flate2::write::GzEncoder;

use super::CliError;
use super::http1::{self, Body, Request, Response};
use super::serve_headers::{cache_control, content_security_policy, media_type};

#[derive(clap::Args)]
pub struct Args {
    /// The built site (`make release` or `trunk build` writes `dist/`).
    #[arg(default_value = "dist")]
    dir: PathBuf,
    /// Address to listen on: 127.0.0.1 (this computer only), or 0.0.0.0 for the class's network —
    /// where plain http is not a secure context: no WebGPU and no offline copy (README, *Hosting*).
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port (0: any free one; the address is printed).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The sub-path the site lives under, as on a course's web space, e.g. /course/lectern/.
    #[arg(long, default_value = "/", value_parser = parse_base)]
    base: String,
}

/// A sub-path as `/a/b/`: leading and trailing slash, no empty, `.` or `..` segment.
fn parse_base(text: &str) -> Result<String, String> {
    let segments: Vec<&str> = text.split('/').filter(|s| !s.is_empty()).collect();
    if let Some(bad) = segments.iter().find(|s| **s == "." || **s == "..") {
        return Err(format!("a sub-path cannot contain \u{201c}{bad}\u{201d}"));
    }
    Ok(if segments.is_empty() {
        "/".to_string()
    } else {
        format!("/{}/", segments.join("/"))
    })
}

/// What a request's path names.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    /// A file of the site (`index.html` for a folder).
    File(PathBuf),
    /// The site's folder without its trailing slash: relative URLs need it.
    Redirect(String),
    NotFound,
}

/// Maps a request's URL (path and query) onto a file under `root` served at `base`.
pub fn resolve(root: &Path, base: &str, url: &str) -> Target {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let Some(path) = percent_decode(path) else {
        return Target::NotFound;
    };
    if base != "/" && path == base.trim_end_matches('/') {
        return Target::Redirect(base.to_string());
    }
    let Some(relative) = path.strip_prefix(base) else {
        return Target::NotFound;
    };
    let mut file = root.to_path_buf();
    for part in Path::new(relative).components() {
        match part {
            Component::Normal(name) => file.push(name),
            Component::CurDir => {}
            // `..`, a drive or a root inside the path: never outside the site.
            _ => return Target::NotFound,
        }
    }
    if relative.is_empty() || relative.ends_with('/') || file.is_dir() {
        file.push("index.html");
    }
    if file.is_file() {
        Target::File(file)
    } else {
        Target::NotFound
    }
}

/// `%xx` escapes decoded; `None` for a bad escape, or bytes that are not UTF-8 or hold a NUL.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().filter(|s| !s.contains('\0'))
}

/// Whether an `Accept-Encoding` value takes gzip (not refused by `q=0`).
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or("");
        let refused = parts.any(|p| p.replace(' ', "") == "q=0" || p.replace(' ', "") == "q=0.0");
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
    })
}

/// A file's version: its length and modification time (an ETag without reading it).
fn version(meta: &fs::Metadata) -> String {
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("{:x}-{modified:x}", meta.len())
}

/// gzip bodies made so far, by file, with the version they were made from. Each file has a slot
/// of its own: a class asking for the same file at once waits for one compression of it (was:
/// each request compressed it again), while other files are served meanwhile.
#[derive(Default)]
struct Compressed {
    bodies: Mutex<HashMap<PathBuf, Arc<Mutex<Option<Gzipped>>>>>,
}

/// A gzip body and the version of the file it was made from.
type Gzipped = (String, Arc<Vec<u8>>);

impl Compressed {
    fn get(&self, file: &Path, version: &str) -> std::io::Result<Arc<Vec<u8>>> {
        let slot = self
            .bodies
            .lock()
            .expect("not poisoned")
            .entry(file.to_path_buf())
            .or_default()
            .clone();
        let mut slot = slot.lock().expect("not poisoned");
        if let Some((v, body)) = slot.as_ref()
            && v == version
        {
            return Ok(body.clone());
        }
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(&fs::read(file)?)?;
        let body = Arc::new(encoder.finish()?);
        *slot = Some((version.to_string(), body.clone()));
        Ok(body)
    }
}

fn answer(request: &Request, root: &Path, base: &str, compressed: &Compressed) -> Response {
    if !matches!(request.method.as_str(), "GET" | "HEAD") {
        return Response::text(405, "only GET and HEAD");
    }
    let file = match resolve(root, base, &request.target) {
        Target::File(file) => file,
        Target::Redirect(to) => return Response::text(301, "").with("Location", to),
        Target::NotFound => return Response::text(404, "not found"),
    };
    let Ok(meta) = fs::metadata(&file) else {
        return Response::text(404, "not found");
    };
    let (media, compressible) = media_type(&file);
    let gzip = compressible && request.header("accept-encoding").is_some_and(accepts_gzip);
    let etag = format!("\"{}{}\"", version(&meta), if gzip { "-gz" } else { "" });
    let mut headers: Vec<(&'static str, String)> = vec![
        ("Content-Type", media.into()),
        ("Cache-Control", cache_control(&file).into()),
        ("ETag", etag.clone()),
        ("Vary", "Accept-Encoding".into()),
        ("X-Content-Type-Options", "nosniff".into()),
    ];
    if let Some(policy) = content_security_policy(&file) {
        headers.push(("Content-Security-Policy", policy.into()));
    }
    if request
        .header("if-none-match")
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag))
    {
        return Response {
            status: 304,
            headers,
            body: Body::Bytes(Vec::new()),
        };
    }
    let body = if gzip {
        headers.push(("Content-Encoding", "gzip".into()));
        compressed.get(&file, &version(&meta)).map(Body::Shared)
    } else {
        fs::File::open(&file).map(|f| Body::File(f, meta.len()))
    };
    match body {
        Ok(body) => Response {
            status: 200,
            headers,
            body,
        },
        Err(e) => Response::text(500, &format!("could not read the file: {e}")),
    }
}

pub fn run(args: Args) -> Result<(), CliError> {
    let root = args.dir.clone();
    if !root.join("index.html").is_file() {
        return Err(CliError::file(
            &root,
            "holds no index.html: build the site first (make release, or trunk build)",
        ));
    }
    let listener =
        std::net::TcpListener::bind(SocketAddr::new(args.host, args.port)).map_err(|e| {
            CliError::Unavailable(format!(
                "could not listen on {}:{}: {e}",
                args.host, args.port
            ))
        })?;
    let port = listener.local_addr().map_or(args.port, |a| a.port());
    let compressed = Arc::new(Compressed::default());
    // Compress every compressible file once, in the background, before the class asks.
    {
        let (root, compressed) = (root.clone(), compressed.clone());
        std::thread::spawn(move || warm(&root, &compressed));
    }
    let shown = if args.host.is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        args.host.to_string()
    };
    println!(
        "lectern: serving {} at http://{shown}:{port}{}",
        root.display(),
        args.base
    );
    if !args.host.is_loopback() {
        println!(
            "lectern: students on the network use this computer's address instead of {shown}. Plain http on a network address is not a secure context: the notebook trains on the CPU there (no WebGPU) and keeps no offline copy. An https web space gives a class everything (README, Hosting)."
        );
    }
    let _ = std::io::stdout().flush();
    let base = args.base.clone();
    http1::serve(listener, move |request| {
        answer(request, &root, &base, &compressed)
    })
    .map_err(|e| CliError::Unavailable(format!("the server stopped: {e}")))?;
    Ok(())
}

fn warm(folder: &Path, compressed: &Compressed) {
    let Ok(entries) = fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.metadata() {
            Ok(meta) if meta.is_dir() => warm(&path, compressed),
            Ok(meta) if media_type(&path).1 => {
                if let Err(e) = compressed.get(&path, &version(&meta))
                    && e.kind() != ErrorKind::NotFound
                {
                    eprintln!("lectern: could not compress {}: {e}", path.display());
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scratch::ScratchDir;

    fn site() -> ScratchDir {
        let dir = ScratchDir::new();
        fs::create_dir_all(dir.path().join("static/data")).unwrap();
        fs::write(dir.path().join("index.html"), "<!doctype html>").unwrap();
        fs::write(dir.path().join("app-0123456789abcdef_bg.wasm"), b"\0asm").unwrap();
        fs::write(dir.path().join("static/data/meta.json"), "{}").unwrap();
        dir
    }

    #[test]
    fn requests_for_one_file_at_once_share_one_compression() {
        let dir = ScratchDir::new();
        let file = dir.path().join("worker_bg.wasm");
        let body: Vec<u8> = (0..2_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        fs::write(&file, &body).unwrap();
        let compressed = Compressed::default();
        let start = std::sync::Barrier::new(8);
        let bodies: Vec<Arc<Vec<u8>>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        start.wait();
                        compressed.get(&file, "v1").unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        // One body, made once (was: up to one compression per request).
        assert!(bodies.iter().all(|b| Arc::ptr_eq(b, &bodies[0])));
        // A new version of the file is compressed anew.
        assert!(!Arc::ptr_eq(
            &compressed.get(&file, "v2").unwrap(),
            &bodies[0]
        ));
    }

    #[test]
    fn a_sub_path_maps_onto_the_site_and_nothing_outside_it() {
        let dir = site();
        let root = dir.path();
        let base = "/course/lectern/";
        assert_eq!(
            resolve(root, base, "/course/lectern/"),
            Target::File(root.join("index.html"))
        );
        assert_eq!(
            resolve(root, base, "/course/lectern/?backend=cpu&x0=-1"),
            Target::File(root.join("index.html"))
        );
        assert_eq!(
            resolve(root, base, "/course/lectern"),
            Target::Redirect(base.into()),
            "relative URLs need the trailing slash"
        );
        assert_eq!(
            resolve(root, base, "/course/lectern/static/data/meta.json"),
            Target::File(root.join("static/data/meta.json"))
        );
        assert_eq!(
            resolve(root, base, "/course/lectern/static/data"),
            Target::NotFound,
            "a folder without index.html"
        );
        assert_eq!(resolve(root, base, "/index.html"), Target::NotFound);
        assert_eq!(
            resolve(root, base, "/course/lectern/../secret"),
            Target::NotFound
        );
        assert_eq!(
            resolve(root, base, "/course/lectern/%2e%2e/%2e%2e/etc/passwd"),
            Target::NotFound
        );
        assert_eq!(resolve(root, base, "/course/lectern/%zz"), Target::NotFound);
        assert_eq!(
            resolve(root, base, "/course/lectern/a%00b"),
            Target::NotFound
        );
        assert_eq!(
            resolve(root, "/", "/"),
            Target::File(root.join("index.html"))
        );
    }

    #[test]
    fn bases_are_normalised_and_dot_segments_refused() {
        assert_eq!(parse_base("/").unwrap(), "/");
        assert_eq!(parse_base("").unwrap(), "/");
        assert_eq!(parse_base("course/lectern").unwrap(), "/course/lectern/");
        assert_eq!(
            parse_base("//course//lectern/").unwrap(),
            "/course/lectern/"
        );
        assert!(parse_base("/course/../x").unwrap_err().contains(".."));
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        assert!(accepts_gzip("gzip, deflate, br"));
        assert!(accepts_gzip("br;q=1.0, gzip;q=0.8"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("identity"));
        assert!(!accepts_gzip(""));
    }

    #[test]
    fn a_gzip_body_is_made_once_per_version_and_inflates_to_the_file() {
        let dir = site();
        let file = dir.path().join("index.html");
        let compressed = Compressed::default();
        let first = compressed.get(&file, "v1").unwrap();
        let again = compressed.get(&file, "v1").unwrap();
        assert!(Arc::ptr_eq(&first, &again), "kept, not made again");
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(first.as_slice()),
            &mut text,
        )
        .unwrap();
        assert_eq!(text, "<!doctype html>");
        fs::write(&file, "changed").unwrap();
        let newer = compressed.get(&file, "v2").unwrap();
        assert!(
            !Arc::ptr_eq(&first, &newer),
            "a new version is compressed again"
        );
    }
}
