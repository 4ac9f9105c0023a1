//! A joined room, alive: the [`GroupConversation`] (all protocol logic, in the `protocol` crate:
//! the room's MLS group, docs/PROTOCOL.md part 2) wired to the [`RelayClient`], a clock tick,
//! `pagehide`, and the signals the room screen draws. The room owns its file side
//! ([`LiveFiles`]) and hands it the file events the conversation reports. Everything secret
//! stays inside the conversation; the signals hold only what is shown.
//!
//! JOIN goes out as soon as a socket opens. The identity signs a credential for each group the
//! member enters (R.2), which with WebCrypto keys is asynchronous: whenever the conversation
//! asks for a signature the room has it made, one at a time, and hands it back.
//!
//! When someone is removed the room moves to a new secret (R.8): the room reconnects to the new
//! room, and the invite it shows and remembers for a reload is the new one.

use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;
use protocol::conversation::ComposeError;
use protocol::entropy::SystemEntropy;
use protocol::group::conversation::{GroupChanges, GroupConversation};
use protocol::group::settings::RoomSettings;
use protocol::hex;
use protocol::ids::DeviceId;
use protocol::keys::RoomSecret;
use wire::{ErrorCode, RelayFrame};

use crate::browser::kept::Listed;
use crate::browser::{self, Store};
use crate::files::live::LiveFiles;
use crate::relay_client::{ClientEvent, Connection, RelayClient};
use crate::room::attention::Attention;
use crate::room::views::{LineView, MemberView};

mod draw;
pub mod keep;

/// How often presence timers run (heartbeats, renewals, the knock's timeouts).
const TICK: Duration = Duration::from_secs(1);
/// How long to wait before asking the identity again after a signature failed.
const CERTIFY_RETRY: Duration = Duration::from_secs(2);
/// How a failed signature is said (and recognised, to clear it once one succeeds).
const SIGN_FAILED: &str = "This browser's identity could not sign";

/// The connection as the person sees it (`data-state` of `connection-status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// In the room.
    Online,
    /// A socket is opening, or the member is joining the room's group.
    Connecting,
    /// No connection; a retry is scheduled.
    Offline,
    /// Someone removed this member: no connection, and none to come.
    Removed,
}

impl Status {
    /// The `data-state` value and CSS class.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Connecting => "connecting",
            Self::Offline => "offline",
            Self::Removed => "removed",
        }
    }
}

/// Why a message was not sent (said under the composer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// The room was left (its state is gone), or this member was removed from it.
    #[error("the room is closed")]
    Closed,
    /// Empty, too long, or to someone no longer here.
    #[error(transparent)]
    Compose(#[from] ComposeError),
}

/// Handles to a live room; `Copy`, so views and callbacks share it freely.
#[derive(Clone, Copy)]
pub struct LiveRoom {
    convo: StoredValue<GroupConversation, LocalStorage>,
    connection: Connection,
    /// A signature is being made, or one that failed is waiting to be asked for again: one at
    /// a time.
    signing: StoredValue<bool>,
    timer: StoredValue<Option<IntervalHandle>>,
    /// File transfers, both ways.
    pub files: LiveFiles,
    /// The room's secret now: the invite shown (it changes when the room moves).
    pub secret: RwSignal<Arc<RoomSecret>>,
    /// The chat log.
    pub lines: RwSignal<Vec<LineView>>,
    /// The member list, oneself first.
    pub members: RwSignal<Vec<MemberView>>,
    /// The private conversation open, by its peer's key ([`MemberView::peer`]).
    pub open_thread: RwSignal<Option<String>>,
    /// The open private conversation's lines.
    pub thread: RwSignal<Vec<LineView>>,
    /// The connection.
    pub status: RwSignal<Status>,
    /// Frames that failed to open and were dropped.
    pub dropped: RwSignal<u64>,
    /// Nobody else is online.
    pub alone: RwSignal<bool>,
    /// The latest thing to say to screen readers.
    pub announcement: RwSignal<String>,
    /// Why the relay refused us, if it did.
    pub refused: RwSignal<Option<String>>,
    /// This member was removed from the room: by whom, when known (`Some("")` if not).
    pub removed: RwSignal<Option<String>>,
    /// Unread messages and notifications while the page is hidden.
    pub attention: Attention,
    /// The room's kept id, while it is kept on this device (`keep.rs`).
    pub kept: RwSignal<Option<String>>,
    /// Bytes the kept room takes on disk, as last written.
    pub kept_size: RwSignal<usize>,
    /// A write of the kept room is scheduled.
    save_due: StoredValue<bool>,
    /// A write of the kept room is scheduled or under way (`data-saving` of the keep panel).
    pub saving: RwSignal<bool>,
    /// Room messages that arrived while the page was hidden, for the kept room's count.
    unseen: StoredValue<u32>,
    /// The room passes newcomers its recent history (its settings, R.12).
    pub history: RwSignal<bool>,
}

