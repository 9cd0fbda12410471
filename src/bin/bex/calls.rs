//! The commands that call a plugin. Results are printed as the JSON of
//! docs/json.md: pretty for people, one line with `--json`.

use bex_engine::{CallOptions, Engine, Error, Request, Result};
use serde_json::{Value, json};

use crate::args::{Args, Command};
use crate::output::Report;

/// The request a call command makes, or `None` for other commands.
pub fn request(command: &Command) -> Option<Result<(String, Request)>> {
    Some(Ok(match command {
        Command::Home(c) => (
            c.id.clone(),
            Request::Home {
                page: c.page.clone(),
            },
        ),
        Command::Category(c) => (
            c.id.clone(),
            Request::Category {
                id: c.category.clone(),
                page: c.page.clone(),
            },
        ),
        Command::Search(c) => (
            c.id.clone(),
            Request::Search {
                query: c.query.clone(),
                filters: json!({
                    "kind": c.kind,
                    "year": c.year,
                    "genre": c.genre,
                    "sort": c.sort,
                }),
                page: c.page.clone(),
            },
        ),
        Command::Info(c) => (
            c.id.clone(),
            Request::Info {
                id: c.media_id.clone(),
            },
        ),
        Command::Servers(c) => (
            c.id.clone(),
            Request::Servers {
                id: c.episode_id.clone(),
            },
        ),
        Command::Stream(c) => match parse_json("SERVER_JSON", &c.server_json) {
            Ok(server) => (c.id.clone(), Request::Stream { server }),
            Err(e) => return Some(Err(e)),
        },
        Command::Subtitles(c) => {
            let query = if c.query.trim_start().starts_with('{') {
                match parse_json("QUERY", &c.query) {
                    Ok(q) => q,
                    Err(e) => return Some(Err(e)),
                }
            } else {
                json!({ "title": c.query, "languages": c.lang })
            };
            (c.id.clone(), Request::SearchSubtitles { query })
        }
        Command::Subtitle(c) => (
            c.id.clone(),
            Request::DownloadSubtitle {
                id: c.sub_id.clone(),
            },
        ),
        Command::Articles(c) => (
            c.id.clone(),
            Request::Articles {
                page: c.page.clone(),
            },
        ),
        Command::SearchArticles(c) => (
            c.id.clone(),
            Request::SearchArticles {
                query: c.query.clone(),
                page: c.page.clone(),
            },
        ),
        _ => return None,
    }))
}

fn parse_json(what: &str, text: &str) -> Result<Value> {
    serde_json::from_str(text)
        .map_err(|e| Error::InvalidArgument(format!("{what} is not valid JSON: {e}")))
}

/// Runs a call command.
pub fn run(engine: &Engine, args: &Args, id: &str, request: &Request) -> Result<Report> {
    let options = CallOptions {
        locale: args.locale.clone(),
        region: args.region.clone(),
        ..CallOptions::default()
    };
    let json = engine.call_with(id, request, &options)?;
    let value: Value = serde_json::from_str(&json).expect("the engine returns valid JSON");
    let text = serde_json::to_string_pretty(&value).expect("JSON values serialize");
    Ok(Report::new(value, text).compact())
}
