//! The `plangate` binary: parse arguments, resolve them into settings, run,
//! print an error once, exit 0 (pass), 1 (gate failed) or 2 (could not
//! evaluate). clap and all printing live on this side; the library never
//! prints.

mod cli;

use std::process::ExitCode;

use clap::Parser;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = match cli::args::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match cli::settings::Settings::resolve(args).and_then(cli::run) {
        Ok(code) => code,
        Err(e) => {
            // Error text can carry plan or API text: one escaper for stderr.
            eprintln!("{}", plangate::render::escape::stderr(&format!("plangate: error: {e:#}")));
            ExitCode::from(2)
        }
    }
}
