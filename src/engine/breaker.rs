//! The per-plugin circuit breaker: consecutive faults (traps, timeouts,
//! fuel exhaustion) open it; while open, calls fail fast with
//! `CIRCUIT_OPEN` without entering the plugin; after the cooldown one probe
//! call is let through, and its outcome closes or reopens it. Plugin-
//! returned errors and cancellations are not faults.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::ErrorCode;

#[derive(Clone, Copy, Debug)]
enum State {
    Closed { faults: u32 },
    Open { until: Instant },
    HalfOpen { probing: bool },
}

/// The breakers of every plugin.
pub(crate) struct Breakers {
    threshold: u32,
    cooldown: Duration,
    states: Mutex<HashMap<String, State>>,
}

/// Why a call was refused: the breaker opens again in this long.
pub(crate) struct Refusal {
    pub retry_in: Duration,
}

/// A call let through; [`Admission::finish`] reports its outcome. Dropped
/// unfinished (the call never entered the plugin), a probe slot is freed.
pub(crate) struct Admission<'a> {
    breakers: &'a Breakers,
    id: String,
    probe: bool,
    finished: bool,
}

/// Whether an outcome counts as a fault.
pub(crate) fn is_fault(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::PluginFault | ErrorCode::Timeout | ErrorCode::FuelExhausted
    )
}

impl Breakers {
    pub fn new(threshold: u32, cooldown: Duration) -> Breakers {
        Breakers {
            threshold,
            cooldown,
            states: Mutex::new(HashMap::new()),
        }
    }

    fn states(&self) -> std::sync::MutexGuard<'_, HashMap<String, State>> {
        self.states.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Lets a call of plugin `id` through, or refuses it.
    pub fn admit(&self, id: &str) -> Result<Admission<'_>, Refusal> {
        let mut states = self.states();
        let state = states
            .entry(id.to_string())
            .or_insert(State::Closed { faults: 0 });
        let probe = match *state {
            State::Closed { .. } => false,
            State::Open { until } => {
                let now = Instant::now();
                if now < until {
                    return Err(Refusal {
                        retry_in: until - now,
                    });
                }
                *state = State::HalfOpen { probing: true };
                true
            }
            State::HalfOpen { probing: false } => {
                *state = State::HalfOpen { probing: true };
                true
            }
            State::HalfOpen { probing: true } => {
                return Err(Refusal {
                    retry_in: Duration::ZERO,
                });
            }
        };
        Ok(Admission {
            breakers: self,
            id: id.to_string(),
            probe,
            finished: false,
        })
    }

    /// Closes plugin `id`'s breaker (it was enabled again, or reinstalled).
    pub fn reset(&self, id: &str) {
        self.states().remove(id);
    }

    /// `"closed"`, `"open"` or `"half_open"`.
    pub fn state_name(&self, id: &str) -> &'static str {
        match self.states().get(id) {
            None | Some(State::Closed { .. }) => "closed",
            Some(State::Open { until }) if Instant::now() < *until => "open",
            Some(State::Open { .. } | State::HalfOpen { .. }) => "half_open",
        }
    }

    fn record(&self, id: &str, probe: bool, outcome: Option<ErrorCode>) {
        let mut states = self.states();
        let Some(state) = states.get_mut(id) else {
            return;
        };
        match (outcome.map(verdict), *state) {
            // A fault: counted while closed; a failed probe reopens. (A
            // late call's fault while open, or a probe's after a reset,
            // changes nothing beyond what the state says.)
            (Some(Verdict::Fault), State::Closed { faults }) if self.threshold > 0 => {
                let faults = faults + 1;
                *state = if faults >= self.threshold {
                    State::Open {
                        until: Instant::now() + self.cooldown,
                    }
                } else {
                    State::Closed { faults }
                };
            }
            (Some(Verdict::Fault), State::HalfOpen { .. }) if probe => {
                *state = State::Open {
                    until: Instant::now() + self.cooldown,
                };
            }
            // The plugin answered (a result, or an error of its own).
            (Some(Verdict::Healthy), State::Closed { .. } | State::HalfOpen { .. }) => {
                *state = State::Closed { faults: 0 }
            }
            // No verdict (never entered, cancelled, an engine-side
            // failure): a probe frees its slot for the next call.
            (None | Some(Verdict::Neutral), State::HalfOpen { probing: true }) if probe => {
                *state = State::HalfOpen { probing: false }
            }
            _ => {}
        }
    }
}

