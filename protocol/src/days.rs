//! Days in a conversation: which messages start a day and what its separator says ("Today",
//! "Yesterday", or the date). The days are local calendar days, which only the browser knows;
//! the rule is here, tested natively.
//!
//! A conversation all of today needs no separators: its times say enough. Once it holds any
//! other day (a tab left open overnight, history kept), every day gets one before its first
//! message, today's included.

/// A local calendar day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day {
    /// The year, e.g. 2026.
    pub year: i32,
    /// 1 to 12.
    pub month: u8,
    /// 1 to 31.
    pub day: u8,
}

impl Day {
    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's
    /// `days_from_civil`), so that consecutive days differ by one across months and years.
    pub fn number(self) -> i64 {
        let (month, day) = (i64::from(self.month), i64::from(self.day));
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }
}

/// What a day's separator says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayLabel {
    /// This device's today.
    Today,
    /// The day before today.
    Yesterday,
    /// Any other day, shown as its date.
    On(Day),
}

/// For each message of a conversation, in order, the separator to draw before it, if any.
/// `days` are the messages' local days, `today` this device's.
pub fn separators(days: &[Day], today: Day) -> Vec<Option<DayLabel>> {
    if days.iter().all(|day| *day == today) {
        return vec![None; days.len()];
    }
    let mut previous = None;
    days.iter()
        .map(|&day| {
            if previous == Some(day) {
                return None;
            }
            previous = Some(day);
            Some(match today.number() - day.number() {
                0 => DayLabel::Today,
                1 => DayLabel::Yesterday,
                _ => DayLabel::On(day),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(year: i32, month: u8, day: u8) -> Day {
        Day { year, month, day }
    }

    #[test]
    fn day_numbers_run_on_across_months_years_and_leap_days() {
        assert_eq!(day(1970, 1, 1).number(), 0);
        assert_eq!(day(2000, 3, 1).number() - day(2000, 2, 28).number(), 2);
        assert_eq!(day(2100, 3, 1).number() - day(2100, 2, 28).number(), 1);
        assert_eq!(day(2027, 1, 1).number() - day(2026, 12, 31).number(), 1);
        assert_eq!(day(2026, 12, 4).number(), 20_791);
        assert_eq!(day(1969, 12, 31).number(), -1);
    }

    #[test]
    fn a_conversation_of_today_alone_has_no_separators() {
        let today = day(2026, 12, 4);
        assert_eq!(separators(&[today, today], today), [None, None]);
        assert_eq!(separators(&[], today), []);
    }

    #[test]
    fn each_day_gets_one_separator_before_its_first_message() {
        let today = day(2027, 1, 1);
        let days = [
            day(2026, 12, 20),
            day(2026, 12, 20),
            day(2026, 12, 31),
            today,
            today,
        ];
        assert_eq!(
            separators(&days, today),
            [
                Some(DayLabel::On(day(2026, 12, 20))),
                None,
                Some(DayLabel::Yesterday),
                Some(DayLabel::Today),
                None,
            ]
        );
        // A conversation of yesterday only still says so: its times alone would read as today.
        assert_eq!(
            separators(&[day(2026, 12, 31)], today),
            [Some(DayLabel::Yesterday)]
        );
    }
}
