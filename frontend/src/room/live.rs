//! A joined room, alive: the [`Conversation`] (all protocol logic, in the `protocol` crate) wired
//! to the [`RelayClient`], a clock tick, `pagehide`, and the signals the room screen draws. The
//! room owns its file side ([`LiveFiles`]) and hands it the file events the conversation
//! reports. Everything secret stays inside the conversation; the signals hold only what is
//! shown.
//!
//! Each connection's session joins only once this browser's identity has certified it, which
//! with WebCrypto keys is asynchronous: the room asks for the signature as soon as a session is
//! made (at the start, and when a connection drops), and writes JOIN when both the socket is
//! open and the certificate is there, whichever comes last.

use std::time::Duration;

use crate::room::attention::Attention;
use leptos::prelude::*;
use protocol::conversation::{Changes, ComposeError, Conversation};
use protocol::days::{Day, DayLabel, separators};
use protocol::entropy::SystemEntropy;
use protocol::ids::DeviceId;
use protocol::keys::RoomSecret;
use protocol::room_io::SendError;
use protocol::verified::Standing;
use wire::{ErrorCode, RelayFrame};

use crate::browser;
use crate::files::live::LiveFiles;
use crate::relay_client::{ClientEvent, Connection, RelayClient};
use crate::room::views::{LineView, MemberView, line_view, member_key};

/// How often presence timers run (heartbeats, 60 s silence, the liveness buffer).
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
    /// A socket is opening or the handshake is under way.
    Connecting,
    /// No connection; a retry is scheduled.
    Offline,
}

impl Status {
    /// The `data-state` value and CSS class.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Connecting => "connecting",
            Self::Offline => "offline",
        }
    }
}

/// Why a message was not sent (said under the composer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// The room was left (its state is gone).
    #[error("the room is closed")]
    Closed,
    /// Empty, or too long.
    #[error(transparent)]
    Compose(#[from] ComposeError),
}

/// Where JOIN stands on the current socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Joining {
    /// No socket is open.
    Closed,
    /// A socket is open; JOIN waits for the session's certificate.
    Waiting,
    /// JOIN was written on this socket.
    Sent,
}

/// Handles to a live room; `Copy`, so views and callbacks share it freely.
#[derive(Clone, Copy)]
pub struct LiveRoom {
    convo: StoredValue<Conversation, LocalStorage>,
    connection: Connection,
    joining: StoredValue<Joining>,
    /// A signature is being made, or one that failed is waiting to be asked for again: one at
    /// a time, however often the connection drops meanwhile.
    signing: StoredValue<bool>,
    timer: StoredValue<Option<IntervalHandle>>,
    /// File transfers, both ways.
    pub files: LiveFiles,
    /// The chat log.
    pub lines: RwSignal<Vec<LineView>>,
    /// The member list, oneself first.
    pub members: RwSignal<Vec<MemberView>>,
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
    /// Unread messages and notifications while the page is hidden.
    pub attention: Attention,
}

impl LiveRoom {
    /// Joins the room of `secret` as `name` from this tab's `device` and keeps the connection
    /// alive until the owner is cleaned up.
    pub fn start(secret: &RoomSecret, name: &str, device: DeviceId) -> Result<Self, SendError> {
        let identity = browser::identity().public();
        let convo = Conversation::new(secret, name, device, identity, &mut SystemEntropy)?;
        let convo = StoredValue::new_local(convo);
        let connection = Connection::new();
        let announcement = RwSignal::new(String::new());
        let live = Self {
            convo,
            connection,
            joining: StoredValue::new(Joining::Closed),
            signing: StoredValue::new(false),
            timer: StoredValue::new(None),
            files: LiveFiles::new(convo, connection, announcement),
            lines: RwSignal::new(Vec::new()),
            members: RwSignal::new(Vec::new()),
            status: RwSignal::new(Status::Connecting),
            dropped: RwSignal::new(0),
            alone: RwSignal::new(false),
            announcement,
            refused: RwSignal::new(None),
            attention: Attention::start(),
        };
        live.certify();
        live.connection
            .set(RelayClient::start(move |event| live.on_client(event)));
        let timer = set_interval_with_handle(move || live.tick(), TICK).ok();
        live.timer.set_value(timer);
        let pagehide = window_event_listener(leptos::ev::pagehide, move |_| live.say_goodbye());
        // Someone verified in another tab (another room, say) is verified here too.
        let verified = window_event_listener(leptos::ev::storage, move |ev| {
            if ev.key().as_deref() == Some(browser::VERIFIED_KEY) {
                live.refresh_members();
            }
        });
        on_cleanup(move || {
            pagehide.remove();
            verified.remove();
            live.stop();
        });
        Ok(live)
    }

