//! The browser tests' harness: the app served in-process on a seeded SQLite file, headless
//! Chromium driven through chromedriver, axe-core accessibility checks and screenshots.
//!
//! A test is skipped (with a `SKIPPED (browser)` line) when Chromium or chromedriver is missing,
//! unless `CEPHALOG_REQUIRE_BROWSER=1`, which makes that a failure. Every test that ran in a real
//! browser leaves a marker file in `<target>/browser-tests/`; `.ci/run` checks there is one for
//! each test, so a run that silently skipped cannot pass CI.

use std::future::Future;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use cephalog_store::Store;
use cephalog_web::{AppState, Clock, Config};

use crate::seed::{self, Seeded};

pub const DESKTOP: u32 = 1280;
pub const PHONE: u32 = 360;
const WINDOW_HEIGHT: u32 = 900;

const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";
const DEFAULT_CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn required() -> bool {
    std::env::var("CEPHALOG_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

fn tool(env: &str, default: &str) -> PathBuf {
    std::env::var_os(env).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

/// The workspace's target directory: `CARGO_TARGET_DIR` when set, else `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
    }
}

/// Where axe-core's browser build is read from: `CEPHALOG_AXE_JS`, else where `npm ci` in
/// `tests/browser-assets` puts it.
fn axe_path() -> PathBuf {
    match std::env::var_os("CEPHALOG_AXE_JS") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/browser-assets/node_modules/axe-core/axe.min.js"),
    }
}

/// The app, served in-process on a temporary SQLite file with the seeded clinic.
struct App {
    base: String,
    store: Store,
    seeded: Seeded,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

impl App {
    async fn start() -> App {
        let dir = tempfile::tempdir().expect("temporary directory");
        let db = dir.path().join("cephalog.db");
        let store = Store::connect(db.to_str().expect("path"))
            .await
            .expect("database");
        let seeded = seed::seed(&store).await;
        let rules = cephalog_app::load_rule_sets(None).expect("rule sets");
        let config = Config {
            secure_cookies: false,
            clock: Clock::Fixed(seed::today()),
            ..Config::default()
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("listen");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = AppState::new(store.clone(), rules, config);
        let server = tokio::spawn(cephalog_web::serve(listener, state, async {
            let _ = stopped.await;
        }));
        App {
            base,
            store,
            seeded,
            stop,
            server,
            _dir: dir,
        }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(10), self.server).await;
        self.store.close().await;
    }
}

/// A chromedriver started for one test, in its own process group so that it and the Chromium it
/// started end with the test.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start(chromedriver: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut command = Command::new(chromedriver);
        command
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().expect("start chromedriver");
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ready(port) {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer on port {port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }
}

/// Whether chromedriver answers `/status` with `"ready": true`.
fn ready(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let request = "GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if s.write_all(request.as_bytes()).is_err() {
        return false;
    }
    // chromedriver may keep the connection open: read until the answer is there.
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n @ 1..) = s.read(&mut buf) {
        answer.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&answer).replace(' ', "");
        if text.contains("\"ready\":true") {
            return true;
        }
    }
    false
}

impl Drop for Driver {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            // The whole group: chromedriver and any browser it left behind.
            let _ = Command::new("kill")
                .args(["-TERM", "--", &format!("-{}", self.child.id())])
                .stderr(Stdio::null())
                .status();
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a journey works with: the browser, the app's address, the store behind it and the
/// seeded records.
#[derive(Clone)]
pub struct Ctx {
    pub client: Client,
    pub base: String,
    pub store: Store,
    pub seeded: Seeded,
    name: &'static str,
    axe: Option<Arc<String>>,
    axe_skip_said: Arc<std::sync::atomic::AtomicBool>,
    axe_checks: Arc<AtomicUsize>,
    screenshots: Arc<AtomicUsize>,
}

/// Says a test was skipped. Written to the process's stderr rather than with `eprintln!`, which the
/// test harness captures: the skip shows in every `cargo test` run.
fn skipped(line: &str) {
    let _ = std::io::stderr()
        .lock()
        .write_all(format!("{line}\n").as_bytes());
}

/// Runs one journey in a fresh browser against a freshly seeded app. Skips (or, with
/// `CEPHALOG_REQUIRE_BROWSER=1`, fails) when Chromium or chromedriver is missing.
pub async fn run<F, Fut>(name: &'static str, journey: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let chromium = tool("CEPHALOG_CHROMIUM", DEFAULT_CHROMIUM);
    let chromedriver = tool("CEPHALOG_CHROMEDRIVER", DEFAULT_CHROMEDRIVER);
    if !chromium.exists() || !chromedriver.exists() {
        assert!(
            !required(),
            "CEPHALOG_REQUIRE_BROWSER=1 but {} or {} is missing",
            chromium.display(),
            chromedriver.display()
        );
        skipped(&format!(
            "SKIPPED (browser): {name} — install chromium chromium-driver"
        ));
        return;
    }
    let axe = match std::fs::read_to_string(axe_path()) {
        Ok(source) => Some(Arc::new(source)),
        Err(e) => {
            assert!(
                !required(),
                "CEPHALOG_REQUIRE_BROWSER=1 but axe-core is missing at {} ({e}); run `npm ci` in \
                 tests/browser-assets or set CEPHALOG_AXE_JS",
                axe_path().display()
            );
            None
        }
    };
    let app = App::start().await;
    let driver = Driver::start(&chromedriver);
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                format!("--window-size={DESKTOP},{WINDOW_HEIGHT}"),
            ],
        },
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!("a JSON object")
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session with headless Chromium");
    let ctx = Ctx {
        client: client.clone(),
        base: app.base.clone(),
        store: app.store.clone(),
        seeded: app.seeded.clone(),
        name,
        axe,
        axe_skip_said: Arc::default(),
        axe_checks: Arc::new(AtomicUsize::new(0)),
        screenshots: Arc::new(AtomicUsize::new(0)),
    };
    let (axe_checks, screenshots) = (ctx.axe_checks.clone(), ctx.screenshots.clone());
    let outcome = tokio::spawn(journey(ctx)).await;
    let _ = client.close().await;
    drop(driver);
    app.stop().await;
    match outcome {
        Ok(()) => {
            let dir = target_dir().join("browser-tests");
            std::fs::create_dir_all(&dir).expect("marker directory");
            std::fs::write(
                dir.join(name),
                format!(
                    "ran in Chromium\naxe_checks={}\nscreenshots={}\n",
                    axe_checks.load(Ordering::SeqCst),
                    screenshots.load(Ordering::SeqCst)
                ),
            )
            .expect("marker file");
        }
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("{name}: {e}"),
        },
    }
}

