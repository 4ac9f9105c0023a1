//! Messages that arrived while the person was not looking: counted while the page is hidden,
//! cleared when it shows again, and carried in the tab's title.

/// The unread count of one room's page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unread {
    count: u32,
}

impl Unread {
    /// `n` messages from others arrived; they count only while the page is hidden. `true` if the
    /// count changed.
    pub fn arrived(&mut self, n: usize, visible: bool) -> bool {
        if visible || n == 0 {
            return false;
        }
        self.count = self
            .count
            .saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
        true
    }

    /// The page shows again: everything is seen. `true` if the count changed.
    pub fn seen(&mut self) -> bool {
        std::mem::take(&mut self.count) != 0
    }

    /// Messages not seen yet.
    pub fn count(self) -> u32 {
        self.count
    }

    /// The tab's title: `base`, led by the count in parentheses while there is one.
    pub fn title(self, base: &str) -> String {
        match self.count {
            0 => base.to_owned(),
            n => format!("({n}) {base}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_count_only_while_hidden_and_showing_clears_them() {
        let mut unread = Unread::default();
        assert!(!unread.arrived(2, true));
        assert_eq!(unread.title("Cutout"), "Cutout");
        assert!(unread.arrived(2, false));
        assert!(unread.arrived(1, false));
        assert!(!unread.arrived(0, false));
        assert_eq!(unread.count(), 3);
        assert_eq!(unread.title("Cutout"), "(3) Cutout");
        assert!(unread.seen());
        assert!(!unread.seen());
        assert_eq!(unread.title("Cutout"), "Cutout");
    }
}
