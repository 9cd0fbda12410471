//! A component for tests/json_mapping.rs: every operation returns random
//! values of its result type, every field of every record filled or left
//! empty at random, seeded by the operation's string argument, so the
//! typed and the dynamic call paths can be compared on the same values.
//! Urls, headers and file names are random but valid, so results pass the
//! engine's checks.

use bex_pdk::*;

struct Random;

bex_pdk::export_plugin!(Random: [home, category, search, info, servers, streams, subtitles, articles]);

/// xorshift64*.
struct Rng(u64);

impl Rng {
    fn new(seed: &str) -> Rng {
        let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
        for b in seed.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn coin(&mut self) -> bool {
        self.below(2) == 0
    }
    fn opt<T>(&mut self, f: impl FnOnce(&mut Rng) -> T) -> Option<T> {
        if self.coin() { Some(f(self)) } else { None }
    }
    fn list<T>(&mut self, max: u64, mut f: impl FnMut(&mut Rng) -> T) -> Vec<T> {
        let n = self.below(max + 1);
        (0..n).map(|_| f(self)).collect()
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
    fn text(&mut self) -> String {
        const TEXTS: &[&str] = &[
            "",
            "plain",
            "ünïcødé ☃ 字幕",
            "quote \" and back\\slash",
            "controls \u{1}\u{1f}\u{7f} \n\r\t",
            "emoji 🎬🍿",
            "</script><b>html</b> &amp;",
            "\u{202e}bidi\u{200b}",
            "a much longer description that goes on for a while, with commas, periods. And more!",
        ];
        let mut s = self.pick(TEXTS).to_string();
        if self.coin() {
            s.push_str(&self.next().to_string());
        }
        s
    }
    fn u32(&mut self) -> u32 {
        let any = self.next() as u32;
        self.pick(&[0, 1, 7, 480, 1080, 2024, u32::MAX, any])
    }
    fn u64(&mut self) -> u64 {
        let any = self.next();
        self.pick(&[0, 1, 1_764_417_600_000, u64::MAX, any])
    }
    fn f32(&mut self) -> f32 {
        let any = (self.next() as u32) as f32 / 1000.0;
        self.pick(&[
            0.0,
            -0.0,
            7.2,
            6.5,
            1.0e-7,
            123_456.79,
            3.333_333_3,
            f32::MAX,
            f32::MIN_POSITIVE,
            f32::NAN,
            f32::INFINITY,
            any,
        ])
    }
    fn url(&mut self) -> String {
        let path = self.pick(&["a", "video/1.m3u8", "p%20q.mp4", "x?y=1&z=%22"]);
        let host = self.pick(&["cdn.example.org", "media.example.com:8443", "[2001:db8::1]"]);
        let host = if host.starts_with('[') {
            "img.example.net"
        } else {
            host
        };
        format!("https://{host}/{path}")
    }
    fn pairs(&mut self) -> Vec<Pair> {
        self.list(3, |r| (r.text(), r.text()))
    }
    fn headers(&mut self) -> Vec<Pair> {
        self.list(3, |r| {
            let name = r.pick(&["Referer", "X-Token", "User-Agent", "Origin"]);
            (
                name.to_string(),
                r.pick(&["", "a b", "a=\"1\"; b=\\2~", "https://x.example.org/"])
                    .to_string(),
            )
        })
    }
    fn image(&mut self) -> Image {
        Image {
            url: self.url(),
            width: self.opt(Rng::u32),
            height: self.opt(Rng::u32),
            headers: self.headers(),
        }
    }
    fn dub(&mut self) -> DubStatus {
        let mut d = DubStatus::empty();
        if self.coin() {
            d |= DubStatus::SUBBED;
        }
        if self.coin() {
            d |= DubStatus::DUBBED;
        }
        d
    }
    fn kind(&mut self) -> MediaKind {
        use MediaKind::*;
        self.pick(&[
            Movie,
            Series,
            Anime,
            Cartoon,
            Documentary,
            Live,
            Music,
            Podcast,
            Audiobook,
            Other,
        ])
    }
    fn status(&mut self) -> MediaStatus {
        use MediaStatus::*;
        self.pick(&[Upcoming, Ongoing, Completed, Hiatus, Cancelled])
    }
    fn format(&mut self) -> SubtitleFormat {
        use SubtitleFormat::*;
        self.pick(&[Srt, Vtt, Ass, Ssa, Ttml, Other])
    }
    fn card(&mut self) -> MediaCard {
        MediaCard {
            id: self.text(),
            title: self.text(),
            kind: self.opt(Rng::kind),
            poster: self.opt(Rng::image),
            backdrop: self.opt(Rng::image),
            year: self.opt(Rng::u32),
            rating: self.opt(Rng::f32),
            genres: self.list(3, Rng::text),
            description: self.opt(Rng::text),
            status: self.opt(Rng::status),
            dub_status: self.dub(),
            episode_count: self.opt(Rng::u32),
            extra: self.pairs(),
        }
    }
    fn category(&mut self) -> types::Category {
        types::Category {
            id: self.text(),
            title: self.text(),
            image: self.opt(Rng::image),
        }
    }
    fn paged(&mut self) -> PagedResult {
        PagedResult {
            items: self.list(6, Rng::card),
            categories: self.list(2, Rng::category),
            next_page: self.opt(Rng::text),
            total: self.opt(Rng::u32),
        }
    }
    fn episode(&mut self) -> Episode {
        Episode {
            id: self.text(),
            number: self.opt(Rng::f32),
            season: self.opt(Rng::u32),
            title: self.opt(Rng::text),
            description: self.opt(Rng::text),
            thumbnail: self.opt(Rng::image),
            air_date: self.opt(Rng::text),
            runtime_minutes: self.opt(Rng::u32),
            dub_status: self.dub(),
            filler: self.coin(),
            extra: self.pairs(),
        }
    }
    fn server(&mut self) -> Server {
        Server {
            id: self.text(),
            name: self.text(),
            url: self.opt(Rng::url),
            language: self.opt(Rng::text),
            dub_status: self.dub(),
            quality: self.opt(Rng::u32),
            extra: self.pairs(),
        }
    }
    fn track(&mut self) -> SubtitleTrack {
        SubtitleTrack {
            url: self.url(),
            format: self.format(),
            language: self.opt(Rng::text),
            label: self.opt(Rng::text),
            headers: self.headers(),
            forced: self.coin(),
            hearing_impaired: self.coin(),
            is_default: self.coin(),
        }
    }
    fn stream(&mut self) -> StreamSource {
        use Container::*;
        StreamSource {
            url: self.url(),
            container: self.pick(&[Hls, Dash, Progressive, Other]),
            mime_type: self.opt(Rng::text),
            quality: self.opt(Rng::u32),
            label: self.opt(Rng::text),
            headers: self.headers(),
            audio_tracks: self.list(2, |r| AudioTrack {
                id: r.opt(Rng::text),
                url: r.opt(Rng::url),
                language: r.opt(Rng::text),
                label: r.opt(Rng::text),
                is_default: r.coin(),
            }),
            subtitles: self.list(2, Rng::track),
            expires_at: self.opt(Rng::u64),
            drm: self.opt(|r| {
                use DrmScheme::*;
                Drm {
                    scheme: r.pick(&[Widevine, Playready, Fairplay, Clearkey]),
                    license_url: r.url(),
                    headers: r.headers(),
                    certificate_url: r.opt(Rng::url),
                }
            }),
            extra: self.pairs(),
        }
    }
    fn article(&mut self) -> Article {
        Article {
            id: self.text(),
            title: self.text(),
            summary: self.opt(Rng::text),
            url: self.opt(Rng::url),
            image: self.opt(Rng::image),
            author: self.opt(Rng::text),
            published_at: self.opt(Rng::u64),
            content: self.opt(Rng::text),
            tags: self.list(3, Rng::text),
            extra: self.pairs(),
        }
    }
    fn articles(&mut self) -> ArticlePage {
        ArticlePage {
            sections: self.list(3, |r| ArticleSection {
                id: r.text(),
                title: r.text(),
                items: r.list(3, Rng::article),
            }),
            next_page: self.opt(Rng::text),
        }
    }
}

impl Home for Random {
    fn get_home(_: RequestContext, page: Option<String>) -> Result<HomePage> {
        let r = &mut Rng::new(&page.unwrap_or_default());
        use CardLayout::*;
        Ok(HomePage {
            sections: r.list(3, |r| HomeSection {
                id: r.text(),
                title: r.text(),
                subtitle: r.opt(Rng::text),
                items: r.list(4, Rng::card),
                more: r.opt(Rng::text),
                layout: r.pick(&[Row, Grid, Carousel, List, Banner]),
                show_rank: r.coin(),
                categories: r.list(2, Rng::category),
                extra: r.pairs(),
            }),
            next_page: r.opt(Rng::text),
        })
    }
}

impl Category for Random {
    fn get_category(_: RequestContext, id: String, _: Option<String>) -> Result<PagedResult> {
        Ok(Rng::new(&id).paged())
    }
}

impl Search for Random {
    fn search(
        _: RequestContext,
        query: String,
        _: SearchFilters,
        _: Option<String>,
    ) -> Result<PagedResult> {
        Ok(Rng::new(&query).paged())
    }
}

impl Info for Random {
    fn get_info(_: RequestContext, id: String) -> Result<MediaInfo> {
        let r = &mut Rng::new(&id);
        Ok(MediaInfo {
            id: r.text(),
            title: r.text(),
            original_title: r.opt(Rng::text),
            kind: r.opt(Rng::kind),
            poster: r.opt(Rng::image),
            backdrop: r.opt(Rng::image),
            logo: r.opt(Rng::image),
            year: r.opt(Rng::u32),
            end_year: r.opt(Rng::u32),
            rating: r.opt(Rng::f32),
            genres: r.list(3, Rng::text),
            tags: r.list(3, Rng::text),
            description: r.opt(Rng::text),
            status: r.opt(Rng::status),
            runtime_minutes: r.opt(Rng::u32),
            content_rating: r.opt(Rng::text),
            cast: r.list(3, |r| Person {
                name: r.text(),
                role: r.opt(Rng::text),
                image: r.opt(Rng::image),
            }),
            external_ids: r.pairs(),
            dub_status: r.dub(),
            seasons: r.list(2, |r| Season {
                number: r.u32(),
                id: r.opt(Rng::text),
                title: r.opt(Rng::text),
                episodes: r.list(3, Rng::episode),
            }),
            play_id: r.opt(Rng::text),
            trailers: r.list(2, Rng::url),
            recommendations: r.list(2, Rng::card),
            extra: r.pairs(),
        })
    }
}

impl Servers for Random {
    fn get_servers(_: RequestContext, id: String) -> Result<Vec<Server>> {
        Ok(Rng::new(&id).list(4, Rng::server))
    }
}

impl Streams for Random {
    fn resolve_stream(_: RequestContext, server: Server) -> Result<Vec<StreamSource>> {
        Ok(Rng::new(&server.id).list(3, Rng::stream))
    }
}

impl Subtitles for Random {
    fn search_subtitles(_: RequestContext, query: SubtitleQuery) -> Result<Vec<SubtitleEntry>> {
        let r = &mut Rng::new(&query.title.unwrap_or_default());
        Ok(r.list(4, |r| SubtitleEntry {
            id: r.text(),
            title: r.text(),
            language: r.text(),
            format: r.format(),
            forced: r.coin(),
            hearing_impaired: r.coin(),
            release: r.opt(Rng::text),
            downloads: r.opt(Rng::u32),
            rating: r.opt(Rng::f32),
            extra: r.pairs(),
        }))
    }

    fn download_subtitle(_: RequestContext, id: String) -> Result<SubtitleFile> {
        let r = &mut Rng::new(&id);
        Ok(SubtitleFile {
            file_name: r.pick(&["en.srt", "a b.vtt", "ünï.ass", "x"]).to_string(),
            format: r.format(),
            language: r.opt(Rng::text),
            content: r.text(),
        })
    }
}

impl Articles for Random {
    fn get_articles(_: RequestContext, page: Option<String>) -> Result<ArticlePage> {
        Ok(Rng::new(&page.unwrap_or_default()).articles())
    }

    fn search_articles(_: RequestContext, query: String, _: Option<String>) -> Result<ArticlePage> {
        Ok(Rng::new(&query).articles())
    }
}
