//! Rooms in memory (PROTOCOL.md A): who is in which room, under a random member id unique in the
//! room. A room is created by its first JOIN and forgotten with its last member.
//!
//! Two levels of locks: the registry's (join and leave only) and each room's own (every frame),
//! so traffic in one room never waits for another.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use wire::{ErrorCode, MemberId, RelayFrame, RoomId};

use crate::outbox::Outbox;

/// The registry of rooms.
pub struct Rooms {
    rooms: Mutex<HashMap<RoomId, Arc<Room>>>,
    max_rooms: usize,
    max_members: usize,
}

/// One room: its members' outboxes.
pub struct Room {
    members: Mutex<HashMap<MemberId, Arc<Outbox>>>,
}

/// A member's place in a room, returned by [`Rooms::join`].
pub struct Membership {
    /// The room, kept so frames need not touch the registry.
    pub room: Arc<Room>,
    /// The room's id, to leave it later.
    pub room_id: RoomId,
    /// This member's id.
    pub id: MemberId,
    /// The other members at the time of joining, for WELCOME.
    pub others: Vec<MemberId>,
}

/// Why a JOIN was refused; each maps to an ERROR code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinError {
    /// ERROR 2.
    RoomFull,
    /// ERROR 5: no room for another room.
    AtCapacity,
}

