use clap::Parser;

fn main() {
    let cli = schemagen::cli::Cli::parse();
    std::process::exit(schemagen::cli::run(cli));
}
