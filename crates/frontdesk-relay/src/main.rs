//! `frontdesk-relay`: the command line. The names below are a contract (outside checks script
//! against them): `--data DIR serve --listen ADDR`, `--data DIR site add NAME`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use frontdesk_relay::{FileConfig, Listen, Settings};

#[derive(Parser)]
#[command(name = "frontdesk-relay", version, about = "The Frontdesk chat relay")]
struct Cli {
    /// The relay's data directory (its database, its proof-of-work key, relay.toml).
    #[arg(
        long,
        env = "FRONTDESK_RELAY_DATA",
        global = true,
        default_value = "relay-data"
    )]
    data: PathBuf,
    /// A config file (TOML); default: relay.toml in the data directory, if it exists.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve visitors and desks.
    // Boxed: its many flags would make every `Command` as large as itself.
    Serve(Box<Serve>),
    /// Sites: pair a clinic website with its desk.
    Site {
        #[command(subcommand)]
        cmd: SiteCmd,
    },
}

#[derive(Args)]
struct Serve {
    /// Address to listen on, e.g. 0.0.0.0:443 or 127.0.0.1:8787 (port 0 picks a free one).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// PEM certificate chain for HTTPS.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Allow plain HTTP on a non-loopback address (only behind your own TLS proxy).
    #[arg(long)]
    allow_plain_http: bool,
    #[arg(long)]
    max_text: Option<usize>,
    #[arg(long)]
    pow_max_number: Option<u64>,
    #[arg(long)]
    min_fill_ms: Option<u64>,
    #[arg(long)]
    new_conversations_per_ip_per_minute: Option<u32>,
    #[arg(long)]
    messages_per_conversation_per_minute: Option<u32>,
    #[arg(long)]
    retention_days: Option<u32>,
    #[arg(long)]
    first_frame_timeout_secs: Option<u64>,
    #[arg(long)]
    header_timeout_secs: Option<u64>,
    /// The most plaintext bytes of one chat file (a site's desk may set less).
    #[arg(long)]
    max_file_bytes: Option<u64>,
    #[arg(long)]
    files_per_conversation_per_minute: Option<u32>,
    #[arg(long)]
    file_bytes_per_conversation_per_day: Option<u64>,
    #[arg(long)]
    file_uploads_per_ip_per_minute: Option<u32>,
    /// Take visitor addresses from X-Forwarded-For (only behind your own proxy).
    #[arg(long)]
    trust_forwarded: bool,
    /// Serve a demo page at /demo embedding the widget for this site id.
    #[arg(long)]
    demo_site: Option<String>,
}

