//! Who is here: oneself (marked) and every member, online or offline; who is verified on this
//! device, and who uses a verified person's name with another key.

use leptos::prelude::*;
use protocol::verified::Standing;

use crate::room::views::MemberView;

/// What the person can do to another member, by the member's [`MemberView::peer`] key.
#[derive(Clone, Copy)]
pub struct MemberActions {
    /// Opens the verification view (by [`MemberView::key`]).
    pub verify: Callback<String>,
    /// Opens the private conversation.
    pub message: Callback<String>,
    /// Removes them from the room.
    pub remove: Callback<String>,
}

/// The member list. `verifying` is the member whose verification view is open.
#[component]
pub fn MemberList(
    members: RwSignal<Vec<MemberView>>,
    alone: RwSignal<bool>,
    verifying: RwSignal<Option<String>>,
    actions: MemberActions,
) -> impl IntoView {
    view! {
        <section class="panel members" aria-labelledby="members-title">
            <h2 id="members-title">"People"</h2>
            <ul class="member-list">
                <For
                    each=move || members.get()
                    key=|m| (m.key.clone(), m.online, m.name.clone(), m.tag.clone(), m.standing.clone(), m.unread)
                    let(member)
                >
                    <MemberEntry member=member verifying=verifying actions=actions />
                </For>
            </ul>
            <Show when=move || alone.get()>
                <p class="notice" data-testid="alone-notice">
                    "You are alone here. Share the invite to bring people in."
                </p>
            </Show>
        </section>
    }
}

/// One member's entry.
#[component]
fn MemberEntry(
    member: MemberView,
    verifying: RwSignal<Option<String>>,
    actions: MemberActions,
) -> impl IntoView {
    let is_verified = member.standing == Standing::Verified;
    let changed = match &member.standing {
        Standing::IdentityChanged { was } => Some(was.clone()),
        _ => None,
    };
    let is_changed = changed.is_some();
    let key = member.key.clone();
    let open = key.clone();
    let (message, remove) = (member.peer.clone(), member.peer.clone());
    let unread = member.unread;
    view! {
        <li
            class="member"
            class:offline=!member.online
            class:changed=is_changed
            data-testid="member"
            data-state=if member.online { "online" } else { "offline" }
            data-verified=is_verified.to_string()
        >
            <span class="dot" aria-hidden="true"></span>
            <span class="who">
                <span class="name">{member.name.clone()}</span>
                {member.tag.clone().map(|tag| view! {
                    <span class="key-tag" data-testid="member-key" title="Two people use this name: this is the start of this one's identity key">
                        {format!(" · {tag}")}
                    </span>
                })}
                {member.is_self.then(|| view! { <span class="you">" (you)"</span> })}
                {is_verified.then(|| view! {
                    <span class="verified-mark" data-testid="verified-mark" title="Verified on this device">
                        <span aria-hidden="true">"✓ "</span>"verified"
                    </span>
                })}
                <span class="sr-only">{if member.online { ", online" } else { ", offline" }}</span>
            </span>
            {(!member.is_self).then(|| view! {
                <span class="member-actions">
                    {(!member.is_mine).then(|| view! {
                        <button
                            class="button small"
                            type="button"
                            data-testid="verify-member"
                            aria-label=format!("Verify {}", member.name)
                            aria-expanded=move || (verifying.get().as_deref() == Some(key.as_str())).to_string()
                            on:click=move |_| actions.verify.run(open.clone())
                        >
                            "Verify"
                        </button>
                    })}
                    {(unread > 0).then(|| view! {
                        <span class="badge" data-testid="dm-unread" title="Unread private messages">{unread}</span>
                        <span class="sr-only">" unread private messages"</span>
                    })}
                    <button
                        class="button small"
                        type="button"
                        data-testid="dm-open"
                        aria-label=format!("Private conversation with {}", member.name)
                        on:click=move |_| actions.message.run(message.clone())
                    >
                        "Private"
                    </button>
                    <button
                        class="button small ghost remove"
                        type="button"
                        data-testid="remove-member"
                        aria-label=format!("Remove {} from the room", member.name)
                        on:click=move |_| actions.remove.run(remove.clone())
                    >
                        "Remove"
                    </button>
                </span>
            })}
            {changed.map(|was| view! {
                <p class="identity-changed" data-testid="identity-changed" role="alert">
                    <strong>"Not the person you verified. "</strong>
                    {format!(
                        "You verified someone called {was} with another key: this is someone else, \
                        or {was} with a new browser or cleared storage. Do not trust it until you \
                        verify again in person."
                    )}
                </p>
            })}
        </li>
    }
}
