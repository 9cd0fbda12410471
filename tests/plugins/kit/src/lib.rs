//! A component for tests/kit.rs: each search query `command:argument`
//! exercises one host-facing part of the plugin kit and answers with one
//! card whose title is what the test checks.

use bex_pdk::{
    Error, PagedResult, RequestContext, Result, SearchFilters, http, js, kv, records, secrets,
};

struct Kit;

bex_pdk::export_plugin!(Kit: [search]);

fn answer(title: impl Into<String>) -> Result<PagedResult> {
    Ok(records::paged(vec![records::card("kit:1", title)], None))
}

impl bex_pdk::Search for Kit {
    fn search(
        _ctx: RequestContext,
        query: String,
        _filters: SearchFilters,
        _page: Option<String>,
    ) -> Result<PagedResult> {
        let (command, arg) = query.split_once(':').unwrap_or((query.as_str(), ""));
        match command {
            "panic" => panic!("kit panic: {arg}"),
            "log" => {
                bex_pdk::info!("info {arg}");
                bex_pdk::warn!("warn {arg}");
                answer("logged")
            }
            "kv" => {
                let (key, value) = arg
                    .split_once('=')
                    .ok_or_else(|| Error::invalid_input("kv:k=v"))?;
                let before: Option<String> = kv::get_json(key)?;
                kv::set_json(key, &value)?;
                let after: Option<String> = kv::get_json(key)?;
                answer(format!("{before:?} -> {after:?}"))
            }
            "secret" => answer(secrets::require(arg)?),
            "get" => answer(http::get(arg).text()?),
            "js" => {
                let sum: i64 = js::call_fn("add", "(a, b) => a + b", &[2, 40])?;
                answer(sum.to_string())
            }
            "js-throw" => {
                let never: String =
                    js::call_fn("throw", "() => { throw new Error('nope') }", &[0u8; 0])?;
                answer(never)
            }
            _ => Err(Error::invalid_input(format!("unknown command {command:?}"))),
        }
    }
}