impl From<JoinError> for ErrorCode {
    fn from(e: JoinError) -> Self {
        match e {
            JoinError::RoomFull => ErrorCode::RoomFull,
            JoinError::AtCapacity => ErrorCode::AtCapacity,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // No code holding these locks panics; a map is consistent after every statement.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A JOINED or LEFT frame: five bytes.
fn notice(frame: RelayFrame<'_>) -> Bytes {
    // Encoding fails only for WELCOME with more than u16::MAX members.
    Bytes::from(frame.encode().unwrap_or_default())
}

impl Rooms {
    /// An empty registry with these limits.
    pub fn new(max_rooms: usize, max_members: usize) -> Self {
        Self {
            rooms: Mutex::new(HashMap::new()),
            max_rooms,
            max_members,
        }
    }

    /// How many rooms exist now.
    pub fn len(&self) -> usize {
        lock(&self.rooms).len()
    }

    /// Whether no room exists.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a member whose frames go to `outbox`, telling the others (JOINED). Its WELCOME
    /// (advertising `max_payload`) is queued before the member becomes visible to anyone, so no
    /// DELIVER, JOINED or LEFT can overtake it (PROTOCOL.md A: WELCOME comes first).
    pub fn join(
        &self,
        room_id: RoomId,
        outbox: Arc<Outbox>,
        max_payload: u32,
    ) -> Result<Membership, JoinError> {
        let mut rooms = lock(&self.rooms);
        let at_capacity = rooms.len() >= self.max_rooms;
        let room = match rooms.get(&room_id) {
            Some(room) => room.clone(),
            None if at_capacity => return Err(JoinError::AtCapacity),
            None => {
                let room = Arc::new(Room {
                    members: Mutex::new(HashMap::new()),
                });
                rooms.insert(room_id, room.clone());
                room
            }
        };
        let mut members = lock(&room.members);
        if members.len() >= self.max_members {
            // A room is only created for a first member, so a full room is never a new one.
            return Err(JoinError::RoomFull);
        }
        let id = loop {
            let candidate = MemberId(fastrand::u32(..));
            if !members.contains_key(&candidate) {
                break candidate;
            }
        };
        let others: Vec<MemberId> = members.keys().copied().collect();
        let welcome = RelayFrame::Welcome {
            your_id: id,
            max_payload,
            members: std::borrow::Cow::Borrowed(&others),
        };
        // Fails only past u16::MAX members, which the configuration rules out.
        let welcome = welcome.encode().map_err(|_| JoinError::RoomFull)?;
        outbox.push(Bytes::from(welcome));
        let joined = notice(RelayFrame::Joined(id));
        for outbox in members.values() {
            outbox.push(joined.clone());
        }
        members.insert(id, outbox);
        drop(members);
        Ok(Membership {
            room,
            room_id,
            id,
            others,
        })
    }

    /// Removes a member, tells the others (LEFT), and forgets the room if it is now empty.
    pub fn leave(&self, membership: &Membership) {
        let mut rooms = lock(&self.rooms);
        let mut members = lock(&membership.room.members);
        if members.remove(&membership.id).is_none() {
            return;
        }
        if members.is_empty() {
            drop(members);
            rooms.remove(&membership.room_id);
            return;
        }
        let left = notice(RelayFrame::Left(membership.id));
        for outbox in members.values() {
            outbox.push(left.clone());
        }
    }
}

impl Room {
    /// Queues `frame` for every member but `from`; returns how many got it.
    pub fn broadcast(&self, from: MemberId, frame: &Bytes) -> usize {
        let members = lock(&self.members);
        members
            .iter()
            .filter(|(id, _)| **id != from)
            .filter(|(_, outbox)| outbox.push(frame.clone()))
            .count()
    }

    /// Queues `frame` for `to` if it is a member; returns whether it was queued.
    pub fn send_to(&self, to: MemberId, frame: Bytes) -> bool {
        let members = lock(&self.members);
        members.get(&to).is_some_and(|outbox| outbox.push(frame))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::Next;

    fn outbox() -> Arc<Outbox> {
        Arc::new(Outbox::new(16, 1 << 16))
    }

    #[tokio::test]
    async fn members_see_each_other_join_and_leave() {
        let rooms = Rooms::new(10, 10);
        let room = RoomId([7; 16]);
        let (a_box, b_box) = (outbox(), outbox());
        let a = rooms.join(room, a_box.clone(), 1 << 17).ok().unwrap();
        assert!(a.others.is_empty());
        let b = rooms.join(room, b_box.clone(), 1 << 17).ok().unwrap();
        assert_eq!(b.others, vec![a.id]);
        assert_ne!(a.id, b.id);
        // Each member's first frame is its WELCOME; a's next is b's JOINED.
        for (outbox, member) in [(&a_box, &a), (&b_box, &b)] {
            let Next::Frame(first) = outbox.next().await else {
                panic!("closed")
            };
            assert!(matches!(
                RelayFrame::decode(&first),
                Ok(RelayFrame::Welcome { your_id, .. }) if your_id == member.id
            ));
        }
        let joined = notice(RelayFrame::Joined(b.id));
        assert_eq!(a_box.next().await, Next::Frame(joined));

        let frame = Bytes::from_static(b"x");
        assert_eq!(a.room.broadcast(a.id, &frame), 1);
        assert_eq!(b_box.next().await, Next::Frame(frame.clone()));
        assert!(b.room.send_to(a.id, frame.clone()));
        assert!(!b.room.send_to(MemberId(a.id.0 ^ b.id.0 ^ 1), frame));

        rooms.leave(&b);
        let left = notice(RelayFrame::Left(b.id));
        assert_eq!(a_box.next().await, Next::Frame(Bytes::from_static(b"x")));
        assert_eq!(a_box.next().await, Next::Frame(left));
        assert_eq!(rooms.len(), 1);
        rooms.leave(&a);
        assert!(rooms.is_empty(), "a room disappears with its last member");
    }

    #[test]
    fn full_room_and_full_relay_are_refused() {
        let rooms = Rooms::new(1, 1);
        let _a = rooms.join(RoomId([1; 16]), outbox(), 1);
        assert_eq!(
            rooms.join(RoomId([1; 16]), outbox(), 1).err(),
            Some(JoinError::RoomFull)
        );
        assert_eq!(
            rooms.join(RoomId([2; 16]), outbox(), 1).err(),
            Some(JoinError::AtCapacity)
        );
    }
}
