//! `hark bench`: build a synthetic cache and measure the performance budgets.

use super::BenchAction;

pub fn run_bench(dir: &std::path::Path, action: BenchAction) -> anyhow::Result<()> {
    match action {
        BenchAction::Generate { items, seed } => {
            let path = dir.join(crate::store::DB_FILE);
            anyhow::ensure!(
                !path.exists(),
                "{} already holds a cache; pick an empty directory",
                dir.display()
            );
            std::fs::create_dir_all(dir)?;
            let spinner = super::progress::spinner(&format!("generating {items} items"));
            let done = crate::bench::generate::generate(&path, items, seed)?;
            spinner.finish_and_clear();
            println!(
                "generated {} items in {:.1} s ({:.0} items/s) into {}",
                done.items,
                done.seconds,
                done.items as f64 / done.seconds,
                path.display()
            );
        }
        BenchAction::All { presses } => print_figures(crate::bench::measure::all(dir, presses)?),
        BenchAction::Find { reindex } => {
            let path = dir.join(crate::store::DB_FILE);
            anyhow::ensure!(
                path.exists(),
                "no cache at {} (run `hark bench generate` first)",
                path.display()
            );
            let mut figures = Vec::new();
            if reindex {
                figures.extend(crate::bench::find::reindex(&path)?);
            }
            figures.extend(crate::bench::find::limits(&path)?);
            print_figures(figures);
        }
        BenchAction::Team {
            clients,
            changes,
            offline,
            presses,
            interval_ms,
            database,
        } => {
            let plan = crate::bench::team::Plan {
                clients,
                changes,
                offline,
                presses,
                interval: std::time::Duration::from_millis(interval_ms),
                database,
            };
            print_figures(crate::bench::team::run(dir, &plan)?);
        }
        BenchAction::TeamClient {
            database,
            password_env,
            machine,
            interval_ms,
            copy,
        } => crate::bench::team_client::run(crate::bench::team_client::ClientArgs {
            data_dir: dir.to_path_buf(),
            database,
            password_env,
            machine,
            interval: std::time::Duration::from_millis(interval_ms),
            copy,
        })?,
        BenchAction::Report => print_figures(crate::bench::measure::report(dir)?),
        BenchAction::Languages => {
            let mut figures = vec![crate::bench::measure::ingest_ratio()?];
            figures.extend(crate::bench::detect::posts_per_second(200_000)?);
            print_figures(figures);
        }
    }
    Ok(())
}

fn print_figures(figures: Vec<crate::bench::measure::Figure>) {
    println!("| what | measured | budget | |");
    println!("| --- | --- | --- | --- |");
    for f in figures {
        let verdict = match f.ok {
            Some(true) => "ok",
            Some(false) => "OVER",
            None => "",
        };
        println!("| {} | {} | {} | {verdict} |", f.what, f.value, f.budget);
    }
}
