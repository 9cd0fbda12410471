//! A loopback HTTP/1.1 server for tests (127.0.0.1 only). One thread per
//! connection; counts connections, hits per path (with the client port of
//! each) and the peak number of requests in flight. Responses close the
//! connection unless the query has `keep=1`.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

#[derive(Default)]
pub struct Counters {
    pub hits: Mutex<HashMap<String, usize>>,
    pub in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
    /// Connections accepted.
    pub connections: AtomicUsize,
    /// `(path, client port)` of every request, in arrival order.
    pub peers: Mutex<Vec<(String, u16)>>,
}

pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    pub counters: Arc<Counters>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let counters = Arc::new(Counters::default());
        let (s, c) = (stop.clone(), counters.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                c.connections.fetch_add(1, Ordering::SeqCst);
                let c = c.clone();
                std::thread::spawn(move || while handle(&conn, &c) {});
            }
        });
        Server {
            addr,
            stop,
            thread: Some(thread),
            counters,
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://{host}:{port}{path}`.
    pub fn url(&self, host: &str, path: &str) -> String {
        format!("http://{host}:{}{path}", self.port())
    }

    /// `{host}:{port}`: the manifest pattern that allows this server.
    pub fn host(&self, host: &str) -> String {
        format!("{host}:{}", self.port())
    }

    pub fn hits(&self, path: &str) -> usize {
        *self.counters.hits.lock().unwrap().get(path).unwrap_or(&0)
    }

    /// The client port of each request for `path`, in arrival order.
    pub fn peer_ports(&self, path: &str) -> Vec<u16> {
        let peers = self.counters.peers.lock().unwrap();
        peers
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, port)| *port)
            .collect()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.counters.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn query(q: &str, key: &str) -> Option<String> {
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        if b[i] == b'%'
            && let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Answers one request; true if the connection stays open for another.
fn handle(mut conn: &TcpStream, c: &Counters) -> bool {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let peer = conn.peer_addr().map_or(0, |a| a.port());
    // Byte by byte (no read-ahead), so the next request stays in the socket.
    let mut reader = BufReader::with_capacity(1, conn);
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() || first.is_empty() {
        return false;
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() || line == "\r\n" || line.is_empty() {
            break;
        }
        headers.push(line.trim_end().to_string());
    }
    let target = first.split_whitespace().nth(1).unwrap_or("/").to_string();
    let (path, q) = target.split_once('?').unwrap_or((&target, ""));
    *c.hits.lock().unwrap().entry(path.to_string()).or_default() += 1;
    c.peers.lock().unwrap().push((path.to_string(), peer));
    let keep = query(q, "keep").as_deref() == Some("1");
    let now = c.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    c.max_in_flight.fetch_max(now, Ordering::SeqCst);

    let mut status = "200 OK";
    let mut extra: Vec<String> = Vec::new();
    let body: Vec<u8> = match path {
        "/ok" => b"hello".to_vec(),
        "/echo-headers" => headers
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes(),
        "/redirect" => {
            status = "302 Found";
            extra.push(format!("Location: {}", query(q, "to").unwrap_or_default()));
            b"moved".to_vec()
        }
        "/redirect-rel" => {
            status = "301 Moved Permanently";
            extra.push("Location: /ok".into());
            Vec::new()
        }
        "/loop" => {
            status = "302 Found";
            extra.push("Location: /loop".into());
            Vec::new()
        }
        "/big" => vec![b'x'; query(q, "n").and_then(|n| n.parse().ok()).unwrap_or(1000)],
        "/gzip" => {
            extra.push("Content-Encoding: gzip".into());
            gzip(&vec![
                b'z';
                query(q, "n")
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1000)
            ])
        }
        "/slow" => {
            let ms = query(q, "ms").and_then(|n| n.parse().ok()).unwrap_or(1000);
            std::thread::sleep(Duration::from_millis(ms));
            b"slow".to_vec()
        }
        "/drop" => {
            // Reads the request, stalls, then closes without an answer:
            // what a client sees from a kept-alive connection the server
            // dropped.
            let ms = query(q, "ms").and_then(|n| n.parse().ok()).unwrap_or(1000);
            std::thread::sleep(Duration::from_millis(ms));
            c.in_flight.fetch_sub(1, Ordering::SeqCst);
            return false;
        }
        "/busy" => {
            // 429 with `Retry-After: after` for the first `times` hits.
            let hit = c.hits.lock().unwrap()["/busy"];
            let times = query(q, "times").and_then(|n| n.parse().ok()).unwrap_or(1);
            if hit <= times {
                status = "429 Too Many Requests";
                extra.push(format!(
                    "Retry-After: {}",
                    query(q, "after").unwrap_or_default()
                ));
                b"slow down".to_vec()
            } else {
                format!("served on try {hit}").into_bytes()
            }
        }
        "/cached" => {
            extra.push("Cache-Control: max-age=60".into());
            format!("cached {}", c.hits.lock().unwrap()["/cached"]).into_bytes()
        }
        _ => {
            status = "404 Not Found";
            b"not found".to_vec()
        }
    };
    let connection = if keep { "keep-alive" } else { "close" };
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: {connection}\r\n",
        body.len()
    );
    for h in extra {
        head.push_str(&h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    // Out of flight before the client can see the answer: otherwise its
    // next request may be counted while this thread is still finishing.
    c.in_flight.fetch_sub(1, Ordering::SeqCst);
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(&body);
    let _ = conn.flush();
    keep
}
