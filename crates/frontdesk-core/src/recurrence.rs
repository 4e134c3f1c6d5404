//! Repeating bookings: the rule (every N days or weeks, on given weekdays, until a date or for
//! a count) and the local dates it yields. The wall-clock time stays the same on every date,
//! so a weekly 09:00 is 09:00 on both sides of a DST change.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The most occurrences one series may have: a year of daily visits.
pub const MAX_OCCURRENCES: usize = 366;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Day,
    Week,
}

impl Unit {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Unit::Day => "day",
            Unit::Week => "week",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Rule {
    /// Every `every` days or weeks.
    pub every: u32,
    pub unit: Unit,
    /// Weekly rules: on these weekdays (empty: the first date's weekday).
    #[serde(default)]
    pub weekdays: Vec<Weekday>,
    /// The last date (inclusive), or …
    #[serde(default)]
    pub until: Option<NaiveDate>,
    /// … the number of occurrences. Exactly one of the two.
    #[serde(default)]
    pub count: Option<u32>,
}

pub(crate) fn weekdays_text(days: &[Weekday]) -> String {
    days.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn parse_weekdays(s: &str) -> Vec<Weekday> {
    s.split(',').filter_map(|d| d.trim().parse().ok()).collect()
}

impl Rule {
    fn check(&self, first: NaiveDate) -> Result<()> {
        if !(1..=52).contains(&self.every) {
            return Err(Error::invalid(
                "every",
                "validation.out_of_range",
                "must be between 1 and 52",
            ));
        }
        match (self.until, self.count) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(Error::invalid(
                    "until",
                    "appointment.rule_end",
                    "a series ends on a date or after a number of visits: give exactly one",
                ))
            }
            (Some(u), None) if u < first => {
                return Err(Error::invalid(
                    "until",
                    "appointment.end_before_start",
                    "the series would end before its first visit",
                ))
            }
            (None, Some(c)) if c == 0 || c as usize > MAX_OCCURRENCES => {
                return Err(Error::invalid(
                    "count",
                    "validation.out_of_range",
                    format!("must be between 1 and {MAX_OCCURRENCES}"),
                ))
            }
            _ => {}
        }
        if self.unit == Unit::Day && !self.weekdays.is_empty() {
            return Err(Error::invalid(
                "weekdays",
                "appointment.rule_weekdays",
                "weekdays belong to weekly series",
            ));
        }
        Ok(())
    }

    /// The local dates of the series, the first date included (when it matches the rule).
    pub fn dates(&self, first: NaiveDate) -> Result<Vec<NaiveDate>> {
        self.check(first)?;
        // One past the most, so that an `until` too far away is noticed.
        let limit = self
            .count
            .map(|c| c as usize)
            .unwrap_or(MAX_OCCURRENCES + 1);
        let within = |d: NaiveDate| self.until.is_none_or(|u| d <= u);
        let mut out = vec![];
        match self.unit {
            Unit::Day => {
                let mut d = first;
                while within(d) && out.len() < limit {
                    out.push(d);
                    d += Duration::days(self.every as i64);
                }
            }
            Unit::Week => {
                let mut days = if self.weekdays.is_empty() {
                    vec![first.weekday()]
                } else {
                    self.weekdays.clone()
                };
                days.sort_by_key(|d| d.num_days_from_monday());
                days.dedup();
                let monday = first - Duration::days(first.weekday().num_days_from_monday() as i64);
                let mut week = 0i64;
                'weeks: loop {
                    let start = monday + Duration::weeks(week * self.every as i64);
                    for wd in &days {
                        let d = start + Duration::days(wd.num_days_from_monday() as i64);
                        if d < first {
                            continue;
                        }
                        if !within(d) || out.len() >= limit {
                            break 'weeks;
                        }
                        out.push(d);
                    }
                    week += 1;
                }
            }
        }
        if out.len() > MAX_OCCURRENCES {
            return Err(Error::invalid(
                "until",
                "validation.out_of_range",
                format!("a series has at most {MAX_OCCURRENCES} visits"),
            ));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn weekly_on_two_days_for_a_count_crosses_a_month_end() {
        let r = Rule {
            every: 1,
            unit: Unit::Week,
            weekdays: vec![Weekday::Mon, Weekday::Thu],
            until: None,
            count: Some(4),
        };
        // Thursday 29 January 2026.
        let got = r.dates(d(2026, 1, 29)).unwrap();
        assert_eq!(
            got,
            vec![d(2026, 1, 29), d(2026, 2, 2), d(2026, 2, 5), d(2026, 2, 9)]
        );
    }

    #[test]
    fn every_three_days_until_a_date_is_inclusive() {
        let r = Rule {
            every: 3,
            unit: Unit::Day,
            weekdays: vec![],
            until: Some(d(2026, 3, 7)),
            count: None,
        };
        assert_eq!(
            r.dates(d(2026, 2, 26)).unwrap(),
            vec![d(2026, 2, 26), d(2026, 3, 1), d(2026, 3, 4), d(2026, 3, 7)]
        );
    }

    #[test]
    fn bad_rules_are_refused() {
        let base = Rule {
            every: 1,
            unit: Unit::Week,
            weekdays: vec![],
            until: None,
            count: None,
        };
        assert_eq!(
            base.dates(d(2026, 1, 1)).unwrap_err().code(),
            "appointment.rule_end"
        );
        let past = Rule {
            until: Some(d(2025, 1, 1)),
            ..base.clone()
        };
        assert_eq!(
            past.dates(d(2026, 1, 1)).unwrap_err().code(),
            "appointment.end_before_start"
        );
        let zero = Rule {
            every: 0,
            count: Some(2),
            ..base.clone()
        };
        assert_eq!(
            zero.dates(d(2026, 1, 1)).unwrap_err().code(),
            "validation.out_of_range"
        );
        let long = Rule {
            unit: Unit::Day,
            until: Some(d(2030, 1, 1)),
            ..base
        };
        assert_eq!(
            long.dates(d(2026, 1, 1)).unwrap_err().code(),
            "validation.out_of_range"
        );
    }
}
