fn main() {
    let cli = schemagen::cli::parse();
    std::process::exit(schemagen::cli::run(cli));
}