impl LiveRoom {
    /// Joins the room of `secret` as `name` from this tab's `device` and keeps the connection
    /// alive until the owner is cleaned up.
    /// What was `kept` of the room on this device comes back first.
    /// A group this member makes gets `settings` (the person's choice when making the room), or
    /// they are the room's as this tab held them before a reload (`held`).
    pub fn start(
        secret: &RoomSecret,
        name: &str,
        device: DeviceId,
        (kept, settings, held): (Option<Listed>, RoomSettings, bool),
    ) -> Self {
        let identity = browser::identity().public();
        let mut convo = GroupConversation::new(secret, name, device, identity);
        if held {
            convo.settle_settings(settings);
        } else {
            convo.choose_settings(settings);
        }
        let convo = StoredValue::new_local(convo);
        let connection = Connection::new();
        let announcement = RwSignal::new(String::new());
        let live = Self {
            convo,
            connection,
            signing: StoredValue::new(false),
            timer: StoredValue::new(None),
            files: LiveFiles::new(convo, connection, announcement),
            secret: RwSignal::new(Arc::new(secret.clone())),
            lines: RwSignal::new(Vec::new()),
            members: RwSignal::new(Vec::new()),
            open_thread: RwSignal::new(None),
            thread: RwSignal::new(Vec::new()),
            status: RwSignal::new(Status::Connecting),
            dropped: RwSignal::new(0),
            alone: RwSignal::new(false),
            announcement,
            refused: RwSignal::new(None),
            removed: RwSignal::new(None),
            attention: Attention::start(),
            kept: RwSignal::new(None),
            kept_size: RwSignal::new(0),
            save_due: StoredValue::new(false),
            saving: RwSignal::new(false),
            unseen: StoredValue::new(0),
            history: RwSignal::new(settings.history_for_newcomers),
        };
        live.restore(kept);
        live.connect();
        let timer = set_interval_with_handle(move || live.tick(), TICK).ok();
        live.timer.set_value(timer);
        let pagehide = window_event_listener(leptos::ev::pagehide, move |_| live.say_goodbye());
        // Someone verified in another tab (another room, say) is verified here too.
        // The unread count a kept room carries clears once the page shows.
        let shown = window_event_listener(leptos::ev::visibilitychange, move |_| live.shown());
        let verified = window_event_listener(leptos::ev::storage, move |ev| {
            if ev.key().as_deref() == Some(browser::VERIFIED_KEY) {
                live.refresh_members();
            }
        });
        on_cleanup(move || {
            pagehide.remove();
            shown.remove();
            verified.remove();
            live.save_now();
            live.stop();
        });
        live
    }

    /// Sends what the person typed to the room. Returns a message to show if it cannot be sent.
    pub fn send(&self, text: &str) -> Result<(), ChatError> {
        self.compose(|c| c.send(text, browser::now_ms(), &mut SystemEntropy))
    }

    /// Sends what the person typed to the member whose key is `peer` alone (R.10).
    pub fn send_private(&self, peer: &str, text: &str) -> Result<(), ChatError> {
        let leaf = self
            .members
            .with_untracked(|m| m.iter().find(|m| m.peer == peer).and_then(|m| m.leaf))
            .ok_or(ComposeError::NoOne)?;
        self.compose(|c| c.send_private(leaf, text, browser::now_ms(), &mut SystemEntropy))
    }

    fn compose(
        &self,
        send: impl FnOnce(&mut GroupConversation) -> Result<GroupChanges, ComposeError>,
    ) -> Result<(), ChatError> {
        if self.removed.get_untracked().is_some() {
            return Err(ChatError::Closed);
        }
        let changes = self
            .convo
            .try_update_value(send)
            .ok_or(ChatError::Closed)??;
        self.apply(changes);
        Ok(())
    }

