//! X's weighted length against twitter-text's own conformance cases (the fixture names its
//! source and licence): every case's weighted length and validity, as X counts them.

use hark::replies::x_length;

#[derive(serde::Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    section: String,
    description: String,
    text: String,
    #[serde(rename = "weightedLength")]
    weighted_length: usize,
    valid: bool,
}

#[test]
fn every_twitter_text_weighted_case_counts_as_x_counts_it() {
    let fixture: Fixture =
        serde_json::from_str(include_str!("fixtures/x/twitter_text_weighted.json")).unwrap();
    assert!(fixture.cases.len() >= 20);
    let mut wrong = Vec::new();
    for case in &fixture.cases {
        let got = x_length::weigh(&case.text);
        if got.length != case.weighted_length || got.valid != case.valid {
            wrong.push(format!(
                "{} / {}: got {} (valid {}), expected {} (valid {})",
                case.section,
                case.description,
                got.length,
                got.valid,
                case.weighted_length,
                case.valid
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
