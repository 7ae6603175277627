use std::time::Duration;

use chrono::NaiveDate;

/// What "today" is for the pages: the system clock, or a fixed date (the demo clinic's last diary
/// day, and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    System,
    Fixed(NaiveDate),
}

impl Clock {
    pub fn today(self) -> NaiveDate {
        match self {
            Clock::System => chrono::Local::now().date_naive(),
            Clock::Fixed(d) => d,
        }
    }
}

/// Server settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// `Secure` cookies with the `__Host-` prefix. Off only for plain-HTTP use on one's own
    /// machine (the demo); a clinic serves over TLS.
    pub secure_cookies: bool,
    /// A session ends after this long without a request.
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, however busy.
    pub absolute_timeout: Duration,
    /// Take the client address from the last `X-Forwarded-For` entry (behind a load balancer).
    pub trust_forwarded_for: bool,
    pub clock: Clock,
    /// The clinic's sender details for E2B(R3) messages; without them the pages offer no E2B
    /// download.
    pub e2b_sender: Option<cephalog_e2b::SenderSettings>,
    /// Requests one API token may make in a clock minute, counted across every server of the
    /// installation; more are answered 429 with `Retry-After`.
    pub api_requests_per_minute: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            secure_cookies: true,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            absolute_timeout: DEFAULT_ABSOLUTE_TIMEOUT,
            trust_forwarded_for: false,
            clock: Clock::System,
            e2b_sender: None,
            api_requests_per_minute: DEFAULT_API_REQUESTS_PER_MINUTE,
        }
    }
}

/// 30 minutes idle: within the 15–30 minutes OWASP's Session Management Cheat Sheet gives for
/// low-risk applications, at its upper end for a clinic workstation [unverified default].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// 12 hours absolute: one clinic day (OWASP Session Management Cheat Sheet, "absolute timeout",
/// 4–8 hours for office use; a clinic day runs longer) [unverified default].
pub const DEFAULT_ABSOLUTE_TIMEOUT: Duration = Duration::from_secs(12 * 60 * 60);
/// 600 requests a minute per API token: ten a second, well above what an EHR bridge or a
/// patient's app syncing a year of diary day by day needs, and low enough that a runaway client
/// cannot hold a clinic's database [unverified default].
pub const DEFAULT_API_REQUESTS_PER_MINUTE: u32 = 600;