impl Ctx {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&self.url(path))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// The path (and query) of the page shown.
    pub async fn path(&self) -> String {
        self.path_now().await
    }

    /// The first element matching `css`, waiting for it as [`Ctx::wait_for`] does.
    pub async fn find(&self, css: &str) -> Element {
        self.wait_for(css).await
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find {css}: {e}"))
    }

    /// The path and query shown, or "?" when the browser cannot say.
    async fn path_now(&self) -> String {
        match self.client.current_url().await {
            Ok(url) => match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_owned(),
            },
            Err(_) => "?".to_owned(),
        }
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("element text")
    }

    /// The text of the page's `<main>`.
    pub async fn main_text(&self) -> String {
        self.text("main").await
    }

    /// The whole document as served and changed by scripts.
    pub async fn source(&self) -> String {
        self.client.source().await.expect("page source")
    }

    /// Waits (up to 10 s) for an element to appear: after a form is submitted the address can
    /// change before the new document is parsed. On timeout, shows what the page says instead.
    pub async fn wait_for(&self, css: &str) -> Element {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(e) = self.client.find(Locator::Css(css)).await {
                return e;
            }
            if Instant::now() >= deadline {
                let main = self.client.find(Locator::Css("main")).await.ok();
                let text = match main {
                    Some(m) => m.text().await.unwrap_or_default(),
                    None => String::new(),
                };
                panic!(
                    "no element {css} on {}: the page says {text}",
                    self.path_now().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Replaces the value of a text field.
    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear field");
        field
            .send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Ticks or unticks a checkbox by clicking it when it is not as wanted.
    pub async fn set_checked(&self, css: &str, on: bool) {
        let field = self.find(css).await;
        if field.is_selected().await.expect("checkbox state") != on {
            field
                .click()
                .await
                .unwrap_or_else(|e| panic!("click {css}: {e}"));
        }
    }

    /// Signs in through the form at /login and waits to leave it.
    pub async fn sign_in(&self, username: &str) {
        self.goto("/login").await;
        self.fill("#username", username).await;
        self.fill("#password", seed::PASSWORD).await;
        self.click("main form button[type=submit]").await;
        self.wait_until_left("/login").await;
    }

    pub async fn sign_out(&self) {
        if self.find_all("form.signout").await.is_empty() {
            // Error pages carry no navigation: sign out from the start page.
            self.goto("/").await;
        }
        self.click("form.signout button[type=submit]").await;
        self.wait_for_path("/login").await;
    }

    /// Waits until the page shown is no longer `path` (a form's redirect has been followed).
    pub async fn wait_until_left(&self, path: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let now = self.path_now().await;
            if now != path {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "still on {path}: {}",
                self.main_text().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn wait_for_path(&self, path: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.path_now().await != path {
            if Instant::now() >= deadline {
                let errors = self
                    .client
                    .execute(
                        "return [...document.querySelectorAll('.error')].map((e) => e.textContent).join(' | ');",
                        vec![],
                    )
                    .await
                    .unwrap_or_default();
                panic!(
                    "expected {path}, on {} (errors shown: {errors})",
                    self.path_now().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sets the browser's viewport width (the height stays 900 px).
    pub async fn set_width(&self, width: u32) {
        self.resize_viewport(width, WINDOW_HEIGHT).await;
    }

    /// Sizes the window so that the viewport is `width` × `height` CSS pixels (the window frame
    /// of headless Chromium may take some of the window's size).
    async fn resize_viewport(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("window size");
        let inner = self
            .client
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await
            .expect("viewport size");
        let got = |i: usize| inner[i].as_u64().unwrap_or(0) as u32;
        let (w, h) = (got(0), got(1));
        if (w, h) != (width, height) {
            self.client
                .set_window_size(
                    width + (width - w.min(width)),
                    height + (height - h.min(height)),
                )
                .await
                .expect("window size");
        }
        let inner = self
            .client
            .execute("return window.innerWidth;", vec![])
            .await
            .expect("viewport width");
        assert_eq!(
            inner.as_u64(),
            Some(u64::from(width)),
            "the viewport could not be made {width} px wide"
        );
    }

    /// Checks the page shown with axe-core: no violation of serious or critical impact. Every
    /// violation found (of any impact) is printed when the check fails.
    pub async fn axe(&self, what: &str) {
        let Some(source) = &self.axe else {
            if !self.axe_skip_said.swap(true, Ordering::SeqCst) {
                skipped(&format!(
                    "SKIPPED (axe): {} — run `npm ci` in tests/browser-assets or set CEPHALOG_AXE_JS",
                    self.name
                ));
            }
            return;
        };
        let loaded = self
            .client
            .execute("return typeof window.axe === 'object';", vec![])
            .await
            .expect("script");
        if loaded != Value::Bool(true) {
            // WebDriver scripts run outside the page's Content-Security-Policy.
            self.client
                .execute(source, vec![])
                .await
                .expect("inject axe-core");
        }
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                   .then((r) => done({ violations: r.violations.map((v) => ({
                       id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                       nodes: v.nodes.map((n) => ({ target: n.target.join(' '),
                                                    summary: n.failureSummary })) })) }))
                   .catch((e) => done({ error: String(e) }));",
                vec![],
            )
            .await
            .expect("run axe-core");
        if let Some(e) = result.get("error") {
            panic!("axe-core failed on {what}: {e}");
        }
        let violations = result["violations"].as_array().cloned().unwrap_or_default();
        let serious = violations
            .iter()
            .any(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")));
        if serious {
            let mut report = format!(
                "{}: axe-core found serious or critical violations on {what} ({}):\n",
                self.name,
                self.path_now().await
            );
            for v in &violations {
                report.push_str(&format!(
                    "- {} [{}] {} ({})\n",
                    v["id"].as_str().unwrap_or("?"),
                    v["impact"].as_str().unwrap_or("?"),
                    v["help"].as_str().unwrap_or(""),
                    v["helpUrl"].as_str().unwrap_or("")
                ));
                for n in v["nodes"].as_array().into_iter().flatten() {
                    report.push_str(&format!(
                        "    {}: {}\n",
                        n["target"].as_str().unwrap_or("?"),
                        n["summary"].as_str().unwrap_or("").replace('\n', " ")
                    ));
                }
            }
            panic!("{report}");
        }
        self.axe_checks.fetch_add(1, Ordering::SeqCst);
    }

    /// Checks that nothing makes the page wider than the viewport (no sideways scrolling of the
    /// whole page); names the elements that stick out when something does.
    pub async fn fits_the_screen(&self, what: &str) {
        let found = self
            .client
            .execute(
                "const width = window.innerWidth;
                 const over = document.documentElement.scrollWidth - width;
                 const culprits = [];
                 if (over > 0) {
                   for (const e of document.querySelectorAll('body *')) {
                     const r = e.getBoundingClientRect();
                     const inside = [...e.children].some(
                       (c) => c.getBoundingClientRect().right > width);
                     if (r.right > width + 0.5 && !inside) {
                       const id = e.id ? '#' + e.id : '';
                       const cls = e.classList.length ? '.' + [...e.classList].join('.') : '';
                       culprits.push(`${e.tagName.toLowerCase()}${id}${cls} (right edge ${Math.round(r.right)} px)`);
                     }
                   }
                 }
                 return { over, culprits: culprits.slice(0, 10) };",
                vec![],
            )
            .await
            .expect("script");
        let over = found["over"].as_i64().unwrap_or(0);
        assert!(
            over <= 0,
            "{what} is {over} px wider than the screen; sticking out: {}",
            found["culprits"]
        );
    }

    /// Saves a full-page PNG of the page shown, `width` px wide, as
    /// `<target>/screenshots/<page>-<width>.png`, and leaves the viewport `width` × 900.
    pub async fn screenshot(&self, page: &str, width: u32) -> PathBuf {
        let height = self
            .client
            .execute(
                "return Math.ceil(document.documentElement.scrollHeight);",
                vec![],
            )
            .await
            .expect("page height")
            .as_u64()
            .unwrap_or(u64::from(WINDOW_HEIGHT));
        let height = u32::try_from(height)
            .unwrap_or(WINDOW_HEIGHT)
            .clamp(WINDOW_HEIGHT, 8000);
        self.resize_viewport(width, height).await;
        let png = self.client.screenshot().await.expect("screenshot");
        self.set_width(width).await;
        let dir = target_dir().join("screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        let path = dir.join(format!("{page}-{width}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        self.screenshots.fetch_add(1, Ordering::SeqCst);
        path
    }
}