#[derive(Subcommand)]
enum SiteCmd {
    /// Pair a new site: prints its desk token (once) and the embed snippet.
    Add {
        name: String,
        /// The relay's public address, for the snippet (default: from relay.toml).
        #[arg(long)]
        public_url: Option<String>,
    },
    /// List the sites.
    List,
    /// Remove a site and everything the relay holds for it.
    Remove { id: String },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FRONTDESK_RELAY_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("frontdesk-relay: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> frontdesk_relay::Result<()> {
    let (file_path, must_exist) = match &cli.config {
        Some(p) => (p.clone(), true),
        None => (cli.data.join("relay.toml"), false),
    };
    let file = FileConfig::load(&file_path, must_exist)?;
    match cli.command {
        Command::Site { cmd } => site(&cli.data, &file, cmd),
        Command::Serve(args) => serve(&cli.data, &file, *args),
    }
}

fn site(data: &std::path::Path, file: &FileConfig, cmd: SiteCmd) -> frontdesk_relay::Result<()> {
    let relay = frontdesk_relay::open(data, Settings::default())?;
    match cmd {
        SiteCmd::Add { name, public_url } => {
            let (id, token) = relay.add_site(&name)?;
            let url = public_url
                .or_else(|| file.public_url.clone())
                .unwrap_or_else(|| "https://YOUR-RELAY-ADDRESS".into());
            let url = url.trim_end_matches('/');
            println!("Site \"{}\" added.", name.trim());
            println!("site id: {id}");
            println!("desk token: {token}");
            println!("relay url: {url}");
            println!();
            println!("The desk token is shown only this once. At the clinic's desk, open");
            println!("Settings → Website chat and enter the relay url and the desk token.");
            println!();
            println!("Put this on every page of the clinic's website, before </body>:");
            println!("<script src=\"{url}/widget.js\" data-site=\"{id}\" async></script>");
        }
        SiteCmd::List => {
            for s in relay.sites()? {
                let state = if s.config.is_some() {
                    "desk seen"
                } else {
                    "waiting for its desk"
                };
                println!("{}\t{}\t{}", s.id, s.name, state);
            }
        }
        SiteCmd::Remove { id } => {
            if !relay.remove_site(&id)? {
                return Err(frontdesk_relay::Error::Config(format!("no site {id}")));
            }
            println!("Site {id} removed, with everything the relay held for it.");
        }
    }
    Ok(())
}

fn serve(data: &std::path::Path, file: &FileConfig, a: Serve) -> frontdesk_relay::Result<()> {
    let mut settings = Settings::default();
    file.apply(&mut settings);
    fn set<T>(v: Option<T>, slot: &mut T) {
        if let Some(v) = v {
            *slot = v
        }
    }
    set(a.max_text, &mut settings.max_text);
    set(a.pow_max_number, &mut settings.pow_max_number);
    set(a.min_fill_ms, &mut settings.min_fill_ms);
    set(
        a.new_conversations_per_ip_per_minute,
        &mut settings.new_conversations_per_ip_per_minute,
    );
    set(
        a.messages_per_conversation_per_minute,
        &mut settings.messages_per_conversation_per_minute,
    );
    set(a.retention_days, &mut settings.retention_days);
    set(a.max_file_bytes, &mut settings.max_file_bytes);
    set(
        a.files_per_conversation_per_minute,
        &mut settings.files_per_conversation_per_minute,
    );
    set(
        a.file_bytes_per_conversation_per_day,
        &mut settings.file_bytes_per_conversation_per_day,
    );
    set(
        a.file_uploads_per_ip_per_minute,
        &mut settings.file_uploads_per_ip_per_minute,
    );
    if let Some(s) = a.first_frame_timeout_secs {
        settings.first_frame_timeout = std::time::Duration::from_secs(s);
    }
    if let Some(s) = a.header_timeout_secs {
        settings.header_timeout = std::time::Duration::from_secs(s);
    }
    settings.trust_forwarded |= a.trust_forwarded;
    settings.demo_site = a.demo_site;
    let listen = a.listen.or(file.listen).ok_or_else(|| {
        frontdesk_relay::Error::Config("give --listen ADDR (or listen in relay.toml)".into())
    })?;
    let cert = a.tls_cert.or_else(|| file.tls_cert.clone());
    let key = a.tls_key.or_else(|| file.tls_key.clone());
    let allow_plain = a.allow_plain_http || file.allow_plain_http.unwrap_or(false);
    if cert.is_none() && !listen.ip().is_loopback() && !allow_plain {
        return Err(frontdesk_relay::Error::Config(format!(
            "plain HTTP on {listen} would carry visitors' traffic unprotected; give --tls-cert and \
             --tls-key, or --allow-plain-http if a TLS proxy of yours is in front"
        )));
    }
    let relay = frontdesk_relay::open(data, settings)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let tls = match (&cert, &key) {
            (Some(c), Some(k)) => frontdesk_relay::tls_config(c, k).await?,
            _ => Listen::Plain,
        };
        let scheme = if matches!(tls, Listen::Tls(_)) {
            "https"
        } else {
            "http"
        };
        let listener = std::net::TcpListener::bind(listen)?;
        let bound = listener.local_addr()?;
        // Scripts and tests read this line to learn the port.
        println!("frontdesk-relay listening on {scheme}://{bound}");
        let handle = frontdesk_relay::Handle::new();
        let stop = handle.clone();
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            stop.graceful_shutdown(Some(std::time::Duration::from_secs(5)));
        });
        frontdesk_relay::serve(relay, listener, tls, handle).await
    })
}
