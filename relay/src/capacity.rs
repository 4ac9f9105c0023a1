//! Connection counting: the relay-wide cap and the per-address cap of PROTOCOL.md A. A
//! [`Ticket`] is held for a connection's whole life and gives its place back when dropped, so
//! the counts cannot drift and the per-address map never holds an address with no connection.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Counts of open connections.
pub struct Capacity {
    counts: Mutex<Counts>,
    max_total: usize,
    max_per_ip: Option<usize>,
}

#[derive(Default)]
struct Counts {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// Whether a new connection fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Within both caps.
    Admitted,
    /// Over a cap, but within the grace band: it is told "at capacity" (ERROR 5 or 503) and
    /// closed, so a client learns why.
    OverCapacity,
}

/// A connection's place in the counts, returned on drop.
pub struct Ticket {
    capacity: Arc<Capacity>,
    ip: IpAddr,
    /// Whether this connection is within the caps.
    pub admission: Admission,
}

impl Capacity {
    /// Counts with these caps (`max_per_ip: None` = no per-address cap).
    pub fn new(max_total: usize, max_per_ip: Option<usize>) -> Arc<Self> {
        Arc::new(Self {
            counts: Mutex::new(Counts::default()),
            max_total,
            max_per_ip,
        })
    }

    fn counts(&self) -> MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Open connections now.
    pub fn total(&self) -> usize {
        self.counts().total
    }

    /// Takes a place for a connection from `ip`. `None` when even the grace band is full: the
    /// caller drops the socket at once. The grace band (as many again as the cap) bounds how many
    /// refused-but-answered connections can exist, each of which lives only until its deadline.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Ticket> {
        let mut counts = self.counts();
        let from_ip = counts.per_ip.get(&ip).copied().unwrap_or(0);
        let over_total = counts.total >= self.max_total;
        let over_ip = self.max_per_ip.is_some_and(|cap| from_ip >= cap);
        let grace_total = counts.total >= self.max_total.saturating_mul(2);
        let grace_ip = self
            .max_per_ip
            .is_some_and(|cap| from_ip >= cap.saturating_mul(2));
        if grace_total || grace_ip {
            return None;
        }
        counts.total += 1;
        *counts.per_ip.entry(ip).or_insert(0) += 1;
        Some(Ticket {
            capacity: self.clone(),
            ip,
            admission: if over_total || over_ip {
                Admission::OverCapacity
            } else {
                Admission::Admitted
            },
        })
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut counts = self.capacity.counts();
        counts.total = counts.total.saturating_sub(1);
        if let Some(n) = counts.per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.per_ip.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_ip_cap_then_grace_then_refusal() {
        let capacity = Capacity::new(100, Some(2));
        let ip = IpAddr::from([127, 0, 0, 1]);
        let a = capacity.admit(ip).unwrap();
        let b = capacity.admit(ip).unwrap();
        assert_eq!(
            (a.admission, b.admission),
            (Admission::Admitted, Admission::Admitted)
        );
        let c = capacity.admit(ip).unwrap();
        let d = capacity.admit(ip).unwrap();
        assert_eq!(c.admission, Admission::OverCapacity);
        assert_eq!(d.admission, Admission::OverCapacity);
        assert!(
            capacity.admit(ip).is_none(),
            "past the grace band the socket is dropped"
        );
        let other = capacity.admit(IpAddr::from([127, 0, 0, 2])).unwrap();
        assert_eq!(
            other.admission,
            Admission::Admitted,
            "the cap is per address"
        );
        drop((a, b, c, d, other));
        assert_eq!(capacity.total(), 0);
        assert!(
            capacity.counts().per_ip.is_empty(),
            "no entry outlives its connections"
        );
    }

    #[test]
    fn relay_wide_cap_applies_to_every_address() {
        let capacity = Capacity::new(1, None);
        let _a = capacity.admit(IpAddr::from([10, 0, 0, 1])).unwrap();
        let b = capacity.admit(IpAddr::from([10, 0, 0, 2])).unwrap();
        assert_eq!(b.admission, Admission::OverCapacity);
    }
}
