//! Where file cards sit in the conversation: each after the line that was the newest when its
//! file was shared, as messengers show files among messages.

use protocol::transfers::FileView;

/// Where a file's card sits in the conversation: after the line that was the newest when the
/// file was shared, as messengers show files among messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// The card's key.
    pub file: String,
    /// The key of the line it follows (`None`: before every line).
    pub after: Option<String>,
    /// Who shared it ("You" for one's own).
    pub author: String,
    /// Local time it was shared, HH:MM.
    pub time: String,
    /// One's own file.
    pub mine: bool,
}

/// The placements for `views`: kept for cards still there, new cards after the line `after`
/// (the newest now) at local time `time`, dismissed cards gone.
pub fn update(
    placed: Vec<Placement>,
    views: &[FileView],
    after: Option<String>,
    time: &str,
) -> Vec<Placement> {
    let fresh: Vec<Placement> = views
        .iter()
        .filter(|v| !placed.iter().any(|p| p.file == v.key))
        .map(|v| Placement {
            file: v.key.clone(),
            after: after.clone(),
            author: v.author.clone(),
            time: time.to_owned(),
            mine: v.outgoing,
        })
        .collect();
    let mut next: Vec<Placement> = placed
        .into_iter()
        .filter(|p| views.iter().any(|v| v.key == p.file))
        .collect();
    next.extend(fresh);
    next
}
