//! The demo's brewing crisis as incidents (issue 25's "done when"), with the demo's own
//! config: the health-claim cluster is one incident holding every item the rule matched,
//! with one notice; the spike incident is titled with the drink's words and holds only
//! items that carry them; the report's "Look at" names it.

use std::process::Command;

use rusqlite::Connection;

fn hark(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hark"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_demo_crisis_is_a_few_incidents_not_a_pile_of_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    hark(&["demo", "--data-dir", data, "--no-tui"]);
    let conn = Connection::open(dir.path().join("hark.db")).unwrap();

    // Every item the health rule flagged sits in one incident, told in one notice.
    let flagged: i64 = conn
        .query_row(
            "SELECT count(DISTINCT item_id) FROM escalations WHERE source = 'rule:health or legal claim'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(flagged >= 8, "{flagged}");
    let (health, items, notices): (i64, i64, i64) = conn
        .query_row(
            "SELECT n.id, (SELECT count(*) FROM incident_items x WHERE x.incident_id = n.id),
                    (SELECT count(*) FROM notifications f WHERE f.incident_id = n.id)
             FROM incidents n WHERE n.topic = 'rule:health or legal claim'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(items, flagged);
    assert_eq!(
        notices, 1,
        "one notice for incident #{health}, not one per item"
    );

    // The spike is titled with the drink and holds only items that carry it.
    let (spike, title): (i64, String) = conn
        .query_row(
            "SELECT id, title FROM incidents WHERE topic LIKE 'spike:%'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(title.to_lowercase().contains("cold brew"), "{title}");
    let topic: String = conn
        .query_row("SELECT topic FROM incidents WHERE id = ?", [spike], |r| {
            r.get(0)
        })
        .unwrap();
    let terms: Vec<String> = topic["spike:".len()..]
        .split('|')
        .map(str::to_string)
        .collect();
    let bodies: Vec<String> = conn
        .prepare(
            "SELECT lower(i.body) FROM incident_items x JOIN items i ON i.id = x.item_id
             WHERE x.incident_id = ?",
        )
        .unwrap()
        .query_map([spike], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(bodies.len() >= 5, "{bodies:?}");
    for body in &bodies {
        assert!(
            terms.iter().any(|t| body.contains(t.as_str())),
            "{body} carries none of {terms:?}"
        );
    }

    // The report's "Look at" names the spike incident.
    let config = dir.path().join("empty.toml");
    std::fs::write(&config, "brand = \"Nimbus Coffee\"\n").unwrap();
    let today = hark::domain::now();
    let day = |t: i64| {
        jiff::Timestamp::from_second(t)
            .unwrap()
            .strftime("%Y-%m-%d")
            .to_string()
    };
    let report = hark(&[
        "--config",
        config.to_str().unwrap(),
        "--data-dir",
        data,
        "report",
        "--from",
        &day(today - 6 * 86_400),
        "--to",
        &day(today + 86_400),
        "--tz",
        "UTC",
    ]);
    let look_at = report.lines().find(|l| l.contains("**Look at:**")).unwrap();
    assert!(look_at.contains(&format!("#{spike}")), "{look_at}");
    assert!(report.contains("### Incidents"), "{report}");
}
