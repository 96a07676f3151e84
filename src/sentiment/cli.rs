//! `hark sentiment`: score stdin line by line, or evaluate against a
//! ground-truth file. hark's main parses the arguments and calls these.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{format_contributions, metrics, Analyzer, Mode, SentimentConfig};

#[derive(Clone, Debug, Default, PartialEq, clap::Args)]
pub struct SentimentArgs {
    /// Scoring mode; defaults to `[sentiment] mode` from the config (social).
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// Append a third column with the tokens that contributed and by how much.
    #[arg(long)]
    pub explain: bool,
    /// Print Pearson r, 3-class accuracy and macro-F1 for a ground-truth file
    /// (`id<TAB>mean rating<TAB>text`) instead of reading stdin.
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

/// One text per input line -> `label<TAB>compound[<TAB>explanation]` per
/// output line, in order. A trailing `\r` is dropped, so CRLF input works.
pub fn run_stdin(
    args: &SentimentArgs,
    cfg: &SentimentConfig,
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
        if args.explain {
            let (s, rows) = analyzer.explain(text);
            writeln!(
                out,
                "{}\t{}\t{}",
                s.label,
                fmt_compound(s.scores.compound),
                format_contributions(&rows)
            )?;
        } else {
            let s = analyzer.analyze(text);
            writeln!(out, "{}\t{}", s.label, fmt_compound(s.scores.compound))?;
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
    let report = metrics::evaluate(&Analyzer::new(cfg), &items);
    writeln!(out, "mode\t{}", cfg.mode.as_str())?;
    write!(out, "{report}")?;
    Ok(())
}

/// Four decimals, never "-0.0000".
fn fmt_compound(c: f64) -> String {
    format!("{:.4}", if c == 0.0 { 0.0 } else { c })
}
