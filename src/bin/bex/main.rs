//! `bex`: the command-line front end of the BEX engine. It uses only the
//! library's public API.

mod args;
mod calls;
mod commands;
mod js;
mod keys;
mod kit;
mod new;
mod output;
mod precompile;
mod repos;
mod run;

use std::process::ExitCode;

use argh::FromArgs;

use output::Output;

/// Exit status for usage errors (sysexits' EX_USAGE), distinct from every
/// error code number.
const EXIT_USAGE: u8 = 64;

fn main() -> ExitCode {
    let argv: Vec<String> = match std::env::args_os().map(|a| a.into_string()).collect() {
        Ok(v) => v,
        Err(bad) => {
            eprintln!("error: argument is not UTF-8: {}", bad.to_string_lossy());
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let name = argv.first().map(String::as_str).unwrap_or("bex");
    let rest: Vec<&str> = argv.iter().skip(1).map(String::as_str).collect();
    let args = match args::Args::from_args(&[name], &rest) {
        Ok(args) => args,
        Err(early) => {
            return match early.status {
                Ok(()) => {
                    println!("{}", early.output);
                    ExitCode::SUCCESS
                }
                Err(()) => {
                    eprintln!("{}", early.output);
                    ExitCode::from(EXIT_USAGE)
                }
            };
        }
    };
    let out = Output::new(args.json);
    match commands::run(&args) {
        Ok(report) => {
            out.success(&report);
            ExitCode::SUCCESS
        }
        Err(e) => {
            out.failure(&e);
            ExitCode::from(u8::try_from(e.code().number()).unwrap_or(1))
        }
    }
}
