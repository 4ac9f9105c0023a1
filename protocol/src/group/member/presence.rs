//! Who is live on which connection (docs/PROTOCOL.md R.6), and the application messages that
//! reach the app.

use wire::MemberId;

use super::GroupMember;
use crate::body::Body;
use crate::group::body::GroupBody;
use crate::group::credential::MemberCredential;
use crate::group::join::PayloadError;
use crate::group::output::{GroupEvent, Output};
use crate::ids::{MsgId, SenderId};
use sha2::{Digest, Sha256};

impl GroupMember {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn application(
        &mut self,
        me: Option<(MemberId, SenderId)>,
        from: MemberId,
        sender: u32,
        epoch: u64,
        data: &[u8],
        now_ms: u64,
        output: &mut Output,
    ) -> Result<(), PayloadError> {
        let body = GroupBody::decode(data).map_err(|_| PayloadError)?;
        let credential = self
            .group
            .leaf(sender)
            .map(|l| l.credential.clone())
            .ok_or(PayloadError)?;
        let peer = self.peers.entry(sender).or_default();
        match &body {
            GroupBody::Hello { member_id, session } | GroupBody::Here { member_id, session } => {
                if *member_id != from.0 {
                    return Err(PayloadError);
                }
                let was = (peer.member_id, peer.online);
                peer.member_id = Some(from);
                peer.session = Some(*session);
                peer.online = true;
                peer.last_seen_ms = now_ms;
                if was != (Some(from), true) {
                    output.event(GroupEvent::MembersChanged);
                }
                // Answered once a connection: a Here goes by SEND_TO, and each moves this
                // member's ratchet on for everyone else unseen (receivers skip at most 1,024),
                // so Hellos repeated on one connection (an insider's flood) get nothing.
                if matches!(body, GroupBody::Hello { .. })
                    && was.0 != Some(from)
                    && let Some((me, session)) = me
                {
                    let here = self.seal(&GroupBody::Here {
                        member_id: me.0,
                        session,
                    })?;
                    output.send(Some(from), here);
                }
                return Ok(());
            }
            GroupBody::Heartbeat => {
                peer.last_seen_ms = now_ms;
                return Ok(());
            }
            GroupBody::Leave => {
                peer.online = false;
                output.event(GroupEvent::MembersChanged);
                return Ok(());
            }
            GroupBody::Chat(chat) => {
                // Shown once per author and id: another member reusing the id changes nothing.
                if !self.seen.insert(authored(&credential, chat.msg_id)) {
                    return Ok(());
                }
            }
            // Private conversations' set-up is the machine's (R.10).
            GroupBody::FileOffer { .. }
            | GroupBody::FileCtrl(_)
            | GroupBody::PrivateAsk { .. }
            | GroupBody::PrivateKeyPackage { .. }
            | GroupBody::PrivateWelcome { .. }
            | GroupBody::PrivateReset { .. } => {}
            // History goes to a newcomer alone, in a private conversation (R.12), never here.
            GroupBody::History(_) => return Ok(()),
        }
        let session = (peer.member_id == Some(from))
            .then_some(peer.session)
            .flatten();
        // Anything it says on the connection it announced shows it is there (a LEFT that the
        // relay made up does not hide a member who keeps talking).
        if peer.member_id == Some(from) {
            peer.last_seen_ms = now_ms;
            if !peer.online {
                peer.online = true;
                output.event(GroupEvent::MembersChanged);
            }
        }
        output.event(GroupEvent::Message {
            leaf: sender,
            from,
            session,
            epoch,
            credential,
            body,
        });
        Ok(())
    }

    pub(crate) fn left(&mut self, member: MemberId, output: &mut Output) {
        for peer in self.peers.values_mut() {
            if peer.member_id == Some(member) && peer.online {
                peer.online = false;
                output.event(GroupEvent::MembersChanged);
            }
        }
        self.answering.retain(|(n, _), _| *n != member);
        self.adds.retain(|a| a.newcomer != member);
    }
}

/// The id under which a chat is remembered as shown: its author's leaf identity and its msg_id.
fn authored(author: &MemberCredential, msg_id: MsgId) -> MsgId {
    let digest = Sha256::new()
        .chain_update(author.leaf_identity())
        .chain_update(msg_id.as_bytes())
        .finalize();
    let mut id = [0; 16];
    id.copy_from_slice(&digest[..16]);
    MsgId(id)
}
