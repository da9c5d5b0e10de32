//! Running a step's process: both output streams captured line by line in the order they
//! arrive (as the runner reads them), a timeout that kills the process and its children, and
//! the exit status.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use super::commands::{OutputLine, Stream};

/// How long the output streams may stay open after the process ended (a child it left
/// behind can hold them) before the leftovers are killed.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// A finished process.
#[derive(Clone, Debug)]
pub struct Finished {
    /// The exit code; `None` when a signal ended the process.
    pub code: Option<i32>,
    /// Whether the timeout ran out and the process was killed.
    pub timed_out: bool,
    pub duration: Duration,
    pub stdout: String,
    pub stderr: String,
    /// Both streams' lines in arrival order.
    pub lines: Vec<OutputLine>,
}

/// Runs `command` with piped output and no input, killing it after `timeout`.
pub fn run(mut command: Command, timeout: Duration) -> Finished {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let started = Instant::now();
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", command.get_program()));
    let chunks = Arc::new(Mutex::new(Vec::new()));
    let (done, streams_closed) = mpsc::channel();
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    collect(stdout, Stream::Stdout, &chunks, done.clone());
    collect(stderr, Stream::Stderr, &chunks, done);

    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("cannot wait for the step") {
            break status;
        }
        if !timed_out && started.elapsed() >= timeout {
            timed_out = true;
            kill(&mut child);
        }
        thread::sleep(Duration::from_millis(5));
    };
    let duration = started.elapsed();
    for _ in 0..2 {
        if streams_closed.recv_timeout(DRAIN_GRACE).is_err() {
            kill(&mut child);
        }
    }

    let chunks = std::mem::take(&mut *chunks.lock().unwrap_or_else(PoisonError::into_inner));
    let (mut stdout, mut stderr) = (String::new(), String::new());
    let mut lines = Vec::with_capacity(chunks.len());
    for (stream, chunk) in chunks {
        let text = match stream {
            Stream::Stdout => &mut stdout,
            Stream::Stderr => &mut stderr,
        };
        let line = chunk.strip_suffix('\n').unwrap_or(&chunk);
        lines.push(OutputLine {
            stream,
            offset: text.len(),
            text: line.strip_suffix('\r').unwrap_or(line).to_string(),
        });
        text.push_str(&chunk);
    }
    Finished {
        code: status.code(),
        timed_out,
        duration,
        stdout,
        stderr,
        lines,
    }
}

/// Reads a stream line by line on its own thread into `chunks`; signals `done` at its end.
fn collect(
    stream: impl Read + Send + 'static,
    which: Stream,
    chunks: &Arc<Mutex<Vec<(Stream, String)>>>,
    done: mpsc::Sender<()>,
) {
    let chunks = Arc::clone(chunks);
    thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut buf = Vec::new();
        while reader.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
            let chunk = String::from_utf8_lossy(&buf).into_owned();
            chunks
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((which, chunk));
            buf.clear();
        }
        // The receiver may have given up waiting.
        let _ = done.send(());
    });
}

/// Kills the process and, where the OS groups processes, every process of its group.
fn kill(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group the child leads; it
        // touches no memory of ours.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    // The process may already be gone.
    let _ = child.kill();
}
