//! A real `redis-server` for tests: started by the test on a free port of 127.0.0.1,
//! with nothing saved to disk, and killed when dropped.
//!
//! `bash .ci/test` installs `redis-server` where it is missing. A test that needs Redis
//! and cannot start it fails with a message saying so; it never skips.
//!
//! ```no_run
//! use callbot_test_support::redis::RedisServer;
//!
//! let redis = RedisServer::start();
//! let url = redis.url(); // redis://127.0.0.1:PORT/
//! ```

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a started server may take to answer `PING`.
const READY_WITHIN: Duration = Duration::from_secs(10);
/// How many ports to try when another process takes the free one first.
const ATTEMPTS: usize = 5;

/// A running `redis-server`, killed when dropped.
pub struct RedisServer {
    child: Child,
    port: u16,
}

impl RedisServer {
    /// Starts a server on a free loopback port and waits until it answers `PING`.
    ///
    /// Panics, naming the cause, when `redis-server` is not installed or does not start.
    pub fn start() -> Self {
        let mut last_error = String::new();
        for _ in 0..ATTEMPTS {
            let port = free_port();
            let mut child = spawn(port);
            match wait_until_ready(&mut child, port) {
                Ok(()) => return Self { child, port },
                Err(error) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_error = error;
                }
            }
        }
        panic!("redis-server did not start after {ATTEMPTS} attempts: {last_error}");
    }

    /// Kills the server, as a crash would; [`Self::restart`] brings it back.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again, empty, on the same port, and waits until it answers.
    ///
    /// Panics if it does not start (another process took the port meanwhile, say).
    pub fn restart(&mut self) {
        self.kill();
        self.child = spawn(self.port);
        if let Err(error) = wait_until_ready(&mut self.child, self.port) {
            panic!("redis-server did not start again on port {}: {error}", self.port);
        }
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL clients connect to: `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `redis-server` on `port`, saving nothing to disk.
fn spawn(port: u16) -> Child {
    Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|error| {
            panic!("cannot start redis-server ({error}): run `bash .ci/test`, which installs it")
        })
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port on 127.0.0.1")
}

/// Waits until the server on `port` answers `PING`, or says why it will not.
fn wait_until_ready(child: &mut Child, port: u16) -> Result<(), String> {
    let started = Instant::now();
    while started.elapsed() < READY_WITHIN {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("redis-server on port {port} exited with {status}"));
        }
        if ping(port) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!("redis-server on port {port} did not answer PING within {READY_WITHIN:?}"))
}

/// Whether a server on `port` answers `PING` with `PONG`.
fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut answer = [0_u8; 7];
    stream.write_all(b"PING\r\n").is_ok() && stream.read_exact(&mut answer).is_ok() && &answer == b"+PONG\r\n"
}