/// What an outcome says about the plugin's health.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Fault,
    Healthy,
    Neutral,
}

fn verdict(code: ErrorCode) -> Verdict {
    match code {
        c if is_fault(c) => Verdict::Fault,
        ErrorCode::Ok | ErrorCode::PluginError | ErrorCode::Network | ErrorCode::NetworkBlocked => {
            Verdict::Healthy
        }
        _ => Verdict::Neutral,
    }
}

impl Admission<'_> {
    /// Reports the outcome of a call that entered the plugin (`None`:
    /// success).
    pub fn finish(mut self, outcome: Result<(), ErrorCode>) {
        self.finished = true;
        let code = match outcome {
            Ok(()) => ErrorCode::Ok,
            Err(c) => c,
        };
        self.breakers.record(&self.id, self.probe, Some(code));
    }
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.breakers.record(&self.id, self.probe, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_open_it_and_a_probe_closes_it() {
        let b = Breakers::new(2, Duration::from_millis(30));
        b.admit("p")
            .ok()
            .unwrap()
            .finish(Err(ErrorCode::PluginFault));
        assert_eq!(b.state_name("p"), "closed");
        b.admit("p").ok().unwrap().finish(Err(ErrorCode::Timeout));
        assert_eq!(b.state_name("p"), "open");
        assert!(b.admit("p").is_err());
        assert_eq!(b.state_name("other"), "closed", "breakers are per plugin");
        assert!(b.admit("other").is_ok());
        let start = Instant::now();
        while b.state_name("p") == "open" {
            assert!(start.elapsed() < Duration::from_secs(5));
            std::thread::yield_now();
        }
        let probe = b.admit("p").ok().unwrap();
        assert!(b.admit("p").is_err(), "one probe at a time");
        probe.finish(Ok(()));
        assert_eq!(b.state_name("p"), "closed");
    }

    #[test]
    fn plugin_errors_and_cancels_are_not_faults_and_a_failed_probe_reopens() {
        let b = Breakers::new(1, Duration::from_secs(60));
        b.admit("p")
            .ok()
            .unwrap()
            .finish(Err(ErrorCode::PluginError));
        b.admit("p").ok().unwrap().finish(Err(ErrorCode::Cancelled));
        b.admit("p").ok().unwrap().finish(Err(ErrorCode::Network));
        assert_eq!(b.state_name("p"), "closed");
        drop(b.admit("p").ok().unwrap());
        assert_eq!(b.state_name("p"), "closed");
        b.admit("p")
            .ok()
            .unwrap()
            .finish(Err(ErrorCode::FuelExhausted));
        assert_eq!(b.state_name("p"), "open");
        b.reset("p");
        assert_eq!(b.state_name("p"), "closed");
        assert!(b.admit("p").is_ok());
    }

    #[test]
    fn stale_outcomes_do_not_cut_a_cooldown_short_or_skip_the_threshold() {
        let b = Breakers::new(2, Duration::from_secs(60));
        // A probe admitted, then the breaker reset (the plugin re-enabled):
        // the probe's fault counts as one fault, not an instant reopen.
        b.admit("p")
            .ok()
            .unwrap()
            .finish(Err(ErrorCode::PluginFault));
        b.admit("p")
            .ok()
            .unwrap()
            .finish(Err(ErrorCode::PluginFault));
        assert_eq!(b.state_name("p"), "open");
        b.reset("p");
        let late = b.admit("p").ok().unwrap();
        late.finish(Err(ErrorCode::PluginFault));
        assert_eq!(b.state_name("p"), "closed", "one fault after a reset");
        // Engine-side failures (BUSY, INTERNAL) neither count nor heal.
        b.admit("p").ok().unwrap().finish(Err(ErrorCode::Internal));
        b.admit("p").ok().unwrap().finish(Err(ErrorCode::Busy));
        b.admit("p").ok().unwrap().finish(Err(ErrorCode::Timeout));
        assert_eq!(
            b.state_name("p"),
            "open",
            "the INTERNAL/BUSY did not reset the count"
        );
    }

    #[test]
    fn a_zero_threshold_never_opens() {
        let b = Breakers::new(0, Duration::from_secs(60));
        for _ in 0..10 {
            b.admit("p")
                .ok()
                .unwrap()
                .finish(Err(ErrorCode::PluginFault));
        }
        assert_eq!(b.state_name("p"), "closed");
    }
}
