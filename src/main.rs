use clap::Parser;

fn main() {
    let cli = hark::cli::Cli::parse();
    if let Err(e) = hark::cli::run(cli) {
        // A signal ended the UI: the terminal is back; exit as a shell expects, quietly.
        if let Some(signal) = e.downcast_ref::<hark::tui::terminal::Interrupted>() {
            std::process::exit(signal.exit_code());
        }
        eprintln!("hark: {}", hark::cli::error_text(&e));
        std::process::exit(1);
    }
}
