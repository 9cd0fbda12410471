//! A loopback server of repository files (127.0.0.1 only), with the
//! failures a repository download must survive: a body cut short, a body
//! that never ends.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the server answers a path.
#[derive(Clone)]
pub enum Answer {
    Bytes(Vec<u8>),
    /// Claims the full length, sends half, closes.
    Truncated(Vec<u8>),
    /// One byte at a time, slowly, until the client goes away.
    Trickle,
}

/// A loopback server of a repository's files (127.0.0.1 only).
pub struct Repo {
    port: u16,
    pub files: Arc<Mutex<HashMap<String, Answer>>>,
}

impl Repo {
    pub fn start() -> Repo {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let files: Arc<Mutex<HashMap<String, Answer>>> = Arc::default();
        let shared = files.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let files = shared.clone();
                std::thread::spawn(move || serve(conn, &files));
            }
        });
        Repo { port, files }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn put(&self, path: &str, answer: Answer) {
        self.files.lock().unwrap().insert(path.into(), answer);
    }
}

fn serve(mut conn: TcpStream, files: &Mutex<HashMap<String, Answer>>) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
    let answer = files.lock().unwrap().get(&path).cloned();
    let _ = match answer {
        None => conn
            .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"),
        Some(Answer::Bytes(b)) => conn
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    b.len()
                )
                .as_bytes(),
            )
            .and_then(|_| conn.write_all(&b)),
        Some(Answer::Truncated(b)) => conn
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    b.len()
                )
                .as_bytes(),
            )
            .and_then(|_| conn.write_all(&b[..b.len() / 2])),
        Some(Answer::Trickle) => {
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n");
            // Ends when the client gives up and the write fails.
            while conn.write_all(b"x").is_ok() {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(())
        }
    };
}
