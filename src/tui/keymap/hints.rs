//! The bottom hint line: the active layer's most used keys, as bound, fitted to the
//! width by leaving out whole entries (least used first), never by cutting one.

use unicode_width::UnicodeWidthStr;

use super::{Action, Keymap, Layer};

/// The entries of `layer`'s hint line, most useful first: (commands, label). Several
/// commands share one entry ("j/k move"); `Canned(1)` stands for all nine.
fn entries(layer: Layer) -> &'static [(&'static [Action], &'static str)] {
    use Action::*;
    match layer {
        Layer::Inbox => &[
            (&[MoveDown, MoveUp], "move"),
            (&[OpenItem], "open"),
            (&[MarkDone], "done"),
            (&[Moderate], "moderate"),
            (&[Tag], "tag"),
            (&[Flag], "escalate"),
            (&[Search], "search"),
        ],
        Layer::Composer => &[
            (&[SendReply], "send"),
            (&[Close], "keep draft"),
            (&[Canned(1)], "canned"),
            (&[PickReply], "snippet"),
            (&[ExternalEditor], "$EDITOR"),
        ],
        Layer::Picker => &[
            (&[MoveDown, MoveUp], "move"),
            (&[Choose], "insert"),
            (&[Close], "close"),
        ],
        Layer::Outbox => &[
            (&[MoveDown, MoveUp], "move"),
            (&[Retry], "retry"),
            (&[CancelSend], "cancel"),
            (&[EditReply], "edit"),
            (&[ConfirmSent], "was sent"),
            (&[Close], "close"),
        ],
        Layer::Moderate => &[(&[Close], "cancel")],
        Layer::Confirm => &[(&[Yes], "yes · any other key: no")],
        Layer::Escalate => &[
            (&[Low], "low"),
            (&[High], "high"),
            (&[Critical], "critical"),
            (&[Close], "cancel"),
        ],
        Layer::Popup => &[
            (&[Submit], "save"),
            (&[Complete], "complete"),
            (&[MoveDown, MoveUp], "choose"),
            (&[Close], "cancel"),
        ],
        Layer::Prompt => &[(&[Submit], "go"), (&[Close], "cancel")],
        Layer::Help => &[
            (&[MoveDown, MoveUp], "scroll"),
            (&[PageDown], "page"),
            (&[Close], "close"),
        ],
    }
}

fn keys_text(keymap: &Keymap, layer: Layer, actions: &[Action]) -> String {
    match actions {
        [Action::Canned(_)] => keymap.canned_keys(layer),
        _ => actions
            .iter()
            .map(|a| keymap.key(layer, *a))
            .collect::<Vec<_>>()
            .join("/"),
    }
}

/// The hint line for `layer` in `width` columns. The help key stays last: it leads to
/// everything left out.
pub fn line(keymap: &Keymap, layer: Layer, width: usize) -> String {
    const GAP: &str = " · ";
    let help = (layer != Layer::Help)
        .then(|| format!("{} help", keymap.key(layer, Action::Help)))
        .filter(|_| !keymap.keys(layer, Action::Help).is_empty());
    let reserved = help.as_ref().map(|h| h.width() + GAP.width()).unwrap_or(0);
    let mut parts: Vec<String> = Vec::new();
    let mut used = 0;
    for (actions, label) in entries(layer) {
        let part = format!("{} {label}", keys_text(keymap, layer, actions));
        let extra = part.width() + if parts.is_empty() { 0 } else { GAP.width() };
        if used + extra + reserved > width {
            continue;
        }
        used += extra;
        parts.push(part);
    }
    if let Some(help) = help {
        if used + help.width() + if parts.is_empty() { 0 } else { GAP.width() } <= width {
            parts.push(help);
        }
    }
    parts.join(GAP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inbox_line_fits_80_columns_without_a_cut_word() {
        let map = Keymap::defaults();
        let line = line(&map, Layer::Inbox, 80);
        assert!(line.width() <= 80, "{line}");
        assert_eq!(
            line,
            "j/k move · enter open · d done · m moderate · t tag · ! escalate · ? help"
        );
        let wide = super::line(&map, Layer::Inbox, 160);
        assert_eq!(
            wide,
            "j/k move · enter open · d done · m moderate · t tag · ! escalate · / search · ? help"
        );
        assert!(line.ends_with("? help"), "{line}");
        let narrow = super::line(&map, Layer::Inbox, 30);
        assert!(narrow.width() <= 30, "{narrow}");
        assert!(narrow.ends_with("? help"), "{narrow}");
    }

    #[test]
    fn the_composer_line_shows_the_composers_keys() {
        let map = Keymap::defaults();
        assert_eq!(
            line(&map, Layer::Composer, 80),
            "ctrl-s send · esc keep draft · alt-1…9 canned · ctrl-p snippet · f1 help"
        );
        assert_eq!(
            line(&map, Layer::Composer, 120),
            "ctrl-s send · esc keep draft · alt-1…9 canned · ctrl-p snippet · ctrl-e $EDITOR · f1 help"
        );
    }
}
