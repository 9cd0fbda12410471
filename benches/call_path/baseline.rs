//! The bare wasmtime baselines of `call_path.rs`: the job instantiated
//! from an InstancePre with bindgen's typed exports, a host whose
//! `send-request` does the GET with ureq (keep-alive, the same loopback
//! server) and whose clock is real; every other `bex:plugin` import traps.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use ureq::config::Config as UreqConfig;
use ureq::http::Uri;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{NextTimeout, TcpConnector};
use wasmtime::component::{Component, HasSelf, InstancePre, Linker, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bare::bex::plugin::{clock, http, types as wit};
use crate::bare::exports::bex::plugin::search::{Guest, GuestIndices};
use crate::{bare_engine, stub_imports};

/// The bare baseline's host: WASI, and the contract's `http` (ureq) and
/// `clock`; everything else traps.
struct JobHost {
    wasi: WasiCtx,
    table: ResourceTable,
    agent: ureq::Agent,
    started: Instant,
}

impl WasiView for JobHost {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl http::Host for JobHost {
    fn send_request(
        &mut self,
        req: http::Request,
    ) -> wasmtime::Result<Result<http::Response, http::HttpError>> {
        let method = match req.method {
            http::Method::Get => "GET",
            http::Method::Head => "HEAD",
            http::Method::Post => "POST",
            http::Method::Put => "PUT",
            http::Method::Delete => "DELETE",
            http::Method::Patch => "PATCH",
            http::Method::Options => "OPTIONS",
        };
        let mut b = ureq::http::Request::builder()
            .method(method)
            .uri(req.url.as_str());
        for (k, v) in &req.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        let sent = match &req.body {
            None => self.agent.run(b.body(())?),
            Some(body) => self.agent.run(b.body(body.as_slice())?),
        };
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Ok(Err(http::HttpError::Network(e.to_string()))),
        };
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (k.as_str().to_string(), v)
            })
            .collect();
        let mut body = Vec::new();
        let max = req.max_bytes.unwrap_or(8 << 20);
        response
            .into_body()
            .into_reader()
            .take(max + 1)
            .read_to_end(&mut body)?;
        if body.len() as u64 > max {
            return Ok(Err(http::HttpError::TooLarge(format!("over {max} bytes"))));
        }
        Ok(Ok(http::Response {
            status,
            headers,
            body,
            final_url: req.url,
        }))
    }
}

impl clock::Host for JobHost {
    fn now_ms(&mut self) -> wasmtime::Result<u64> {
        Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis() as u64)
    }

    fn monotonic(&mut self) -> wasmtime::Result<u64> {
        Ok(self.started.elapsed().as_nanos() as u64)
    }
}

/// Answers every name with 127.0.0.1, as the engine's `resolve` does.
#[derive(Debug)]
struct Loopback;

impl Resolver for Loopback {
    fn resolve(
        &self,
        uri: &Uri,
        _config: &UreqConfig,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let mut out = self.empty();
        let port = uri.port_u16().unwrap_or(80);
        out.push(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
        Ok(out)
    }
}

/// The BEX engine's wasmtime settings (src/engine/wasm.rs) with the
/// default engine config: 4 instance slots, explicit bounds checks within
/// a reservation of the memory ceiling, and the pooling allocator keeping
/// the first 4 MiB of a slot's memory resident. Taken from the engine
/// itself, so the baseline cannot drift from it.
fn bex_settings() -> wasmtime::Config {
    bex_engine::bench_hooks::wasm_config(&bex_engine::EngineConfig::new("unused"))
}

/// The job ready to instantiate in one wasmtime engine.
struct Pre {
    pre: InstancePre<JobHost>,
    indices: GuestIndices,
}

impl Pre {
    fn new(mut config: wasmtime::Config, job: &[u8]) -> Pre {
        let engine = bare_engine(&mut config);
        let component = Component::new(&engine, job).unwrap();
        let mut linker = Linker::<JobHost>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
        http::add_to_linker::<_, HasSelf<JobHost>>(&mut linker, |h| h).unwrap();
        clock::add_to_linker::<_, HasSelf<JobHost>>(&mut linker, |h| h).unwrap();
        let keep = ["bex:plugin/http@1.0.0", "bex:plugin/clock@1.0.0"];
        stub_imports(&mut linker, &component, &keep);
        let pre = linker.instantiate_pre(&component).unwrap();
        Pre {
            indices: GuestIndices::new(&pre).unwrap(),
            pre,
        }
    }
}

/// Bare wasmtime over the job, in wasmtime's default configuration and in
/// the BEX engine's.
pub(crate) struct Bare {
    plain: Pre,
    bex_like: Pre,
    agent: ureq::Agent,
    ctx: wit::RequestContext,
    filters: wit::SearchFilters,
}

impl Bare {
    pub fn new(job: &[u8]) -> Bare {
        let agent = ureq::Agent::with_parts(
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .proxy(None)
                .build(),
            TcpConnector::default(),
            Loopback,
        );
        Bare {
            plain: Pre::new(wasmtime::Config::new(), job),
            bex_like: Pre::new(bex_settings(), job),
            agent,
            ctx: wit::RequestContext {
                request_id: "bench".into(),
                locale: None,
                region: None,
                deadline_ms: 15_000,
                extra: vec![],
            },
            filters: wit::SearchFilters {
                kind: None,
                year: None,
                genre: None,
                sort: None,
                extra: vec![],
            },
        }
    }

    fn instance(&self, pre: &Pre) -> (wasmtime::Store<JobHost>, Guest) {
        let mut store = wasmtime::Store::new(
            pre.pre.engine(),
            JobHost {
                wasi: WasiCtx::builder().build(),
                table: ResourceTable::new(),
                agent: self.agent.clone(),
                started: Instant::now(),
            },
        );
        store.set_fuel(2_000_000_000).unwrap();
        store.set_epoch_deadline(1_000);
        let instance = pre.pre.instantiate(&mut store).unwrap();
        let guest = pre.indices.load(&mut store, &instance).unwrap();
        (store, guest)
    }

    fn search(
        &self,
        store: &mut wasmtime::Store<JobHost>,
        guest: &Guest,
        query: &str,
    ) -> wit::PagedResult {
        store.set_fuel(2_000_000_000).unwrap();
        guest
            .call_search(store, &self.ctx, query, &self.filters, None)
            .unwrap()
            .unwrap()
    }

    /// One search in a fresh instance, wasmtime's default configuration.
    pub fn call(&self, query: &str) -> wit::PagedResult {
        let (mut store, guest) = self.instance(&self.plain);
        self.search(&mut store, &guest, query)
    }

    /// One search in a fresh instance, the BEX engine's configuration.
    pub fn call_bex_like(&self, query: &str) -> wit::PagedResult {
        let (mut store, guest) = self.instance(&self.bex_like);
        self.search(&mut store, &guest, query)
    }

    /// One instance (the BEX engine's configuration), kept for repeated
    /// calls.
    pub fn reused_instance(&self) -> Reused<'_> {
        let (store, guest) = self.instance(&self.bex_like);
        Reused {
            bare: self,
            store,
            guest,
        }
    }
}

pub(crate) struct Reused<'a> {
    bare: &'a Bare,
    store: wasmtime::Store<JobHost>,
    guest: Guest,
}

impl Reused<'_> {
    /// The guest-measured time of the parse in one `parse` call on this
    /// same instance.
    pub fn parse(&mut self) -> Duration {
        let page = self.bare.search(&mut self.store, &self.guest, "parse");
        Duration::from_nanos(page.items[0].title.parse().unwrap())
    }
}
