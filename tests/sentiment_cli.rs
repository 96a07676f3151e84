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
