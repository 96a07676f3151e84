//! `hark sentiment`: score stdin, evaluate a ground truth, or rescore the cache.

use crate::workspace::Workspace;

pub fn run_sentiment(
    workspace: &Workspace,
    args: &crate::sentiment::cli::SentimentArgs,
) -> anyhow::Result<()> {
    use crate::sentiment::{cli, Analyzer};
    let settings = args.effective_config(&workspace.config.sentiment_settings());
    if args.rescore {
        let writer = workspace.open_store()?;
        let analyzer = Analyzer::new(&settings);
        let spinner = super::progress::spinner("rescoring the cache");
        let languages = workspace.config.languages.languages()?;
        let done = writer.handle().call_blocking(move |conn| {
            crate::store::sentiment::rescore(conn, &analyzer, &languages)
        })?;
        spinner.finish_and_clear();
        println!(
            "rescored {} items: {} automatic labels changed, {} languages detected for the first time; labels and languages you set are untouched",
            done.scored, done.changed, done.languages_filled
        );
        return Ok(());
    }
    let stdout = std::io::stdout();
    match &args.eval {
        Some(file) => cli::run_eval(file, &settings, stdout.lock()),
        None => {
            // every language whatlang knows, English primary, until `[languages]` is configured
            let langs = crate::language::Languages::default();
            cli::run_stdin(
                args,
                &settings,
                &langs,
                std::io::stdin().lock(),
                stdout.lock(),
            )
        }
    }
}
