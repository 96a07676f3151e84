use clap::Parser;

fn main() {
    let cli = hark::cli::Cli::parse();
    if let Err(e) = hark::cli::run(cli) {
        eprintln!("hark: {e:#}");
        std::process::exit(1);
    }
}
