//! Verifying one member (docs/PROTOCOL.md I.4, I.5): the safety number both people compare, this
//! person's verification code for them (QR and text), the scanner for theirs, and the
//! confirmation. What a scanned code means is `protocol::verified::check_code`; who is verified
//! is kept by `browser::verified`.

use leptos::prelude::*;
use protocol::identity::SigningPublic;
use protocol::identity::safety::{VerificationCode, safety_number};
use protocol::qr_text::{QrText, parse_qr_text};
use protocol::verified::{Standing, check_code};

use crate::browser;
use crate::room::views::MemberView;
use crate::scan::code::CodeKind;
use crate::scan::panel::ScanPanel;
use crate::ui::copy_text::CopyText;
use crate::ui::focus::reveal_when_mounted;
use crate::ui::qr_code::QrCodeView;

/// What the last attempt came to (`data-state` of `verify-result`).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    /// Nothing tried yet.
    Idle,
    /// Verified now: how.
    Verified(&'static str),
    /// A code that verifies nobody: why, for the person.
    Refused(String),
}

/// Remembers `member` as verified on this device, under the name they chose, with their whole
/// identity (which makes them a contact for offline codes, docs/PROTOCOL.md I.6).
fn remember(member: &MemberView) {
    // The entry's own checked identity; its key is the one the number and codes were made from.
    if member.published.ik() != &member.identity {
        return;
    }
    let mut verified = browser::verified();
    verified.verify_identity(&member.published, &member.name);
    browser::save_verified(&verified);
}

/// Forgets that `ik` was verified on this device.
fn forget(ik: &SigningPublic) {
    let mut verified = browser::verified();
    if verified.forget(ik) {
        browser::save_verified(&verified);
    }
}

/// What a scanned text does for `member`: verifies them (`Ok`) or says why not.
fn scanned(text: &str, mine: &SigningPublic, member: &MemberView) -> Result<(), String> {
    match parse_qr_text(text) {
        Ok(QrText::Verification(code)) => check_code(&code, mine, &member.identity)
            .map_err(|why| format!("Not verified: {why}. Nothing was changed.")),
        _ => Err(format!(
            "That is not a verification code. {}",
            CodeKind::of(text).explain()
        )),
    }
}

/// The verification view for `member`. `on_verified` redraws the member list; `on_close`
/// closes the view.
#[component]
pub fn VerifyView(
    member: MemberView,
    on_verified: Callback<()>,
    on_close: Callback<()>,
) -> impl IntoView {
    let panel = NodeRef::<leptos::html::Section>::new();
    reveal_when_mounted(panel);
    let mine = *browser::identity().public().ik();
    let number = safety_number(&mine, &member.identity);
    let grouped = crate::ui::safety_number::grouped(&number);
    let code = VerificationCode {
        shown: mine,
        seen: member.identity,
    }
    .text();
    let name = member.name.clone();
    let verified = RwSignal::new(member.standing == Standing::Verified);
    let changed = match &member.standing {
        Standing::IdentityChanged { was } => Some(was.clone()),
        _ => None,
    };
    let outcome = RwSignal::new(Outcome::Idle);
    let ik = member.identity;
    let name_for_unverify = name.clone();
    let scanning = RwSignal::new(false);

    let confirm = {
        let member = member.clone();
        move |_| {
            remember(&member);
            verified.set(true);
            outcome.set(Outcome::Verified("You confirmed that the numbers match."));
            on_verified.run(());
        }
    };
    let on_read = {
        let member = member.clone();
        Callback::new(move |text: String| {
            scanning.set(false);
            match scanned(&text, &mine, &member) {
                Ok(()) => {
                    remember(&member);
                    verified.set(true);
                    outcome.set(Outcome::Verified("Their code matches the key you see."));
                    on_verified.run(());
                }
                Err(why) => outcome.set(Outcome::Refused(why)),
            }
        })
    };

    view! {
        <section class="panel verify" node_ref=panel aria-labelledby="verify-title" data-testid="verify-view">
            <div class="panel-head">
                <h2 id="verify-title">{format!("Verify {name}")}</h2>
                <button class="button ghost" data-testid="verify-close" on:click=move |_| on_close.run(())>
                    "Close"
                </button>
            </div>
            {changed.map(|was| view! {
                <p class="identity-warning" role="alert">
                    {format!(
                        "Careful: you verified someone called {was} with another key. This may be \
                        someone else using the name, or {was} with a new browser or cleared storage. \
                        Verify again only in person."
                    )}
                </p>
            })}
            <p class="verify-state" role="status" data-testid="verify-result" data-state=move || match outcome.get() {
                Outcome::Idle => if verified.get() { "verified" } else { "" },
                Outcome::Verified(_) => "verified",
                Outcome::Refused(_) => "refused",
            }>
                {
                    let name = name.clone();
                    move || match outcome.get() {
                        Outcome::Verified(how) => format!("✓ {name} is verified on this device. {how}"),
                        Outcome::Refused(why) => why,
                        Outcome::Idle if verified.get() => format!("✓ You verified {name} on this device."),
                        Outcome::Idle => format!("{name} is not verified yet."),
                    }
                }
            </p>
            <Show when=move || verified.get()>
                <p class="row">
                    <button class="button ghost" data-testid="unverify" on:click=move |_| {
                        forget(&ik);
                        verified.set(false);
                        outcome.set(Outcome::Idle);
                        on_verified.run(());
                    }>
                        {format!("Remove {name_for_unverify}'s verification")}
                    </button>
                    <span class="hint">"They stop being verified in every room, and stop being a contact for offline codes."</span>
                </p>
            </Show>

            <h3>"Compare the safety number"</h3>
            <p class="hint">{format!(
                "{name} sees the same number for you. Read it to each other, in person or on a call \
                you trust. If every digit matches, confirm."
            )}</p>
            <p class="safety-number mono" data-testid="safety-number" data-number=number.clone()>{grouped}</p>
            <button
                class="button primary"
                data-testid="mark-verified"
                disabled=move || verified.get()
                on:click=confirm
            >
                {format!("The numbers match: verify {name}")}
            </button>

            <h3>"Or scan each other's codes"</h3>
            <p class="hint">{format!("Let {name} scan this code, and scan theirs.")}</p>
            <QrCodeView text=code.clone() label=format!("Your verification code for {name}") testid="verify-qr" />
            <div class="row code-text">
                <p class="mono verify-text" data-testid="verify-text">{code.clone()}</p>
                <CopyText text=Signal::stored(code.clone()) testid="verify-copy" />
            </div>
            <button
                class="button"
                data-testid="scan-verify"
                aria-expanded=move || scanning.get().to_string()
                on:click=move |_| scanning.set(true)
            >
                {format!("Scan {name}'s code")}
            </button>
            <Show when=move || scanning.get()>
                <ScanPanel
                    title=format!("Scan {}'s verification code", member.name)
                    on_close=Callback::new(move |()| scanning.set(false))
                    on_read=on_read
                />
            </Show>
        </section>
    }
}