    /// Sends what the person typed. Returns a message to show if it cannot be sent.
    pub fn send(&self, text: &str) -> Result<(), ChatError> {
        let changes = self
            .convo
            .try_update_value(|c| c.send(text, browser::now_ms(), &mut SystemEntropy))
            .ok_or(ChatError::Closed)??;
        self.apply(changes);
        Ok(())
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

    fn on_client(&self, event: ClientEvent) {
        match event {
            ClientEvent::Opened => {
                self.status.set(Status::Connecting);
                self.joining.set_value(Joining::Waiting);
                self.join_when_certified();
            }
            ClientEvent::Frame(bytes) => {
                let Ok(frame) = RelayFrame::decode(&bytes) else {
                    // Not a relay frame at all: counted with the envelopes that failed.
                    self.convo.update_value(Conversation::unreadable_frame);
                    self.apply(Changes::default());
                    return;
                };
                if matches!(frame, RelayFrame::Welcome { .. }) {
                    self.connection.mark_healthy();
                }
                let now = browser::now_ms();
                if let Some(changes) = self
                    .convo
                    .try_update_value(|c| c.receive(frame, now, &mut SystemEntropy))
                {
                    self.apply(changes);
                }
            }
            ClientEvent::Closed => {
                self.joining.set_value(Joining::Closed);
                if let Some(changes) = self
                    .convo
                    .try_update_value(|c| c.disconnected(&mut SystemEntropy))
                {
                    self.status.set(Status::Offline);
                    self.apply(changes);
                    // The next connection's session, signed while the socket reopens.
                    self.certify();
                }
            }
        }
    }

    /// Has the identity sign the current session's certificate, if it lacks one, then joins if
    /// a socket is waiting for it. A signature that arrives after its session was replaced (the
    /// connection dropped meanwhile) is refused by the conversation and changes nothing. A
    /// failed signature is asked for again after [`CERTIFY_RETRY`].
    fn certify(&self) {
        if self.signing.try_get_value() != Some(false) {
            return;
        }
        let Some(Some(request)) = self.convo.try_with_value(Conversation::certificate_request)
        else {
            return;
        };
        self.signing.set_value(true);
        let live = *self;
        leptos::task::spawn_local(async move {
            match browser::identity().sign(request.statement()).await {
                Ok(signature) => {
                    live.signing.try_set_value(false);
                    let certified = live
                        .convo
                        .try_update_value(|c| c.certify(&request, signature).is_ok());
                    match certified {
                        Some(true) => {
                            // A failure said earlier is over.
                            let failed = live.refused.try_with_untracked(|r| {
                                r.as_deref().is_some_and(|r| r.starts_with(SIGN_FAILED))
                            });
                            if failed == Some(true) {
                                live.refused.set(None);
                            }
                            live.join_when_certified();
                        }
                        // The session was replaced while signing: sign the current one.
                        Some(false) => live.certify(),
                        None => {}
                    }
                }
                Err(why) => {
                    // `try_set`: the room may have been left meanwhile.
                    live.refused
                        .try_set(Some(format!("{SIGN_FAILED}: {why}. Trying again…")));
                    // WebCrypto can fail for a moment (a busy or suspended page): ask again
                    // later, for as long as the room is open and the session uncertified.
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

    /// Writes JOIN if a socket waits for it and the session has its certificate.
    fn join_when_certified(&self) {
        if self.joining.try_get_value() != Some(Joining::Waiting) {
            return;
        }
        // Without a certificate yet, `certify` comes back here once it has one.
        if let Some(Some(join)) = self.convo.try_with_value(Conversation::join_frame) {
            self.joining.set_value(Joining::Sent);
            self.connection.write(&[join]);
        }
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

    fn apply(&self, changes: Changes) {
        self.connection.write(&changes.frames);
        let (welcomed, dropped, refused) = self
            .convo
            .with_value(|c| (c.is_welcomed(), c.dropped(), c.refused()));
        if welcomed {
            self.status.set(Status::Online);
        }
        if dropped != self.dropped.get_untracked() {
            self.dropped.set(dropped);
        }
        self.refused.set(refused.map(refusal));
        // The file side first: a member who left has its transfers ended before the cards
        // are redrawn for the new member list.
        self.files.on_events(changes.files);
        if changes.members {
            self.refresh_members();
            self.files.offer_to_newcomers();
        } else if changes.lines {
            self.refresh_lines();
        }
        if let Some(last) = changes.arrived.last() {
            self.announcement
                .set(format!("{} says: {}", last.author, last.text));
            self.attention.arrived(&changes.arrived);
        }
    }

    /// Redraws the chat log, each author marked as the member list shows them.
    fn refresh_lines(&self) {
        let members = self.members.get_untracked();
        let today = browser::local_day(browser::now_ms());
        let (mut lines, days) = self.convo.with_value(|c| {
            let lines = c.lines();
            let days: Vec<Day> = lines
                .iter()
                .map(|l| browser::local_day(l.sent_at_ms))
                .collect();
            let views = lines
                .iter()
                .map(|line| line_view(line, &members))
                .collect::<Vec<_>>();
            (views, days)
        });
        for (line, label) in lines.iter_mut().zip(separators(&days, today)) {
            line.day = label.map(|label| match label {
                DayLabel::Today => "Today".to_owned(),
                DayLabel::Yesterday => "Yesterday".to_owned(),
                DayLabel::On(day) => browser::day_name(day, today.year),
            });
        }
        self.lines.set(lines);
    }

    /// Redraws the member list (also after someone was verified).
    pub fn refresh_members(&self) {
        let mut verified = browser::verified();
        let mine = *browser::identity().public().ik();
        let (members, alone) = self.convo.with_value(|c| {
            let members = c.members();
            // Someone verified by key alone (an earlier version) is known whole once met.
            let learnt = members
                .iter()
                .fold(false, |learnt, m| verified.learn(&m.published) | learnt);
            if learnt {
                browser::save_verified(&verified);
            }
            let tags = protocol::room_io::name_tags(&members);
            let members = members
                .into_iter()
                .zip(tags)
                .map(|(m, tag)| MemberView {
                    key: member_key(m.member_id, m.sender),
                    published: m.published,
                    is_mine: m.is_self || m.identity == mine,
                    standing: if m.is_self || m.identity == mine {
                        Standing::Unverified
                    } else {
                        verified.standing(&m.identity, &m.name)
                    },
                    name: m.name,
                    tag,
                    online: m.online,
                    is_self: m.is_self,
                    identity: m.identity,
                })
                .collect::<Vec<_>>();
            (members, c.alone())
        });
        let before: Vec<(String, bool)> = self
            .members
            .get_untracked()
            .into_iter()
            .filter(|m| !m.is_self)
            .map(|m| (m.name, m.online))
            .collect();
        for member in members.iter().filter(|m| !m.is_self) {
            let was = before
                .iter()
                .find(|(n, _)| *n == member.name)
                .map(|(_, o)| *o);
            if was != Some(member.online) {
                let state = if member.online { "is here" } else { "left" };
                self.announcement.set(format!("{} {state}", member.name));
            }
        }
        self.members.set(members);
        self.alone.set(alone);
        // Authors are marked as members are: a verification or a new name tag shows there too.
        self.refresh_lines();
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
