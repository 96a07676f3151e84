use super::*;

fn room(id: &str, alias: &str) -> Room {
    Room {
        id: id.into(),
        alias: Some(alias.into()),
        ..Room::default()
    }
}

fn said<'a>(room: &'a Room, body: &'a str) -> Message<'a> {
    Message {
        room: Some(room),
        body,
        ..Message::default()
    }
}

fn watch(toml: &str) -> Watch {
    toml::from_str(toml).unwrap()
}

#[test]
fn in_a_mentions_room_only_mentions_and_the_brands_threads_become_items() {
    let w = Watch::default();
    let general = room("!g:ex.org", "#general:ex.org");
    assert_eq!(
        w.classify(&said(&general, "lunch anyone?"), &["brand"]),
        None
    );
    assert_eq!(
        w.classify(
            &said(&general, "hey @brand:ex.org, is it vegan?"),
            &["@brand:ex.org"]
        ),
        Some(ItemKind::Mention)
    );
    let pinged = Message {
        mentions_account: true,
        ..said(&general, "Brand Bot: help")
    };
    assert_eq!(w.classify(&pinged, &[]), Some(ItemKind::Mention));
    let in_thread = Message {
        in_own_thread: true,
        ..said(&general, "still broken")
    };
    assert_eq!(w.classify(&in_thread, &[]), Some(ItemKind::Comment));
    let own = Message {
        own: true,
        ..said(&general, "we are on it")
    };
    assert_eq!(w.classify(&own, &[]), Some(ItemKind::Post));
}

#[test]
fn brand_names_count_as_mentions_only_as_whole_words() {
    let w = watch(r#"names = ["Nimbus Coffee", "nimbus"]"#);
    let r = room("!g:ex.org", "#general:ex.org");
    assert_eq!(
        w.classify(&said(&r, "NIMBUS coffee burnt my tongue"), &[]),
        Some(ItemKind::Mention)
    );
    assert_eq!(
        w.classify(&said(&r, "(nimbus)"), &[]),
        Some(ItemKind::Mention)
    );
    assert_eq!(w.classify(&said(&r, "nimbuses are clouds"), &[]), None);
    assert_eq!(w.classify(&said(&r, "cumulonimbus"), &[]), None);
}

#[test]
fn per_room_modes_make_a_help_desk_owe_every_answer_and_a_community_room_readable() {
    let w = watch(
        r##"
rooms = ["#help:ex.org", "#general:ex.org", "#team-*:ex.org"]
[modes]
"#help:ex.org" = "support"
"#general:ex.org" = "all"
"##,
    );
    let help = room("!h:ex.org", "#help:ex.org");
    let general = room("!g:ex.org", "#general:ex.org");
    let team = room("!t:ex.org", "#team-eu:ex.org");
    let other = room("!o:ex.org", "#random:ex.org");
    assert_eq!(
        w.classify(&said(&help, "my order never came"), &[]),
        Some(ItemKind::Mention)
    );
    assert_eq!(
        w.classify(&said(&general, "nice day"), &[]),
        Some(ItemKind::Comment)
    );
    assert_eq!(
        w.classify(&said(&team, "nice day"), &[]),
        None,
        "mentions only"
    );
    assert_eq!(
        w.classify(&said(&other, "@brand:ex.org help"), &["@brand:ex.org"]),
        None,
        "not a watched room"
    );
    let dm = Room {
        direct: true,
        ..room("!d:ex.org", "")
    };
    assert_eq!(
        w.classify(&said(&dm, "hi"), &[]),
        Some(ItemKind::Dm),
        "DMs always"
    );
}

#[test]
fn ignored_rooms_stay_quiet_even_when_all_rooms_are_watched() {
    let w = watch(r##"ignore = ["#off-topic*"]"##);
    let off = room("!o:ex.org", "#off-topic:ex.org");
    assert!(!w.watches(&off));
    assert!(w.watches(&room("!x:ex.org", "#anything:ex.org")));
    let named = Room {
        name: Some("Support".into()),
        ..room("!s:ex.org", "#s:ex.org")
    };
    assert!(named.matches("support"), "names match ignoring case");
    assert_eq!(named.label(), "#s:ex.org");
}

#[test]
fn an_unknown_mode_or_key_is_refused() {
    assert!(toml::from_str::<Watch>(r#"mode = "loud""#).is_err());
    assert!(toml::from_str::<Watch>(r##"room = ["#a"]"##).is_err());
}

#[test]
fn a_chat_section_belongs_to_a_chat_account_and_a_matrix_account_names_its_server_and_user() {
    use crate::platform::account::{validate, AccountConfig};
    let parse = |t: &str| toml::from_str::<AccountConfig>(t).unwrap();
    let matrix = parse(
        "name = \"mx\"\nplatform = \"matrix\"\nserver = \"https://m.ex.org\"\nhandle = \"@b:ex.org\"\n[chat]\nrooms = [\"#help:ex.org\"]",
    );
    assert!(validate(&[matrix]).is_ok());
    let masto = parse(
        "name = \"m\"\nplatform = \"mastodon\"\nserver = \"https://ex.social\"\n[chat]\nmode = \"all\"",
    );
    let err = validate(&[masto]).unwrap_err();
    assert!(
        err.contains("[account.chat] is for chat platforms (matrix)"),
        "{err}"
    );
    let bare = parse("name = \"mx\"\nplatform = \"matrix\"");
    assert!(validate(&[bare]).unwrap_err().contains("needs `server`"));
}

#[test]
fn a_watched_space_watches_its_rooms_and_only_them() {
    let w = watch(
        r##"spaces = ["#community:ex.org"]
rooms = ["#extra:ex.org"]
ignore = ["#community-staff:ex.org"]"##,
    );
    let inside = Room {
        groups: vec!["#community:ex.org".into()],
        ..room("!a:ex.org", "#faq:ex.org")
    };
    assert!(w.watches(&inside));
    assert!(
        w.watches(&room("!e:ex.org", "#extra:ex.org")),
        "listed rooms too"
    );
    assert!(
        !w.watches(&room("!o:ex.org", "#other:ex.org")),
        "outside the space"
    );
    // A room of the staff sub-space is in both spaces.
    let staff = Room {
        groups: vec!["#community:ex.org".into(), "#community-staff:ex.org".into()],
        ..inside.clone()
    };
    assert!(!w.watches(&staff), "an ignored sub-space stays quiet");
}
