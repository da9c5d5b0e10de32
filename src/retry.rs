//! The retry policy: which failures are worth another attempt, and how long to wait before it
//! (exponential backoff with full jitter). It is the only retry in force; the SDK's own is off.

use std::time::Duration;

use crate::runner;

const BASE_DELAY: Duration = Duration::from_millis(50);
const MAX_DELAY: Duration = Duration::from_secs(20);

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Transient: try again after a delay.
    Retry,
    /// Transient, but the next attempt needs a new GitHub token.
    RetryWithFreshToken,
    /// Final: retrying cannot change the answer.
    Fail,
}

/// What an attempt is told about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    pub number: u32,
    /// The previous attempt asked for a new token.
    pub fresh_token: bool,
}

/// How many attempts at most, and the backoff between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
}

impl RetryPolicy {
    pub fn new(max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts: max_attempts.max(1),
        }
    }

    /// The wait after failed attempt `attempt` (1-based): a uniformly random part of
    /// `50 ms × 2^(attempt-1)`, capped at 20 s; `unit` is the random draw in `[0, 1)`.
    pub fn delay(attempt: u32, unit: f64) -> Duration {
        let exp = BASE_DELAY.saturating_mul(1u32 << (attempt - 1).min(20));
        exp.min(MAX_DELAY).mul_f64(unit.clamp(0.0, 1.0))
    }

    /// Runs `op` until it succeeds, `classify` calls its error final, or the attempts run out.
    /// On failure returns the last error and how many attempts were made.
    pub async fn run<T, E>(
        &self,
        label: &str,
        mut op: impl AsyncFnMut(Attempt) -> Result<T, E>,
        classify: impl Fn(&E) -> Verdict,
        describe: impl Fn(&E) -> String,
    ) -> Result<T, (E, u32)> {
        let mut attempt = Attempt {
            number: 1,
            fresh_token: false,
        };
        loop {
            let error = match op(attempt).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let verdict = classify(&error);
            if verdict == Verdict::Fail || attempt.number >= self.max_attempts {
                return Err((error, attempt.number));
            }
            let delay = Self::delay(attempt.number, random_unit());
            runner::info(&format!(
                "{label}: attempt {} of {} failed: {}; retrying in {} ms",
                attempt.number,
                self.max_attempts,
                describe(&error),
                delay.as_millis()
            ));
            tokio::time::sleep(delay).await;
            attempt = Attempt {
                number: attempt.number + 1,
                fresh_token: verdict == Verdict::RetryWithFreshToken,
            };
        }
    }
}

fn random_unit() -> f64 {
    // Without the OS random source, wait the full backoff: still correct, only less spread.
    getrandom::u32().map_or(1.0, |r| f64::from(r) / (f64::from(u32::MAX) + 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn delays_grow_exponentially_with_jitter_and_a_cap() {
        assert_eq!(RetryPolicy::delay(1, 1.0), Duration::from_millis(50));
        assert_eq!(RetryPolicy::delay(3, 1.0), Duration::from_millis(200));
        assert_eq!(RetryPolicy::delay(3, 0.5), Duration::from_millis(100));
        assert_eq!(RetryPolicy::delay(1, 0.0), Duration::ZERO);
        assert_eq!(RetryPolicy::delay(12, 1.0), MAX_DELAY);
        assert_eq!(RetryPolicy::delay(40, 1.0), MAX_DELAY);
    }

    fn run(
        policy: RetryPolicy,
        outcomes: &[Result<u32, Verdict>],
    ) -> (Result<u32, (Verdict, u32)>, Vec<Attempt>) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let seen = std::cell::RefCell::new(Vec::new());
        let calls = Cell::new(0usize);
        let result = rt.block_on(policy.run(
            "test",
            async |attempt| {
                seen.borrow_mut().push(attempt);
                let i = calls.get();
                calls.set(i + 1);
                outcomes[i.min(outcomes.len() - 1)]
            },
            |verdict: &Verdict| *verdict,
            |verdict| format!("{verdict:?}"),
        ));
        (result, seen.into_inner())
    }

    #[test]
    fn stops_at_once_on_a_final_error() {
        let (result, seen) = run(RetryPolicy::new(12), &[Err(Verdict::Fail)]);
        assert_eq!(result, Err((Verdict::Fail, 1)));
        assert_eq!(seen.len(), 1);
    }

    #[test]
    fn retries_transient_errors_until_success() {
        let (result, seen) = run(
            RetryPolicy::new(5),
            &[
                Err(Verdict::Retry),
                Err(Verdict::RetryWithFreshToken),
                Ok(7),
            ],
        );
        assert_eq!(result, Ok(7));
        let fresh: Vec<bool> = seen.iter().map(|a| a.fresh_token).collect();
        assert_eq!(fresh, [false, false, true]);
        assert_eq!(seen.last().unwrap().number, 3);
    }

    #[test]
    fn gives_up_after_max_attempts() {
        let (result, seen) = run(RetryPolicy::new(3), &[Err(Verdict::Retry)]);
        assert_eq!(result, Err((Verdict::Retry, 3)));
        assert_eq!(seen.len(), 3);
        let (result, _) = run(RetryPolicy::new(1), &[Err(Verdict::Retry)]);
        assert_eq!(result, Err((Verdict::Retry, 1)));
    }
}