    /// Opens the private conversation with the member whose key is `peer` (`None` closes it);
    /// what it holds is read now.
    pub fn open_thread(&self, peer: Option<String>) {
        self.open_thread.set(peer);
        self.refresh_members();
        self.save_soon();
    }

    /// The person removes the member whose key is `peer` from the room (R.8).
    pub fn remove(&self, peer: &str) {
        let leaf = self
            .members
            .with_untracked(|m| m.iter().find(|m| m.peer == peer).and_then(|m| m.leaf));
        if let Some(leaf) = leaf
            && let Some(changes) = self
                .convo
                .try_update_value(|c| c.remove(leaf, browser::now_ms()))
        {
            self.apply(changes);
        }
    }

    /// Leaves for good: a best-effort Leave, then the socket closes.
    pub fn leave(&self) {
        self.say_goodbye();
        self.stop();
    }

    fn say_goodbye(&self) {
        if let Some(Some(frame)) = self.convo.try_update_value(|c| c.leave_frame()) {
            self.connection.write(&[frame]);
        }
    }

    fn stop(&self) {
        if let Some(Some(timer)) = self.timer.try_update_value(Option::take) {
            timer.clear();
        }
        self.connection.stop();
    }

    /// A client for the room as the conversation now names it.
    fn connect(&self) {
        let live = *self;
        self.connection
            .set(RelayClient::start(move |event| live.on_client(event)));
    }

    fn on_client(&self, event: ClientEvent) {
        match event {
            ClientEvent::Opened => {
                self.status.set(Status::Connecting);
                if let Some(join) = self.convo.try_with_value(GroupConversation::join_frame) {
                    self.connection.write(&[join]);
                }
            }
            ClientEvent::Frame(bytes) => {
                let Ok(frame) = RelayFrame::decode(&bytes) else {
                    // Not a relay frame at all: counted with the payloads that failed.
                    self.convo.update_value(GroupConversation::unreadable_frame);
                    self.apply(GroupChanges::default());
                    return;
                };
                let welcome = match frame {
                    RelayFrame::Welcome { max_payload, .. } => {
                        self.connection.mark_healthy();
                        Some(max_payload)
                    }
                    RelayFrame::Left(member) => {
                        self.files.member_left(member);
                        None
                    }
                    _ => None,
                };
                let now = browser::now_ms();
                let Some(changes) = self
                    .convo
                    .try_update_value(|c| c.receive(frame, now, &mut SystemEntropy))
                else {
                    return;
                };
                // The session is drawn on WELCOME: the file side's chunks carry it.
                if let Some(max_payload) = welcome {
                    let (room_id, session) = self.convo.with_value(|c| (c.room_id(), c.session()));
                    self.files.welcomed(max_payload, room_id, session);
                }
                self.apply(changes);
            }
            ClientEvent::Closed => self.connection_lost(),
        }
    }

    /// The connection is gone: the conversation and the file side start over on the next.
    fn connection_lost(&self) {
        if let Some(changes) = self.convo.try_update_value(GroupConversation::disconnected) {
            if self.status.get_untracked() != Status::Removed {
                self.status.set(Status::Offline);
            }
            let session = self.convo.with_value(GroupConversation::session);
            self.files.connection_lost(session);
            self.apply(changes);
        }
    }

    /// Has the identity sign what the conversation asks for, one request at a time, until it
    /// asks for nothing more. A signature for a request that was replaced meanwhile is refused
    /// by the conversation and the current one is asked for. A failed signature is asked for
    /// again after [`CERTIFY_RETRY`].
    fn certify(&self) {
        if self.signing.try_get_value() != Some(false) {
            return;
        }
        let Some(Some(request)) = self
            .convo
            .try_with_value(|c| c.credential_request().cloned())
        else {
            return;
        };
        self.signing.set_value(true);
        let live = *self;
        leptos::task::spawn_local(async move {
            match browser::identity().sign(&request.statement).await {
                Ok(signature) => {
                    live.signing.try_set_value(false);
                    let now = browser::now_ms();
                    let certified = live.convo.try_update_value(|c| {
                        c.certify(&request, signature, now, &mut SystemEntropy)
                    });
                    if let Some(Ok(changes)) = certified {
                        // A failure said earlier is over.
                        let failed = live.refused.try_with_untracked(|r| {
                            r.as_deref().is_some_and(|r| r.starts_with(SIGN_FAILED))
                        });
                        if failed == Some(true) {
                            live.refused.set(None);
                        }
                        live.apply(changes);
                    }
                    // The next request, if any (or the current one, if this was stale).
                    live.certify();
                }
                Err(why) => {
                    // `try_set`: the room may have been left meanwhile.
                    live.refused
                        .try_set(Some(format!("{SIGN_FAILED}: {why}. Trying again…")));
                    // WebCrypto can fail for a moment (a busy or suspended page): ask again
                    // later, for as long as the room is open and the request stands.
                    set_timeout(
                        move || {
                            if live.signing.try_set_value(false).is_none() {
                                live.certify();
                            }
                        },
                        CERTIFY_RETRY,
                    );
                }
            }
        });
    }

