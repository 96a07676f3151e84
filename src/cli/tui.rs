//! `hark` with no subcommand: the inbox.

use super::runtime;
use crate::outbox::worker;
use crate::platform;
use crate::tui::keymap::Keymap;
use crate::tui::model::Model;
use crate::workspace::Workspace;
use tokio::sync::mpsc;

pub fn run_tui(workspace: Workspace) -> anyhow::Result<()> {
    // Before anything starts: without a terminal there is nothing to draw on.
    crate::tui::terminal::require_tty()?;
    let _log = crate::logging::init(&workspace.data_dir)?;
    let keymap = Keymap::from_config(&workspace.config.keys)?;
    runtime()?.block_on(async {
        let writer = workspace.open_store()?;
        let (status_tx, status_rx) = mpsc::unbounded_channel();
        let shared = worker::connect_all(&workspace.config.accounts, |a| {
            platform::connect_in(a, Some(&workspace.data_dir))
        })?;
        let team = crate::cli::team::start_in(&workspace, writer.handle()).await?;
        let mut tasks = workspace
            .spawn_pollers_with(
                &writer.handle(),
                status_tx,
                worker::shared_connect(&shared),
                team.as_ref(),
            )
            .await?;
        let connectors = worker::by_account_id(&writer.handle(), &shared).await?;
        let mut outbox = worker::Worker::new(writer.handle(), connectors.clone());
        outbox.gate = team.as_ref().map(|t| t.gate.clone() as _);
        let platforms = crate::threads::Platforms {
            connectors,
            pipeline: std::sync::Arc::new(workspace.pipeline()?),
        };
        tasks.push(tokio::spawn(outbox.run()));
        let mut kit = workspace.config.reply_kit();
        kit.sources =
            crate::tui::composer::LimitSources(shared.iter().map(|(_, c, _)| c.clone()).collect());
        let mut model = Model::new(keymap, workspace.config.brand.clone(), crate::domain::now())
            .with_replies(kit);
        model.status.tz = jiff::tz::TimeZone::system();
        model.find.config = workspace.config.find.clone();
        model.find.memory = crate::tui::find::prompt::PromptMemory::kept_in(
            crate::tui::find::history::path(&workspace.data_dir),
        );
        model.find.sorts = writer
            .handle()
            .call_blocking(|c| crate::store::view_sort::all(c))?
            .into_iter()
            .filter_map(|(view, sort)| Some((view, crate::store::read::Sort::parse(&sort)?)))
            .collect();
        model.find.saved.views =
            crate::tui::find::saved::validate(&workspace.config.views, Some(&model.keymap))
                .map_err(|e| anyhow::anyhow!("{}: {e}", workspace.config_path.display()))?;
        let tz = workspace.config.sla.tz.as_deref();
        model.snooze.tz =
            crate::report::period::time_zone(tz.unwrap_or(&workspace.config.report.tz))?;
        if workspace.config.accounts.is_empty() {
            model.first_run = Some(workspace.config_path.display().to_string());
        }
        model.no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        model.team = workspace
            .config
            .team
            .as_ref()
            .map(crate::tui::team::TeamUi::new);
        // Once per run, where the CM looks first.
        let warnings = workspace.exposure_warnings();
        if !warnings.is_empty() {
            model.status.message = Some(warnings.join(" · "));
        }
        model.moderation.setup = crate::tui::moderation::Setup::new(
            &workspace.config.tags,
            &workspace.config.escalation,
            workspace.config.sentiment_settings(),
            &shared,
        );
        let _notifier =
            crate::escalation::notify::spawn(writer.handle(), workspace.config.escalation.clone());
        let analyzer = std::sync::Arc::new(crate::sentiment::Analyzer::new(
            &workspace.config.sentiment_settings(),
        ));
        let presence = team
            .as_ref()
            .map(|t| t.presence(crate::team::presence::PresenceConfig::default()));
        let result = crate::tui::run(
            model,
            writer.handle(),
            analyzer,
            status_rx,
            platforms,
            presence,
        )
        .await;
        tasks.iter().for_each(|t| t.abort());
        if let Some(team) = team {
            team.stop().await;
        }
        result
    })
}
