//! The `plangate` binary: parse arguments, run, print an error once, exit
//! 0 (pass), 1 (gate failed) or 2 (could not evaluate).

use std::process::ExitCode;

use clap::Parser;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match plangate::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match plangate::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // Error text can carry plan or API text: one escaper for stderr.
            eprintln!("{}", plangate::render::escape::stderr(&format!("plangate: error: {e:#}")));
            ExitCode::from(2)
        }
    }
}
