//! The panes a CM lives in, driven in a real 80x24 terminal (tmux) on `hark demo`: a long
//! reply with warnings; a snooze of one real minute; an author and a note on them. Needs tmux on the PATH (`.ci/run` installs it).

mod support;
use support::tmux::Tmux;

fn demo(name: &str) -> (tempfile::TempDir, Tmux) {
    let dir = tempfile::tempdir().unwrap();
    let command = format!(
        "{} demo --data-dir {}",
        env!("CARGO_BIN_EXE_hark"),
        dir.path().display()
    );
    let tmux = Tmux::start(name, 80, 24, &command);
    tmux.wait_for("the demo inbox", |s| {
        s.contains("Inbox ·") && s.contains("Nimbus Coffee")
    });
    tmux.wait_for("the item pane", |s| s.contains("author "));
    (dir, tmux)
}

#[test]
fn a_reply_longer_than_the_text_area_keeps_its_end_and_the_send_anyway_prompt_in_view() {
    let (_dir, tmux) = demo("composer");
    // While the list reloads under a burst of arrivals the key can find no item.
    for _ in 0..5 {
        tmux.keys(&["r"]);
        if tmux.shows_within(4, |s| s.contains("ctrl-s send")) {
            break;
        }
    }
    tmux.wait_for("an empty composer", |s| s.contains("ctrl-s send"));
    // Off-brand, shouting and over any limit: several warnings whatever the item is.
    let long = "Unfortunately your parcel is LOST somewhere between the roastery and your \
        door. We have asked the courier to trace it, and if it does not turn up by Friday we \
        will send a fresh bag of the same roast at no cost, with a little extra for the wait. \
        Could you confirm the delivery address you gave us is still right? If you would rather \
        have a refund, say so and it goes back to your card the same day; either way you hear \
        from us before the weekend, and the courier's reference is in the email we sent this \
        morning. Some more words so that no network takes it in one post: the quick brown fox \
        jumps over the lazy dog, again and again, and once more for luck. END-OF-REPLY";
    tmux.text(long);
    tmux.wait_for("the end of the text", |s| s.contains("END-OF-REPLY"));
    tmux.keys(&["C-s"]);
    let screen = tmux.wait_for("the send-anyway prompt", |s| {
        s.contains("again sends anyway") && s.contains("END-OF-REPLY")
    });
    assert!(screen.contains("⚠ "), "{screen}");
    assert!(screen.contains("lines above"), "{screen}");
    // An edit withdraws it, and says so.
    tmux.text("!");
    tmux.wait_for("the withdrawn prompt", |s| {
        s.contains("send-anyway withdrawn") && !s.contains("again sends anyway")
    });
}

/// A view's count in the sidebar.
fn view_count(screen: &str, view: &str) -> Option<u64> {
    screen.lines().find_map(|line| {
        let inner = line.trim_start_matches(['│', '┃']);
        let rest = inner.strip_prefix(view)?.strip_prefix(' ')?;
        let number: String = rest
            .chars()
            .take_while(|c| *c != '│' && *c != '┃')
            .filter(|c| c.is_ascii_digit())
            .collect();
        number.parse().ok()
    })
}

/// On the real clock (no injected time): snoozed for one minute, the item is in Snoozed,
/// then back as new within the next wake check (every 5 seconds).
#[test]
fn an_item_snoozed_for_a_minute_leaves_the_inbox_and_comes_back() {
    let (_dir, tmux) = demo("snooze");
    for _ in 0..5 {
        tmux.keys(&["z"]);
        if tmux.shows_within(4, |s| s.contains("until ━") || s.contains("Snooze 1 item")) {
            break;
        }
    }
    tmux.wait_for("the snooze popup", |s| s.contains("Snooze 1 item"));
    tmux.text("1m");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the snoozed message", |s| {
        s.contains("1 item snoozed until")
    });
    tmux.wait_for("one item in Snoozed", |s| {
        view_count(s, "Snoozed") == Some(1)
    });
    assert!(
        tmux.shows_within(90, |s| view_count(s, "Snoozed") == Some(0)),
        "the item did not come back:\n{}",
        tmux.screen()
    );
}

#[test]
fn p_opens_the_author_and_p_upper_adds_a_note_on_them() {
    let (_dir, tmux) = demo("author");
    for _ in 0..5 {
        tmux.keys(&["p"]);
        if tmux.shows_within(4, |s| s.contains("every item")) {
            break;
        }
    }
    tmux.wait_for("the author view and card", |s| {
        s.contains("every item") && s.contains("┌ Author") && s.contains(" open")
    });
    tmux.keys(&["P"]);
    tmux.wait_for("the note popup", |s| s.contains("Note on the author"));
    tmux.text("prefers a DM");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the note on the card", |s| {
        s.contains("✎ just now · prefers a DM")
    });
}
