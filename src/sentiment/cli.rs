//! `hark sentiment`: score stdin line by line, or evaluate against a
//! ground-truth file. hark's main parses the arguments and calls these.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{format_contributions, metrics, Analyzer, Mode, SentimentConfig};
use crate::language::Languages;

#[derive(Clone, Debug, Default, PartialEq, clap::Args)]
pub struct SentimentArgs {
    /// Scoring mode; defaults to `[sentiment] mode` from the config (social).
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// Append columns: the tokens that contributed and by how much, the
    /// language, and the lexicon it was scored with.
    #[arg(long)]
    pub explain: bool,
    /// Score every line as this language (ISO 639-1, e.g. "es") instead of
    /// detecting it per line. A language hark has no lexicon for is unscored.
    #[arg(long, value_name = "CODE", value_parser = parse_lang)]
    pub lang: Option<String>,
    /// Print Pearson r, 3-class accuracy and macro-F1 for a ground-truth file
    /// (`id<TAB>mean rating<TAB>text`, or `id<TAB>mean<TAB>lang<TAB>text` with
    /// a per-language breakdown) instead of reading stdin.
    #[arg(long, value_name = "FILE")]
    pub eval: Option<PathBuf>,
    /// Rescore stored items with the current settings.
    #[arg(long)]
    pub rescore: bool,
}

impl SentimentArgs {
    /// The config with command-line overrides applied.
    pub fn effective_config(&self, cfg: &SentimentConfig) -> SentimentConfig {
        let mut cfg = cfg.clone();
        if let Some(mode) = self.mode {
            cfg.mode = mode;
        }
        cfg
    }
}

/// An ISO 639-1 code: two ASCII letters, stored lower case.
fn parse_lang(s: &str) -> Result<String, String> {
    let code = s.trim().to_ascii_lowercase();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(code)
    } else {
        Err(format!(
            "{s:?} is not a language code (use ISO 639-1 codes such as \"en\", \"es\")"
        ))
    }
}

/// Label column of a text whose language hark does not score.
pub const UNSCORED: &str = "unscored";

/// One text per input line -> `label<TAB>compound[<TAB>explanation<TAB>lang<TAB>lexicon]`
/// per output line, in order; the language is `--lang` or detected per line among
/// `langs`, and a text in a language without a lexicon prints `unscored<TAB>-`.
/// A trailing `\r` is dropped, so CRLF input works.
pub fn run_stdin(
    args: &SentimentArgs,
    cfg: &SentimentConfig,
    langs: &Languages,
    mut input: impl BufRead,
    out: impl Write,
) -> anyhow::Result<()> {
    let analyzer = Analyzer::new(&args.effective_config(cfg));
    let mut out = BufWriter::new(out);
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line).context("reading stdin")? == 0 {
            break;
        }
        let text = line.strip_suffix('\n').unwrap_or(&line);
        let text = text.strip_suffix('\r').unwrap_or(text);
        let lang = args.lang.as_deref().unwrap_or_else(|| langs.detect(text));
        if args.explain {
            match analyzer.explain_in(text, lang) {
                Some((s, rows)) => writeln!(
                    out,
                    "{}\t{}\t{}\t{lang}\t{}",
                    s.label,
                    fmt_compound(s.scores.compound),
                    format_contributions(&rows),
                    analyzer.lexicon_name(lang).unwrap_or("-"),
                )?,
                None => writeln!(out, "{UNSCORED}\t-\t\t{lang}\tnone")?,
            }
        } else {
            match analyzer.analyze_in(text, lang) {
                Some(s) => writeln!(out, "{}\t{}", s.label, fmt_compound(s.scores.compound))?,
                None => writeln!(out, "{UNSCORED}\t-")?,
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// Evaluate `cfg`'s analyzer on a ground-truth file and print the metrics as
/// `name<TAB>value` lines.
pub fn run_eval(path: &Path, cfg: &SentimentConfig, mut out: impl Write) -> anyhow::Result<()> {
    let content =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let items = metrics::parse_ground_truth(&content)
        .with_context(|| format!("parsing {}", path.display()))?;
    let analyzer = Analyzer::new(cfg);
    let report = metrics::evaluate(&analyzer, &items);
    writeln!(out, "mode\t{}", cfg.mode.as_str())?;
    write!(out, "{report}")?;
    for (lang, r) in metrics::evaluate_by_language(&analyzer, &items) {
        let scored = if analyzer.scores(&lang) {
            analyzer.lexicon_name(&lang).unwrap_or("-")
        } else {
            UNSCORED
        };
        writeln!(out, "{lang}.lexicon\t{scored}")?;
        for line in r.to_string().lines() {
            writeln!(out, "{lang}.{line}")?;
        }
    }
    Ok(())
}

/// Four decimals, never "-0.0000".
fn fmt_compound(c: f64) -> String {
    format!("{:.4}", if c == 0.0 { 0.0 } else { c })
}
