use clap::Parser;

fn main() {
    let cli = hark::cli::Cli::parse();
    if let Err(e) = hark::cli::run(cli) {
        eprintln!("hark: {}", hark::cli::error_text(&e));
        std::process::exit(1);
    }
}
