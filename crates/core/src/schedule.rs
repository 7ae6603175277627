//! When each patient's next botulinum-toxin session is due.
//!
//! A session is due from `earliest_days` to `latest_days` after the last one: by default 84 days
//! (the label's 12 weeks, [V2]) to 98 days (a clinic scheduling default, [U]). For a given date,
//! patients fall into too early, due, or overdue.

use chrono::{NaiveDate, TimeDelta};
use serde::Serialize;

use crate::reference::{
    RETREATMENT_MIN_DAYS, RETREATMENT_MIN_WEEKS, SCHEDULE_LATEST_DAYS, UNVERIFIED_MARK,
};

/// Errors in a schedule window, naming the bound at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("earliest: {0} days is negative")]
    NegativeEarliest(i64),
    #[error("latest: {latest} days is before the earliest, {earliest} days")]
    LatestBeforeEarliest { earliest: i64, latest: i64 },
}

/// Days after the last session during which the next one is due, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct ScheduleWindow {
    earliest_days: i64,
    latest_days: i64,
}

impl Default for ScheduleWindow {
    /// 84 days (re-treatment every 12 weeks, FDA label [V2]) to 98 days (clinic default [U]).
    fn default() -> Self {
        ScheduleWindow {
            earliest_days: RETREATMENT_MIN_DAYS,
            latest_days: SCHEDULE_LATEST_DAYS,
        }
    }
}

impl ScheduleWindow {
    pub fn new(earliest_days: i64, latest_days: i64) -> Result<Self, ScheduleError> {
        if earliest_days < 0 {
            return Err(ScheduleError::NegativeEarliest(earliest_days));
        }
        if latest_days < earliest_days {
            return Err(ScheduleError::LatestBeforeEarliest {
                earliest: earliest_days,
                latest: latest_days,
            });
        }
        Ok(ScheduleWindow {
            earliest_days,
            latest_days,
        })
    }

    pub fn earliest_days(&self) -> i64 {
        self.earliest_days
    }

    pub fn latest_days(&self) -> i64 {
        self.latest_days
    }

    /// First and last due dates after a session on `last`.
    pub fn due_dates(&self, last: NaiveDate) -> (NaiveDate, NaiveDate) {
        (
            add_days(last, self.earliest_days),
            add_days(last, self.latest_days),
        )
    }

    /// Where a patient whose last session was on `last` stands on `on`.
    pub fn status(&self, last: NaiveDate, on: NaiveDate) -> DueStatus {
        let days = (on - last).num_days();
        if days < self.earliest_days {
            DueStatus::TooEarly
        } else if days <= self.latest_days {
            DueStatus::Due
        } else {
            DueStatus::Overdue
        }
    }

    /// The window in words, with the source of each bound.
    pub fn describe(&self) -> String {
        let earliest = if self.earliest_days == RETREATMENT_MIN_DAYS {
            format!("the label's re-treatment every {RETREATMENT_MIN_WEEKS} weeks (FDA label) [V2]")
        } else if self.earliest_days < RETREATMENT_MIN_DAYS {
            format!(
                "clinic setting, sooner than the label's {RETREATMENT_MIN_DAYS} days: a session then is refused unless overridden"
            )
        } else {
            "clinic setting".to_owned()
        };
        let latest = if self.latest_days == SCHEDULE_LATEST_DAYS {
            format!("clinic scheduling default, not a label figure {UNVERIFIED_MARK}")
        } else {
            "clinic setting".to_owned()
        };
        format!(
            "next session due from {} days ({earliest}) to {} days ({latest}) after the last",
            self.earliest_days, self.latest_days
        )
    }
}

fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    TimeDelta::try_days(days)
        .and_then(|d| date.checked_add_signed(d))
        .unwrap_or(NaiveDate::MAX)
}

/// Where a patient stands against the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueStatus {
    TooEarly,
    Due,
    Overdue,
}

/// One patient on the schedule. `P` is the caller's patient identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleEntry<P> {
    pub patient: P,
    pub last_session: NaiveDate,
    /// Days from the last session to the schedule date (negative if the session is later).
    pub days_since: i64,
    pub earliest_due: NaiveDate,
    pub latest_due: NaiveDate,
    /// Days from the schedule date to the earliest due date: positive while too early.
    pub days_until_earliest: i64,
    /// Days from the latest due date to the schedule date: positive when overdue.
    pub days_past_latest: i64,
    pub status: DueStatus,
}

/// Patients too early, due and overdue on a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule<P> {
    pub on: NaiveDate,
    pub window: ScheduleWindow,
    /// [`ScheduleWindow::describe`], to print with the lists.
    pub basis: String,
    /// Soonest eligible first.
    pub too_early: Vec<ScheduleEntry<P>>,
    /// Nearest to the end of the window first.
    pub due: Vec<ScheduleEntry<P>>,
    /// Longest overdue first.
    pub overdue: Vec<ScheduleEntry<P>>,
}

