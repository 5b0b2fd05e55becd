//! The smallest HTTP/1.1 server `lectern serve` needs: GET and HEAD, keep-alive, one thread per
//! connection. A class's browsers each open up to six connections at once and keep them open;
//! a thread per connection answers every one of them at once (tiny_http's pool left some of a
//! burst of new connections waiting until another closed: a page's scripts stalled).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// How long an idle kept-alive connection stays open (browsers reuse theirs within seconds).
const IDLE: Duration = Duration::from_secs(15);
/// The most bytes a request's line and headers may take.
const HEAD_MAX: usize = 16 * 1024;

/// A request as the site's handler sees it.
#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// The path and query, as sent.
    pub target: String,
    headers: Vec<(String, String)>,
    http_1_0: bool,
}

impl Request {
    /// The first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the client asked for the connection to end after this answer.
    fn closes(&self) -> bool {
        match self.header("connection").map(str::to_ascii_lowercase) {
            Some(v) if v.contains("close") => true,
            Some(v) if v.contains("keep-alive") => false,
            _ => self.http_1_0,
        }
    }
}

/// An answer: status, headers (Content-Length is added) and body.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Body,
}

pub enum Body {
    Bytes(Vec<u8>),
    Shared(Arc<Vec<u8>>),
    File(std::fs::File, u64),
}

impl Response {
    /// A short plain-text answer.
    pub fn text(status: u16, text: &str) -> Self {
        Response {
            status,
            headers: vec![("Content-Type", "text/plain; charset=utf-8".into())],
            body: Body::Bytes(text.as_bytes().to_vec()),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        304 => "Not Modified",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Internal Server Error",
    }
}

/// Answers every connection `listener` accepts with `handler`, each in a thread of its own.
pub fn serve<H>(listener: TcpListener, handler: H) -> io::Result<()>
where
    H: Fn(&Request) -> Response + Send + Sync + 'static,
{
    let handler = Arc::new(handler);
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let handler = handler.clone();
        std::thread::spawn(move || {
            let _ = connection(stream, &*handler);
        });
    }
    Ok(())
}

fn connection(stream: TcpStream, handler: &dyn Fn(&Request) -> Response) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE))?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let request = match read_request(&mut reader) {
            Ok(Some(request)) => request,
            Ok(None) => return Ok(()),
            Err(_) => {
                let bad = Response::text(400, "a request this server cannot read");
                return write_response(&mut writer, bad, false, true);
            }
        };
        let keep = !request.closes();
        let head_only = request.method == "HEAD";
        write_response(&mut writer, handler(&request), head_only, !keep)?;
        if !keep {
            return Ok(());
        }
    }
}

/// The next request on the connection; `None` when the client closed it (or went idle).
fn read_request(reader: &mut impl BufRead) -> io::Result<Option<Request>> {
    let mut lines = Vec::new();
    let mut taken = 0;
    loop {
        let mut line = Vec::new();
        let n = reader
            .by_ref()
            .take((HEAD_MAX - taken) as u64 + 1)
            .read_until(b'\n', &mut line);
        let n = match n {
            Ok(0) if lines.is_empty() => return Ok(None),
            Err(e)
                if lines.is_empty()
                    && matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
            {
                return Ok(None);
            }
            other => other?,
        };
        taken += n;
        if taken > HEAD_MAX || !line.ends_with(b"\n") {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "request head"));
        }
        let text = String::from_utf8(line)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8"))?;
        let text = text.trim_end_matches(['\r', '\n']).to_string();
        if text.is_empty() {
            if lines.is_empty() {
                continue; // a stray line break between requests
            }
            break;
        }
        lines.push(text);
    }
    let invalid = || io::Error::new(io::ErrorKind::InvalidData, "request line");
    let mut parts = lines[0].split(' ');
    let (method, target, version) = (
        parts.next().ok_or_else(invalid)?,
        parts.next().ok_or_else(invalid)?,
        parts.next().ok_or_else(invalid)?,
    );
    if parts.next().is_some() || !version.starts_with("HTTP/1.") {
        return Err(invalid());
    }
    let headers = lines[1..]
        .iter()
        .map(|l| {
            let (name, value) = l.split_once(':').ok_or_else(invalid)?;
            Ok((name.trim().to_string(), value.trim().to_string()))
        })
        .collect::<io::Result<Vec<_>>>()?;
    let request = Request {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        http_1_0: version == "HTTP/1.0",
    };
    // A body (no GET or HEAD has one) is read and dropped, so the next request starts clean.
    if let Some(length) = request.header("content-length") {
        let length: u64 = length.parse().map_err(|_| invalid())?;
        if length > HEAD_MAX as u64 {
            return Err(invalid());
        }
        io::copy(&mut reader.by_ref().take(length), &mut io::sink())?;
    }
    if request.header("transfer-encoding").is_some() {
        return Err(invalid());
    }
    Ok(Some(request))
}

fn write_response(
    out: &mut TcpStream,
    response: Response,
    head_only: bool,
    close: bool,
) -> io::Result<()> {
    let length = match &response.body {
        Body::Bytes(b) => b.len() as u64,
        Body::Shared(b) => b.len() as u64,
        Body::File(_, n) => *n,
    };
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if response.status != 304 {
        head.push_str(&format!("Content-Length: {length}\r\n"));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut out = io::BufWriter::new(out);
    out.write_all(head.as_bytes())?;
    if !head_only && response.status != 304 {
        match response.body {
            Body::Bytes(b) => out.write_all(&b)?,
            Body::Shared(b) => out.write_all(&b)?,
            Body::File(file, n) => {
                io::copy(&mut file.take(n), &mut out)?;
            }
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> io::Result<Option<Request>> {
        read_request(&mut BufReader::new(text.as_bytes()))
    }

    #[test]
    fn requests_are_read_with_their_headers_and_keep_alive() {
        let r = read("GET /a/b?x=1 HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!((r.method.as_str(), r.target.as_str()), ("GET", "/a/b?x=1"));
        assert_eq!(r.header("accept-encoding"), Some("gzip"));
        assert!(!r.closes());
        let old = read("GET / HTTP/1.0\r\n\r\n").unwrap().unwrap();
        assert!(old.closes());
        let close = read("HEAD / HTTP/1.1\r\nConnection: close\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(close.closes());
        assert!(read("").unwrap().is_none(), "a closed connection");
    }

    #[test]
    fn what_is_not_a_request_is_refused() {
        for bad in [
            "GET /\r\n\r\n",
            "GET / SPDY/3\r\n\r\n",
            "GET / HTTP/1.1\r\nno colon\r\n\r\n",
            "GET / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n",
            "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET / HTTP/1.1", // cut short
        ] {
            assert!(read(bad).is_err(), "{bad:?}");
        }
        let huge = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(HEAD_MAX));
        assert!(read(&huge).is_err(), "a head over {HEAD_MAX} bytes");
    }
}
