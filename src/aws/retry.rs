//! The retry policy: which failures are worth another try, and how long to wait before it
//! (exponential backoff with full jitter). It is the only retry in force; the SDK's own is off.
//!
//! Like the original, whose loop calls an SDK that already tries each call up to three times,
//! every attempt is up to [`TRIES_PER_ATTEMPT`] tries for transient failures, and
//! `retry-max-attempts` counts attempts. Final failures end everything at the first answer.

use std::time::Duration;

use crate::error::Spent;
use crate::runner;

const BASE_DELAY: Duration = Duration::from_millis(50);
const MAX_DELAY: Duration = Duration::from_secs(20);

/// Tries per attempt for a transient failure, as in the SDK's standard retry mode.
pub const TRIES_PER_ATTEMPT: u32 = 3;

/// What to do after a failed try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Transient (throttling, 5xx, timeouts, lost connections): try again within the attempt,
    /// then in the next attempt.
    Retry,
    /// Worth a new attempt, not another try of the same request (an answer the action refuses).
    NextAttempt,
    /// Worth a new attempt, which needs a new GitHub token.
    RetryWithFreshToken,
    /// Final: retrying cannot change the answer.
    Fail,
}

/// What a try is told about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    pub number: u32,
    /// The previous attempt asked for a new token (told to the attempt's first try only).
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

    /// The wait after failed try or attempt `n` (1-based): a uniformly random part of
    /// `50 ms × 2^(n-1)`, capped at 20 s; `unit` is the random draw in `[0, 1)`.
    pub fn delay(n: u32, unit: f64) -> Duration {
        let exp = BASE_DELAY.saturating_mul(1u32 << (n - 1).min(20));
        exp.min(MAX_DELAY).mul_f64(unit.clamp(0.0, 1.0))
    }

    /// Runs `op` until it succeeds, `classify` calls its error final, or the attempts run out.
    /// Each attempt tries `op` up to [`TRIES_PER_ATTEMPT`] times while it fails with
    /// [`Verdict::Retry`]. On failure returns the last error and what was spent.
    pub async fn run<T, E>(
        &self,
        label: &str,
        mut op: impl AsyncFnMut(Attempt) -> Result<T, E>,
        classify: impl Fn(&E) -> Verdict,
        describe: impl Fn(&E) -> String,
    ) -> Result<T, (E, Spent)> {
        let mut spent = Spent {
            attempts: 1,
            tries: 0,
        };
        let mut fresh_token = false;
        loop {
            let mut tries_in_attempt = 0;
            let (error, verdict) = loop {
                let attempt = Attempt {
                    number: spent.attempts,
                    fresh_token: fresh_token && tries_in_attempt == 0,
                };
                tries_in_attempt += 1;
                spent.tries += 1;
                let error = match op(attempt).await {
                    Ok(value) => return Ok(value),
                    Err(error) => error,
                };
                let verdict = classify(&error);
                if verdict != Verdict::Retry || tries_in_attempt >= TRIES_PER_ATTEMPT {
                    break (error, verdict);
                }
                let delay = Self::delay(tries_in_attempt, random_unit());
                runner::info(&format!(
                    "{label}: try {tries_in_attempt} of {TRIES_PER_ATTEMPT} failed: {}; trying \
                     again in {} ms",
                    describe(&error),
                    delay.as_millis()
                ));
                tokio::time::sleep(delay).await;
            };
            if verdict == Verdict::Fail || spent.attempts >= self.max_attempts {
                return Err((error, spent));
            }
            let delay = Self::delay(spent.attempts, random_unit());
            runner::info(&format!(
                "{label}: attempt {} of {} failed: {}; retrying in {} ms",
                spent.attempts,
                self.max_attempts,
                describe(&error),
                delay.as_millis()
            ));
            tokio::time::sleep(delay).await;
            spent.attempts += 1;
            fresh_token = verdict == Verdict::RetryWithFreshToken;
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
    ) -> (Result<u32, (Verdict, Spent)>, Vec<Attempt>) {
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

    fn numbers(seen: &[Attempt]) -> Vec<u32> {
        seen.iter().map(|a| a.number).collect()
    }

    #[test]
    fn stops_at_once_on_a_final_error() {
        let (result, seen) = run(RetryPolicy::new(12), &[Err(Verdict::Fail)]);
        let spent = Spent {
            attempts: 1,
            tries: 1,
        };
        assert_eq!(result, Err((Verdict::Fail, spent)));
        assert_eq!(seen.len(), 1);
        assert_eq!(spent.note(), "");
    }

    #[test]
    fn transient_errors_are_tried_three_times_per_attempt() {
        let (result, seen) = run(RetryPolicy::new(2), &[Err(Verdict::Retry)]);
        let spent = Spent {
            attempts: 2,
            tries: 6,
        };
        assert_eq!(result, Err((Verdict::Retry, spent)));
        assert_eq!(numbers(&seen), [1, 1, 1, 2, 2, 2]);
        assert_eq!(spent.note(), " (after 6 tries in 2 attempts)");

        // One attempt is still three tries.
        let (result, seen) = run(RetryPolicy::new(1), &[Err(Verdict::Retry)]);
        assert_eq!(seen.len(), 3);
        assert_eq!(
            result.unwrap_err().1.note(),
            " (after 3 tries in 1 attempt)"
        );

        // Four failures, then success on the fifth try (the second of the second attempt).
        let outcomes = [Err(Verdict::Retry); 4].into_iter().chain([Ok(7)]);
        let (result, seen) = run(RetryPolicy::new(2), &outcomes.collect::<Vec<_>>());
        assert_eq!(result, Ok(7));
        assert_eq!(numbers(&seen), [1, 1, 1, 2, 2]);
    }

    #[test]
    fn a_final_error_ends_an_attempt_and_the_run() {
        let (result, seen) = run(
            RetryPolicy::new(5),
            &[Err(Verdict::Retry), Err(Verdict::Fail)],
        );
        assert_eq!(
            result,
            Err((
                Verdict::Fail,
                Spent {
                    attempts: 1,
                    tries: 2
                }
            ))
        );
        assert_eq!(seen.len(), 2);
    }

    #[test]
    fn a_fresh_token_or_a_refused_answer_needs_a_new_attempt() {
        let (result, seen) = run(
            RetryPolicy::new(5),
            &[
                Err(Verdict::RetryWithFreshToken),
                Err(Verdict::Retry),
                Err(Verdict::NextAttempt),
                Ok(7),
            ],
        );
        assert_eq!(result, Ok(7));
        assert_eq!(numbers(&seen), [1, 2, 2, 3]);
        // Only the first try after the request for a new token is told so.
        let fresh: Vec<bool> = seen.iter().map(|a| a.fresh_token).collect();
        assert_eq!(fresh, [false, true, false, false]);
    }

    #[test]
    fn gives_up_after_max_attempts() {
        let (result, seen) = run(RetryPolicy::new(3), &[Err(Verdict::NextAttempt)]);
        assert_eq!(
            result,
            Err((
                Verdict::NextAttempt,
                Spent {
                    attempts: 3,
                    tries: 3
                }
            ))
        );
        assert_eq!(seen.len(), 3);
    }
}