    fn tick(&self) {
        let now = browser::now_ms();
        if let Some(changes) = self
            .convo
            .try_update_value(|c| c.tick(now, &mut SystemEntropy))
        {
            self.apply(changes);
        }
    }

    fn apply(&self, changes: GroupChanges) {
        self.connection.write(&changes.frames);
        let (ready, dropped, refused) = self
            .convo
            .with_value(|c| (c.machine().can_send(), c.dropped(), c.refused()));
        if ready {
            self.status.set(Status::Online);
        } else if changes.removed.is_some() {
            self.status.set(Status::Removed);
        } else if self.status.get_untracked() == Status::Online {
            self.status.set(Status::Connecting);
        }
        if dropped != self.dropped.get_untracked() {
            self.dropped.set(dropped);
        }
        self.refused.set(refused.map(refusal));
        if let Some(by) = changes.removed {
            self.removed.set(Some(by.unwrap_or_default()));
            // The old invite names a room the others have left: a reload goes home (R.8).
            browser::forget(Store::Tab, crate::app::ROOM_KEY);
            self.forget_kept();
            // Nothing more arrives: offers to us are withdrawn and transfers end.
            let session = self.convo.with_value(GroupConversation::session);
            self.files.connection_lost(session);
            self.announcement
                .set("You were removed from this room".into());
            self.stop();
        }
        // The file side first: a member who left has its transfers ended before the cards
        // are redrawn for the new member list.
        self.files.on_events(changes.files);
        if changes.members {
            self.refresh_members();
            self.files.offer_to_newcomers();
        } else {
            if changes.lines {
                self.refresh_lines();
            }
            if !changes.threads.is_empty() {
                self.refresh_members();
            }
        }
        self.announce_arrivals(
            changes.shared.as_ref(),
            changes.arrived.last(),
            changes.arrived_private.last(),
        );
        let arrived: Vec<_> = changes
            .arrived
            .iter()
            .chain(changes.arrived_private.iter().map(|(_, line)| line))
            .cloned()
            .collect();
        if !arrived.is_empty() {
            self.attention.arrived(&arrived);
        }
        self.arrived_unseen(changes.arrived.len());
        if changes.moved.is_some() {
            // The new secret is what a kept room must hold from now on.
            self.save_now();
        } else if changes.lines || changes.members || !changes.threads.is_empty() {
            self.save_soon();
        }
        if let Some(secret) = changes.moved {
            self.moved(secret);
        }
        if changes.sign {
            self.certify();
        }
    }

    /// Someone was removed and the room moved to `secret` (R.8): the invite shown and kept for
    /// a reload is the new room's, and the connection goes to it.
    fn moved(&self, secret: RoomSecret) {
        browser::save(
            Store::Tab,
            crate::app::ROOM_KEY,
            &hex::encode(secret.as_bytes()),
        );
        self.secret.set(Arc::new(secret));
        self.connection.stop();
        self.connection_lost();
        self.connect();
    }
}

fn refusal(code: ErrorCode) -> String {
    match code {
        ErrorCode::RoomFull => "This room is full.".into(),
        ErrorCode::AtCapacity => "The relay is at capacity; retrying.".into(),
        ErrorCode::PayloadTooLarge => "A message was too large for the relay.".into(),
        ErrorCode::TooSlow => "The connection was too slow; reconnecting.".into(),
        ErrorCode::UnsupportedVersion => "This relay speaks another protocol version.".into(),
        ErrorCode::Malformed | ErrorCode::Reserved => {
            "The relay refused a frame; reconnecting.".into()
        }
    }
}