/// Sorts patients by where they stand on `on`, given each one's last botulinum-toxin session.
/// Which sessions count as "last" (any indication, or chronic migraine only) is the caller's
/// choice.
pub fn schedule<P>(
    on: NaiveDate,
    window: ScheduleWindow,
    last_sessions: impl IntoIterator<Item = (P, NaiveDate)>,
) -> Schedule<P> {
    let mut out = Schedule {
        on,
        window,
        basis: window.describe(),
        too_early: Vec::new(),
        due: Vec::new(),
        overdue: Vec::new(),
    };
    for (patient, last) in last_sessions {
        let (earliest_due, latest_due) = window.due_dates(last);
        let status = window.status(last, on);
        let entry = ScheduleEntry {
            patient,
            last_session: last,
            days_since: (on - last).num_days(),
            earliest_due,
            latest_due,
            days_until_earliest: (earliest_due - on).num_days(),
            days_past_latest: (on - latest_due).num_days(),
            status,
        };
        match status {
            DueStatus::TooEarly => out.too_early.push(entry),
            DueStatus::Due => out.due.push(entry),
            DueStatus::Overdue => out.overdue.push(entry),
        }
    }
    out.too_early.sort_by_key(|e| e.earliest_due);
    out.due.sort_by_key(|e| e.latest_due);
    out.overdue.sort_by_key(|e| std::cmp::Reverse(e.days_since));
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    fn days_before(on: NaiveDate, n: i64) -> NaiveDate {
        on - TimeDelta::days(n)
    }

    #[test]
    fn boundaries_83_84_98_99_days() {
        let on = d("2026-06-01");
        let w = ScheduleWindow::default();
        let s = schedule(on, w, [83, 84, 98, 99].map(|n| (n, days_before(on, n))));
        let ids = |v: &[ScheduleEntry<i64>]| v.iter().map(|e| e.patient).collect::<Vec<_>>();
        assert_eq!(ids(&s.too_early), vec![83]);
        assert_eq!(ids(&s.due), vec![98, 84]);
        assert_eq!(ids(&s.overdue), vec![99]);
        let early = &s.too_early[0];
        assert_eq!(early.days_since, 83);
        assert_eq!(early.days_until_earliest, 1);
        assert_eq!(early.earliest_due, d("2026-06-02"));
        let over = &s.overdue[0];
        assert_eq!(over.days_past_latest, 1);
        assert_eq!(over.latest_due, d("2026-05-31"));
        assert_eq!(over.status, DueStatus::Overdue);
    }

    #[test]
    fn the_default_window_is_84_to_98_days_with_its_sources() {
        let w = ScheduleWindow::default();
        assert_eq!((w.earliest_days(), w.latest_days()), (84, 98));
        let text = w.describe();
        assert!(text.contains("12 weeks") && text.contains(UNVERIFIED_MARK));
        let custom = ScheduleWindow::new(70, 120).expect("valid");
        assert!(custom.describe().contains("refused unless overridden"));
        assert!(!custom.describe().contains(UNVERIFIED_MARK));
        assert_eq!(
            ScheduleWindow::new(90, 89),
            Err(ScheduleError::LatestBeforeEarliest {
                earliest: 90,
                latest: 89
            })
        );
        assert_eq!(
            ScheduleWindow::new(-1, 10),
            Err(ScheduleError::NegativeEarliest(-1))
        );
        assert!(ScheduleWindow::new(84, 84).is_ok());
    }

    #[test]
    fn a_configured_window_moves_the_boundaries() {
        let w = ScheduleWindow::new(90, 90).expect("valid");
        let last = d("2026-01-01");
        assert_eq!(w.status(last, d("2026-03-31")), DueStatus::TooEarly);
        assert_eq!(w.status(last, d("2026-04-01")), DueStatus::Due);
        assert_eq!(w.status(last, d("2026-04-02")), DueStatus::Overdue);
    }

    #[test]
    fn a_last_session_after_the_date_is_too_early() {
        let s = schedule(
            d("2026-01-01"),
            ScheduleWindow::default(),
            [("p", d("2026-01-10"))],
        );
        assert_eq!(s.too_early.len(), 1);
        assert_eq!(s.too_early[0].days_since, -9);
    }

    #[test]
    fn overdue_is_longest_first() {
        let on = d("2026-06-01");
        let s = schedule(
            on,
            ScheduleWindow::default(),
            [("a", days_before(on, 120)), ("b", days_before(on, 300))],
        );
        assert_eq!(
            s.overdue.iter().map(|e| e.patient).collect::<Vec<_>>(),
            vec!["b", "a"]
        );
    }

    proptest! {
        /// Every patient lands in exactly one list, and the list agrees with the day count.
        #[test]
        fn each_patient_in_one_list(offsets in prop::collection::vec(-30i64..400, 0..30), early in 0i64..120, span in 0i64..60) {
            let on = d("2026-06-01");
            let w = ScheduleWindow::new(early, early + span).expect("valid");
            let s = schedule(on, w, offsets.iter().enumerate().map(|(i, n)| (i, days_before(on, *n))));
            prop_assert_eq!(s.too_early.len() + s.due.len() + s.overdue.len(), offsets.len());
            prop_assert!(s.too_early.iter().all(|e| e.days_since < early && e.days_until_earliest > 0));
            prop_assert!(s.due.iter().all(|e| e.days_since >= early && e.days_since <= early + span));
            prop_assert!(s.overdue.iter().all(|e| e.days_since > early + span && e.days_past_latest > 0));
        }
    }
}
