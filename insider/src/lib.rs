//! What the insider's programs share: the room secret an invite link carries.

use anyhow::Context;
use protocol::invite::parse_invite_fragment;
use protocol::keys::RoomSecret;

/// The room secret in the fragment of `invite` (a whole invite link).
pub fn secret_of(invite: &str) -> anyhow::Result<RoomSecret> {
    let fragment = invite
        .find('#')
        .map(|at| &invite[at..])
        .context("the invite has no fragment")?;
    parse_invite_fragment(fragment).map_err(|err| anyhow::anyhow!("{err}"))
}
