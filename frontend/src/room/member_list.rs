//! Who is here: oneself (marked) and every member, online or offline.

use leptos::prelude::*;

use crate::room::live::MemberView;

/// The member list.
#[component]
pub fn MemberList(members: RwSignal<Vec<MemberView>>, alone: RwSignal<bool>) -> impl IntoView {
    view! {
        <section class="panel members" aria-labelledby="members-title">
            <h2 id="members-title">"People"</h2>
            <ul class="member-list">
                <For
                    each=move || members.get()
                    key=|m| (m.key.clone(), m.online, m.name.clone(), m.tag.clone())
                    let(member)
                >
                    <li
                        class="member"
                        class:offline=!member.online
                        data-testid="member"
                        data-state=if member.online { "online" } else { "offline" }
                    >
                        <span class="dot" aria-hidden="true"></span>
                        <span class="name">{member.name.clone()}</span>
                        {member.tag.clone().map(|tag| view! {
                            <span class="key-tag" data-testid="member-key" title="Two people use this name: this is the start of this one's identity key">
                                {format!(" · {tag}")}
                            </span>
                        })}
                        {member.is_self.then(|| view! { <span class="you">" (you)"</span> })}
                        <span class="sr-only">{if member.online { ", online" } else { ", offline" }}</span>
                    </li>
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
