//! An advisory lock beside a file that several processes rewrite: steps of concurrent jobs that
//! share one home directory all read, change and replace the same profile files. The lock is a
//! file `.NAME.lock` beside the file `NAME`, held from before the file is read until after it is
//! replaced, then removed, so that nothing is left behind.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::files::directory_of;

/// How long to wait for another process to release the lock. A holder only reads and replaces
/// two small files; the lock goes with its process, so a waiter meets a live holder only.
const WAIT: Duration = Duration::from_secs(60);

/// A held lock; released, and its file removed, when dropped.
#[derive(Debug)]
pub struct FileLock {
    path: PathBuf,
    file: Option<File>,
}

impl FileLock {
    /// Locks the file at `target` (its directory must exist), waiting while another process
    /// holds it.
    pub fn acquire(target: &Path) -> io::Result<FileLock> {
        FileLock::acquire_within(target, WAIT)
    }

    /// The same, waiting at most `limit`.
    pub fn acquire_within(target: &Path, limit: Duration) -> io::Result<FileLock> {
        let name = target
            .file_name()
            .map_or_else(|| "profile".into(), |name| name.to_string_lossy());
        let path = directory_of(target).join(format!(".{name}.lock"));
        let deadline = Instant::now() + limit;
        let wait = || {
            if Instant::now() >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "another process held the lock {} for {} s",
                        path.display(),
                        limit.as_secs_f64()
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(5));
            Ok(())
        };
        loop {
            let file = match open(&path) {
                Ok(file) => file,
                // Windows refuses to open a file that its holder is removing.
                Err(e) if cfg!(windows) && e.kind() == io::ErrorKind::PermissionDenied => {
                    wait()?;
                    continue;
                }
                Err(e) => return Err(e),
            };
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    wait()?;
                    continue;
                }
                Err(TryLockError::Error(e)) => return Err(e),
            }
            // The holder before us removes the file before it lets go: a lock on a file that is
            // no longer at the path guards nothing, so start again with the path's file.
            let held = file.metadata()?;
            match fs::metadata(&path) {
                Ok(current) if same_file(&held, &current) => {
                    return Ok(FileLock {
                        path,
                        file: Some(file),
                    });
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Removed while still held, so that no waiter locks a file that is about to go.
        let _ = fs::remove_file(&self.path);
        drop(self.file.take());
    }
}

/// Opens (or creates, private) the lock file.
fn open(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

#[cfg(not(unix))]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    matches!((a.created(), b.created()), (Ok(a), Ok(b)) if a == b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Barrier};

    #[test]
    fn one_holder_at_a_time_and_nothing_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("credentials");
        let counter = dir.path().join("counter");
        fs::write(&counter, "0").unwrap();
        let threads = 16;
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (target, counter, barrier) = (target.clone(), counter.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    for _ in 0..10 {
                        let _lock = FileLock::acquire(&target).unwrap();
                        // A read-modify-write that loses updates unless it is alone.
                        let n: u32 = fs::read_to_string(&counter).unwrap().parse().unwrap();
                        std::thread::yield_now();
                        fs::write(&counter, (n + 1).to_string()).unwrap();
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        assert_eq!(fs::read_to_string(&counter).unwrap(), "160");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["counter"]);
    }
}
