//! `hark sentiment` stdin and eval output formats.

use clap::Parser;
use hark::language::Languages;
use hark::sentiment::cli::{run_eval, run_stdin, SentimentArgs};
use hark::sentiment::{Mode, SentimentConfig};

#[derive(Parser)]
struct Cmd {
    #[command(flatten)]
    args: SentimentArgs,
}

fn stdin_output(argv: &[&str], input: &str) -> String {
    let args = Cmd::try_parse_from(std::iter::once("sentiment").chain(argv.iter().copied()))
        .unwrap()
        .args;
    let mut out = Vec::new();
    run_stdin(
        &args,
        &SentimentConfig::default(),
        &Languages::default(),
        input.as_bytes(),
        &mut out,
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn stdin_writes_label_tab_compound_per_line_in_order() {
    let out = stdin_output(
        &["--mode", "reference"],
        "VADER is smart, handsome, and funny.\r\nthe book\n\nThe book was not good\n",
    );
    assert_eq!(
        out,
        "positive\t0.8316\nneutral\t0.0000\nneutral\t0.0000\nnegative\t-0.3412\n"
    );
}

#[test]
fn stdin_defaults_to_the_configured_mode() {
    assert_eq!(stdin_output(&[], "thumbs 👍"), "positive\t0.4404\n");
    assert_eq!(
        stdin_output(&["--mode", "reference"], "thumbs 👍"),
        "neutral\t0.0000\n"
    );
}

#[test]
fn explain_adds_a_third_column() {
    let out = stdin_output(
        &["--mode", "reference", "--explain"],
        "The book was not good!\nthe book",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    let cols: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!(cols[..2], ["negative", "-0.4015"]);
    assert_eq!(cols[2], "good=-1.406 !?=-0.292");
    assert_eq!(cols[3..], ["en", "vader 3.3.2"]);
    assert_eq!(lines[1], "neutral\t0.0000\t\ten\tvader 3.3.2");
}

#[test]
fn args_parse_and_apply_mode_override() {
    let cmd = Cmd::try_parse_from([
        "sentiment",
        "--mode",
        "social",
        "--rescore",
        "--eval",
        "x.txt",
    ])
    .unwrap();
    assert!(cmd.args.rescore);
    assert_eq!(
        cmd.args.eval.as_deref(),
        Some(std::path::Path::new("x.txt"))
    );
    let cfg = SentimentConfig {
        mode: Mode::Reference,
        ..SentimentConfig::default()
    };
    assert_eq!(cmd.args.effective_config(&cfg).mode, Mode::Social);
    assert!(Cmd::try_parse_from(["sentiment", "--mode", "vibes"]).is_err());
}

#[test]
fn eval_prints_metrics_for_a_ground_truth_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gt.txt");
    std::fs::write(
        &path,
        "1\t2.5\tI love it\r\n2\t-3.0\tI hate it\r\n3\t0.1\tit is a chair",
    )
    .unwrap();
    let mut out = Vec::new();
    let cfg = SentimentConfig {
        mode: Mode::Reference,
        ..SentimentConfig::default()
    };
    run_eval(&path, &cfg, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    let get = |k: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}\t")))
            .unwrap()
            .to_string()
    };
    assert_eq!(get("mode"), "reference");
    assert_eq!(get("items"), "3");
    assert_eq!(get("accuracy_3class"), "1.0000");
    assert_eq!(get("macro_f1"), "1.0000");
    assert!(get("pearson_r").parse::<f64>().unwrap() > 0.9);
    assert!(run_eval(&dir.path().join("missing.txt"), &cfg, Vec::new()).is_err());
}

#[test]
fn eval_on_the_tweets_matches_the_published_reference_figures() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/sentiment/tweets_GroundTruth.txt");
    let mut out = Vec::new();
    let cfg = SentimentConfig {
        mode: Mode::Reference,
        ..SentimentConfig::default()
    };
    run_eval(&path, &cfg, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("items\t4200\n") && out.contains("pearson_r\t0.8722\n"),
        "{out}"
    );
    assert!(
        out.contains("accuracy_3class\t0.8236\n") && out.contains("macro_f1\t0.7024\n"),
        "{out}"
    );
}

#[test]
fn stdin_detects_the_language_per_line() {
    let out = stdin_output(
        &[],
        "Me encanta el nuevo café\nC'est une honte, toujours rien reçu\nlove it!!\n",
    );
    let labels: Vec<&str> = out.lines().map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(labels, ["positive", "negative", "positive"]);
}

#[test]
fn a_language_without_a_lexicon_prints_unscored() {
    assert_eq!(
        stdin_output(
            &[],
            "Mijn bestelling is nog steeds niet aangekomen, heel vervelend\n"
        ),
        "unscored\t-\n"
    );
    assert_eq!(
        stdin_output(&["--lang", "nl"], "love it!!\n"),
        "unscored\t-\n"
    );
    let out = stdin_output(&["--lang", "nl", "--explain"], "love it!!\n");
    assert_eq!(out, "unscored\t-\t\tnl\tnone\n");
}

#[test]
fn lang_overrides_detection_and_explain_names_language_and_lexicon() {
    // the example: read as English its mood is missed
    let text = "Seguimos igual, con fiebre los dos\n";
    assert!(!stdin_output(&["--lang", "en"], text).starts_with("negative\t"));
    assert!(stdin_output(&["--lang", "es"], text).starts_with("negative\t"));
    assert!(stdin_output(&[], text).starts_with("negative\t"));
    let out = stdin_output(
        &["--lang", "ES", "--explain"],
        "Me encanta, pero llegó roto\n",
    );
    let cols: Vec<&str> = out.trim_end().split('\t').collect();
    assert_eq!(cols[0], "negative");
    assert!(
        cols[2].contains("encanta=") && cols[2].contains("roto="),
        "{out}"
    );
    assert_eq!(cols[3..], ["es", "hark-es"]);
    let fr = stdin_output(&["--explain"], "Je suis très déçue de ma commande\n");
    assert!(
        fr.trim_end()
            .ends_with("\tfr\tvaderSentiment-fr 1.3.4 + hark-fr"),
        "{fr}"
    );
    assert!(Cmd::try_parse_from(["sentiment", "--lang", "spanish"]).is_err());
}

#[test]
fn eval_takes_a_language_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gt.tsv");
    std::fs::write(
        &path,
        "1\t2.0\tes\tMe encanta\n2\t-2.0\tfr\tC'est nul\n3\t-2.0\tes\tQué asco\n4\t0.0\tnl\tIk weet het niet\n",
    )
    .unwrap();
    let mut out = Vec::new();
    run_eval(&path, &SentimentConfig::default(), &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    for line in [
        "items\t4",
        "accuracy_3class\t1.0000",
        "es.lexicon\thark-es",
        "es.items\t2",
        "es.accuracy_3class\t1.0000",
        "fr.items\t1",
        "nl.lexicon\tunscored",
    ] {
        assert!(out.lines().any(|l| l == line), "{line} missing in\n{out}");
    }
}
