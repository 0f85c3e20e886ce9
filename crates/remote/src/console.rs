//! The console: connect (endpoint, region, credentials), streams (list, create, delete), the
//! open stream's shards (hash-key ranges, lineage, open or closed; split and merge), producing
//! (partition keys with `${n}`), and reading a shard from any of the five iterator types.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use streamlab_idb::{LeaseOwner, LeaseTable};
use streamlab_kinesis::api::Shard;
use streamlab_kinesis::consumer::{consume, Consumed};
use streamlab_kinesis::sigv4::Credentials;
use streamlab_kinesis::{FetchTransport, KinesisClient, KinesisError, PutEntry, StartingPosition};

use crate::credentials;
use crate::AppLeases;

/// Properties: the element's attributes.
#[derive(Properties, PartialEq, Clone, Debug, Default)]
pub struct ConsoleProps {
    /// The endpoint URL (`endpoint`; empty: the user types one).
    #[prop_or_default]
    pub endpoint: Option<AttrValue>,
    /// The region (`region`, default us-east-1).
    #[prop_or_default]
    pub region: Option<AttrValue>,
    /// A stream to open, created when missing (`topic`).
    #[prop_or_default]
    pub stream: Option<AttrValue>,
    /// Its shard count when it is created (`partitions`, default 4).
    #[prop_or_default]
    pub shards: Option<AttrValue>,
}

type Client = Rc<KinesisClient<FetchTransport>>;

/// Records one produce shows, at most.
const MAX_PRODUCE: u32 = 500;
/// Records one read shows, at most.
const READ_LIMIT: usize = 1_000;

/// What the connect form holds. (No `Debug`: it holds a secret.)
#[derive(Clone, PartialEq)]
struct ConnectForm {
    endpoint: String,
    region: String,
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
}

#[derive(Clone, Debug, PartialEq)]
struct Produced {
    key: String,
    shard_id: Option<String>,
    sequence_number: Option<String>,
    error: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
struct ReadView {
    shard_id: String,
    from: String,
    records: Vec<(String, String, String, Option<i64>)>,
    /// The shard is closed and this read reached its end.
    ended: bool,
    children: Vec<String>,
}

/// One run of a consumer application.
#[derive(Clone, Debug, PartialEq)]
struct ConsumedView {
    /// Counts the runs shown (1 for the first).
    run: u32,
    application: String,
    records: Vec<Consumed>,
    checkpoints: Vec<(String, String)>,
    more: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Console {
    /// The endpoint and region connected to.
    connected: Option<(String, String)>,
    error: Option<String>,
    notice: Option<String>,
    streams: Vec<String>,
    open: Option<String>,
    status: Option<(String, u32)>,
    shards: Vec<Shard>,
    produced: Vec<Produced>,
    read: Option<ReadView>,
    consumed: Option<ConsumedView>,
    working: bool,
}

enum Action {
    Working,
    Connected(String, String),
    Disconnected,
    Error(String),
    Notice(String),
    Streams(Vec<String>),
    Stream {
        name: String,
        status: (String, u32),
        shards: Vec<Shard>,
    },
    Closed(String),
    Produced(Vec<Produced>),
    Read(ReadView),
    Consumed(ConsumedView),
}

impl Reducible for Console {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.working = matches!(action, Action::Working);
        match action {
            Action::Working => next.error = None,
            Action::Connected(endpoint, region) => next.connected = Some((endpoint, region)),
            Action::Disconnected => next = Console::default(),
            Action::Error(e) => next.error = Some(e),
            Action::Notice(n) => {
                next.error = None;
                next.notice = Some(n);
            }
            Action::Streams(s) => next.streams = s,
            Action::Stream {
                name,
                status,
                shards,
            } => {
                if next.open.as_ref() != Some(&name) {
                    next.produced.clear();
                    next.read = None;
                    next.consumed = None;
                }
                next.open = Some(name);
                next.status = Some(status);
                next.shards = shards;
            }
            Action::Closed(name) => {
                next.streams.retain(|s| *s != name);
                if next.open.as_ref() == Some(&name) {
                    next.open = None;
                    next.status = None;
                    next.shards.clear();
                    next.produced.clear();
                    next.read = None;
                }
            }
            Action::Produced(p) => next.produced = p,
            Action::Read(r) => next.read = Some(r),
            Action::Consumed(mut c) => {
                c.run = next.consumed.as_ref().map_or(0, |p| p.run) + 1;
                next.consumed = Some(c);
            }
        }
        Rc::new(next)
    }
}

/// The text of an input or select.
fn value(node: &NodeRef) -> String {
    if let Some(input) = node.cast::<HtmlInputElement>() {
        return input.value();
    }
    node.cast::<HtmlSelectElement>()
        .map(|s| s.value())
        .unwrap_or_default()
}

fn checked(node: &NodeRef) -> bool {
    node.cast::<HtmlInputElement>().is_some_and(|i| i.checked())
}

/// Runs `work` with the client, showing its error (if any) in the console.
fn run<F, Fut>(console: &UseReducerHandle<Console>, client: &Rc<RefCell<Option<Client>>>, work: F)
where
    F: FnOnce(Client, UseReducerDispatcher<Console>) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<(), KinesisError>> + 'static,
{
    let Some(client) = client.borrow().clone() else {
        return;
    };
    let dispatch = console.dispatcher();
    dispatch.dispatch(Action::Working);
    spawn_local(async move {
        if let Err(e) = work(client, dispatch.clone()).await {
            dispatch.dispatch(Action::Error(e.to_string()));
        }
    });
}

/// Reads `name`'s summary and shards into the console.
async fn load_stream(
    client: &Client,
    dispatch: &UseReducerDispatcher<Console>,
    name: &str,
) -> Result<(), KinesisError> {
    let summary = client.describe_stream_summary(name).await?;
    let shards = client.list_shards(name).await?;
    dispatch.dispatch(Action::Stream {
        name: name.to_owned(),
        status: (summary.stream_status, summary.open_shard_count),
        shards,
    });
    Ok(())
}

/// Creates `name` with `count` shards, waits until it is ACTIVE, and opens it.
async fn create_stream(
    client: &Client,
    dispatch: &UseReducerDispatcher<Console>,
    name: &str,
    count: u32,
) -> Result<(), KinesisError> {
    client.create_stream(name, count).await?;
    client.wait_until_active(name, 200, 150).await?;
    dispatch.dispatch(Action::Streams(client.list_streams().await?));
    load_stream(client, dispatch, name).await
}

/// `template` with `${n}` replaced by `n`.
fn fill(template: &str, n: u32) -> String {
    template.replace("${n}", &n.to_string())
}

/// A long sequence number or hash key shortened for a table cell (the whole is its tooltip).
fn short(number: &str) -> String {
    if number.len() <= 16 {
        return number.to_owned();
    }
    format!("{}…{}", &number[..6], &number[number.len() - 6..])
}

/// `shardId-000000000004` → `#4`.
fn shard_number(id: &str) -> String {
    let digits = id.trim_start_matches("shardId-").trim_start_matches('0');
    format!("#{}", if digits.is_empty() { "0" } else { digits })
}

fn parse_hash(text: &str) -> Option<u128> {
    text.trim().parse().ok()
}

/// A scrolling table with `headers` over `rows`.
fn table(headers: &[&str], rows: Html) -> Html {
    html! {
        <div class="sl-scroll-x">
            <table class="sl-table">
                <thead><tr>{ for headers.iter().map(|h| html! { <th>{ *h }</th> }) }</tr></thead>
                <tbody>{ rows }</tbody>
            </table>
        </div>
    }
}

/// The consumer application when the field is left empty.
const DEFAULT_APPLICATION: &str = "streamlab-console";

/// The application named in `field`, or the default.
fn application_name(field: &NodeRef) -> String {
    let typed = value(field).trim().to_owned();
    if typed.is_empty() {
        DEFAULT_APPLICATION.to_owned()
    } else {
        typed
    }
}

/// The application named in `field` on the open stream of the connected endpoint.
fn lease_owner(
    open: &Option<String>,
    connected: &Option<(String, String)>,
    field: &NodeRef,
) -> Option<LeaseOwner> {
    Some(LeaseOwner {
        endpoint: connected.as_ref()?.0.clone(),
        stream: open.clone()?,
        application: application_name(field),
    })
}

/// Runs consumer application `owner` once: every record after its checkpoints (at most 1,000),
/// parents before children, then its new checkpoints.
async fn run_application(client: &Client, owner: LeaseOwner) -> Result<ConsumedView, String> {
    let table = LeaseTable::open().await.map_err(|e| e.to_string())?;
    let leases = AppLeases(&table, owner.clone());
    let run = consume(client.as_ref(), &owner.stream, &leases, READ_LIMIT).await;
    table.close();
    let run = run?;
    Ok(ConsumedView {
        run: 0,
        application: owner.application,
        records: run.records,
        checkpoints: run.checkpoints.into_iter().collect(),
        more: run.more,
    })
}

/// The console for one `<stream-lab endpoint=…>` element.
#[function_component]
pub fn KinesisConsole(props: &ConsoleProps) -> Html {
    let console = use_reducer(Console::default);
    let client = use_mut_ref(|| None::<Client>);
    let endpoint_default = props
        .endpoint
        .as_deref()
        .unwrap_or("http://localhost:4566")
        .to_owned();
    let remembered = credentials::recall(&endpoint_default);
    // The connect form's fields, held here (not in the inputs) so a re-render never loses them.
    let form = {
        let (endpoint, saved) = (endpoint_default.clone(), remembered.clone());
        let region = props.region.clone().unwrap_or_else(|| "us-east-1".into());
        use_state(move || ConnectForm {
            endpoint,
            region: region.to_string(),
            access_key_id: saved
                .as_ref()
                .map(|c| c.access_key_id.clone())
                .unwrap_or_default(),
            secret_access_key: saved
                .as_ref()
                .map(|c| c.secret_access_key.clone())
                .unwrap_or_default(),
            session_token: saved.and_then(|c| c.session_token).unwrap_or_default(),
        })
    };
    let edit = |field: fn(&mut ConnectForm) -> &mut String| {
        let form = form.clone();
        Callback::from(move |e: InputEvent| {
            let mut next = (*form).clone();
            *field(&mut next) = e.target_unchecked_into::<HtmlInputElement>().value();
            form.set(next);
        })
    };
    let remember_in = use_node_ref();
    let (name_in, count_in) = (use_node_ref(), use_node_ref());
    let (pkey_in, data_in, hash_in, pcount_in) = (
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    );
    let (rshard_in, rfrom_in, rvalue_in) = (use_node_ref(), use_node_ref(), use_node_ref());
    let root = use_node_ref();

    let onconnect = {
        let (console, client) = (console.clone(), client.clone());
        let (form, remember_in) = (form.clone(), remember_in.clone());
        let (stream, shards) = (props.stream.clone(), props.shards.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (endpoint, region) = (form.endpoint.clone(), form.region.clone());
            let region = if region.trim().is_empty() {
                "us-east-1".to_owned()
            } else {
                region.trim().to_owned()
            };
            let token = form.session_token.clone();
            let keys = Credentials {
                access_key_id: form.access_key_id.trim().to_owned(),
                secret_access_key: form.secret_access_key.clone(),
                session_token: (!token.trim().is_empty()).then(|| token.trim().to_owned()),
            };
            if keys.access_key_id.is_empty() || keys.secret_access_key.is_empty() {
                console.dispatch(Action::Error(
                    "give an access key id and its secret (LocalStack and kinesalite take any)"
                        .into(),
                ));
                return;
            }
            if checked(&remember_in) {
                credentials::remember(endpoint.trim(), &keys);
            }
            let made = KinesisClient::new(&endpoint, &region, keys, FetchTransport);
            let made = match made {
                Ok(c) => Rc::new(c),
                Err(e) => {
                    console.dispatch(Action::Error(e.to_string()));
                    return;
                }
            };
            *client.borrow_mut() = Some(Rc::clone(&made));
            let (stream, shards) = (stream.clone(), shards.clone());
            run(&console, &client, move |client, dispatch| async move {
                let names = client.list_streams().await?;
                dispatch.dispatch(Action::Connected(
                    client.endpoint().url.clone(),
                    region.clone(),
                ));
                dispatch.dispatch(Action::Streams(names.clone()));
                match stream {
                    Some(name) if names.iter().any(|n| *n == *name) => {
                        load_stream(&client, &dispatch, &name).await
                    }
                    Some(name) => {
                        let count = shards.and_then(|s| s.trim().parse().ok()).unwrap_or(4);
                        create_stream(&client, &dispatch, &name, count).await
                    }
                    None => Ok(()),
                }
            });
        })
    };

    let ondisconnect = {
        let (console, client) = (console.clone(), client.clone());
        Callback::from(move |_: MouseEvent| {
            client.borrow_mut().take();
            console.dispatch(Action::Disconnected);
        })
    };

    let onforget = {
        let (console, endpoint) = (console.clone(), endpoint_default.clone());
        Callback::from(move |_: MouseEvent| {
            credentials::forget(&endpoint);
            console.dispatch(Action::Notice(format!(
                "the credentials remembered for {endpoint} are forgotten"
            )));
        })
    };

    // Back to the browser's own log: the element loses its endpoint and remounts.
    let onbrowser = {
        let root = root.clone();
        Callback::from(move |_: MouseEvent| {
            let host = root
                .cast::<web_sys::Element>()
                .map(|e| e.get_root_node())
                .and_then(|n| n.dyn_into::<web_sys::ShadowRoot>().ok())
                .map(|s| s.host());
            if let Some(host) = host {
                let _ = host.remove_attribute("endpoint");
            }
        })
    };

    let oncreate = {
        let (console, client) = (console.clone(), client.clone());
        let (name_in, count_in) = (name_in.clone(), count_in.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let name = value(&name_in).trim().to_owned();
            let typed = value(&count_in);
            let count = if typed.trim().is_empty() {
                Some(4)
            } else {
                typed.trim().parse::<u32>().ok().filter(|n| *n >= 1)
            };
            let Some(count) = count else {
                console.dispatch(Action::Error(format!(
                    "'{}' is not a shard count (a whole number from 1)",
                    typed.trim()
                )));
                return;
            };
            if name.is_empty() {
                console.dispatch(Action::Error("give the stream a name".into()));
                return;
            }
            run(&console, &client, move |client, dispatch| async move {
                create_stream(&client, &dispatch, &name, count).await
            });
        })
    };

    let open_stream = {
        let (console, client) = (console.clone(), client.clone());
        Callback::from(move |name: String| {
            run(&console, &client, move |client, dispatch| async move {
                load_stream(&client, &dispatch, &name).await
            });
        })
    };

    let ondelete = {
        let (console, client) = (console.clone(), client.clone());
        Callback::from(move |name: String| {
            run(&console, &client, move |client, dispatch| async move {
                client.delete_stream(&name).await?;
                dispatch.dispatch(Action::Closed(name.clone()));
                dispatch.dispatch(Action::Notice(format!("deleting stream {name}")));
                Ok(())
            });
        })
    };

    let onproduce = {
        let (console, client) = (console.clone(), client.clone());
        let refs = (
            pkey_in.clone(),
            data_in.clone(),
            hash_in.clone(),
            pcount_in.clone(),
        );
        let open = console.open.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(stream) = open.clone() else { return };
            let (key, data, hash) = (value(&refs.0), value(&refs.1), value(&refs.2));
            let typed = value(&refs.3);
            let count = if typed.trim().is_empty() {
                Ok(1)
            } else {
                typed.trim().parse::<u32>()
            };
            let Ok(count) = count else {
                console.dispatch(Action::Error(format!(
                    "'{}' is not a count (1 to {MAX_PRODUCE})",
                    typed.trim()
                )));
                return;
            };
            if key.trim().is_empty() {
                console.dispatch(Action::Error(
                    "give a partition key (${n} is the record's number)".into(),
                ));
                return;
            }
            if !(1..=MAX_PRODUCE).contains(&count) {
                console.dispatch(Action::Error(format!(
                    "the count must be 1 to {MAX_PRODUCE} (one PutRecords request)"
                )));
                return;
            }
            let hash = hash.trim().to_owned();
            if !hash.is_empty() && parse_hash(&hash).is_none() {
                console.dispatch(Action::Error(format!(
                    "'{hash}' is not a hash key (0 to 2^128-1, decimal)"
                )));
                return;
            }
            run(&console, &client, move |client, dispatch| async move {
                let entries: Vec<PutEntry> = (0..count)
                    .map(|n| PutEntry {
                        partition_key: fill(&key, n),
                        explicit_hash_key: (!hash.is_empty()).then(|| hash.clone()),
                        data: fill(&data, n).into_bytes(),
                    })
                    .collect();
                let results = client.put_records(&stream, &entries).await?;
                let rows = entries
                    .iter()
                    .zip(results)
                    .map(|(e, r)| match r {
                        Ok(p) => Produced {
                            key: e.partition_key.clone(),
                            shard_id: Some(p.shard_id),
                            sequence_number: Some(p.sequence_number),
                            error: None,
                        },
                        Err(err) => Produced {
                            key: e.partition_key.clone(),
                            shard_id: None,
                            sequence_number: None,
                            error: Some(err.to_string()),
                        },
                    })
                    .collect();
                dispatch.dispatch(Action::Produced(rows));
                load_stream(&client, &dispatch, &stream).await
            });
        })
    };

    let onsplit = {
        let (console, client) = (console.clone(), client.clone());
        let open = console.open.clone();
        Callback::from(move |shard: Shard| {
            let Some(stream) = open.clone() else { return };
            let range = &shard.hash_key_range;
            let (Some(start), Some(end)) = (
                parse_hash(&range.starting_hash_key),
                parse_hash(&range.ending_hash_key),
            ) else {
                return;
            };
            if end <= start {
                console.dispatch(Action::Error(format!(
                    "{} holds one hash key: it cannot be split",
                    shard.shard_id
                )));
                return;
            }
            // The middle of the range, as the in-browser log splits.
            let at = start + (end - start) / 2 + 1;
            run(&console, &client, move |client, dispatch| async move {
                client.split_shard(&stream, &shard.shard_id, at).await?;
                client.wait_until_active(&stream, 200, 150).await?;
                load_stream(&client, &dispatch, &stream).await
            });
        })
    };

    let onmerge = {
        let (console, client) = (console.clone(), client.clone());
        let open = console.open.clone();
        Callback::from(move |(shard, adjacent): (String, String)| {
            let Some(stream) = open.clone() else { return };
            run(&console, &client, move |client, dispatch| async move {
                client.merge_shards(&stream, &shard, &adjacent).await?;
                client.wait_until_active(&stream, 200, 150).await?;
                load_stream(&client, &dispatch, &stream).await
            });
        })
    };

    let app_in = use_node_ref();
    let onconsume = {
        let (console, client, app_in) = (console.clone(), client.clone(), app_in.clone());
        let (open, connected) = (console.open.clone(), console.connected.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(owner) = lease_owner(&open, &connected, &app_in) else {
                return;
            };
            let Some(client) = client.borrow().clone() else {
                return;
            };
            let dispatch = console.dispatcher();
            dispatch.dispatch(Action::Working);
            spawn_local(async move {
                match run_application(&client, owner).await {
                    Ok(view) => dispatch.dispatch(Action::Consumed(view)),
                    Err(e) => dispatch.dispatch(Action::Error(e)),
                }
            });
        })
    };
    let onreset = {
        let (console, app_in) = (console.clone(), app_in.clone());
        let (open, connected) = (console.open.clone(), console.connected.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(owner) = lease_owner(&open, &connected, &app_in) else {
                return;
            };
            let application = owner.application.clone();
            let dispatch = console.dispatcher();
            spawn_local(async move {
                let reset = async {
                    let table = LeaseTable::open().await?;
                    let done = table.reset(&owner).await;
                    table.close();
                    done
                };
                match reset.await {
                    Ok(()) => dispatch.dispatch(Action::Notice(format!(
                        "application {application} starts over: its checkpoints are forgotten"
                    ))),
                    Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
                }
            });
        })
    };

    let onread = {
        let (console, client) = (console.clone(), client.clone());
        let refs = (rshard_in.clone(), rfrom_in.clone(), rvalue_in.clone());
        let open = console.open.clone();
        let shards = console.shards.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(stream) = open.clone() else { return };
            let (shard_id, kind, at) = (
                value(&refs.0),
                value(&refs.1),
                value(&refs.2).trim().to_owned(),
            );
            let from = match kind.as_str() {
                "TRIM_HORIZON" => StartingPosition::TrimHorizon,
                "LATEST" => StartingPosition::Latest,
                "AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER" => {
                    if at.is_empty() || !at.bytes().all(|b| b.is_ascii_digit()) {
                        console.dispatch(Action::Error(format!(
                            "'{at}' is not a sequence number (decimal digits)"
                        )));
                        return;
                    }
                    if kind == "AT_SEQUENCE_NUMBER" {
                        StartingPosition::AtSequenceNumber(at.clone())
                    } else {
                        StartingPosition::AfterSequenceNumber(at.clone())
                    }
                }
                _ => match at.parse::<i64>().ok().or_else(|| {
                    let ms = js_sys::Date::parse(&at);
                    (!ms.is_nan()).then_some(ms as i64)
                }) {
                    Some(ms) => StartingPosition::AtTimestamp(ms),
                    None => {
                        console.dispatch(Action::Error(format!("'{at}' is not a time (ms since 1970, or a date like 2026-11-26T10:00:00Z)")));
                        return;
                    }
                },
            };
            let children: Vec<String> = shards
                .iter()
                .filter(|s| {
                    s.parent_shard_id.as_deref() == Some(shard_id.as_str())
                        || s.adjacent_parent_shard_id.as_deref() == Some(shard_id.as_str())
                })
                .map(|s| s.shard_id.clone())
                .collect();
            let words = if at.is_empty() {
                kind.clone()
            } else {
                format!("{kind} {at}")
            };
            run(&console, &client, move |client, dispatch| async move {
                let mut iterator =
                    Some(client.get_shard_iterator(&stream, &shard_id, &from).await?);
                let mut view = ReadView {
                    shard_id: shard_id.clone(),
                    from: words,
                    records: Vec::new(),
                    ended: false,
                    children,
                };
                // Read on until a read comes back empty (the shard's newest record), the
                // shard's end (a closed shard), or the display's limit.
                while let Some(it) = iterator.take() {
                    let read = client.get_records(&it, Some(500)).await?;
                    let empty = read.records.is_empty();
                    view.records.extend(read.records.into_iter().map(|r| {
                        let data = String::from_utf8_lossy(&r.data).into_owned();
                        (r.sequence_number, r.partition_key, data, r.arrival_ms)
                    }));
                    if let Some(children) = read.child_shards {
                        view.children = children;
                    }
                    match read.next_iterator {
                        None => view.ended = true,
                        Some(next) if !empty && view.records.len() < READ_LIMIT => {
                            iterator = Some(next)
                        }
                        Some(_) => {}
                    }
                }
                dispatch.dispatch(Action::Read(view));
                Ok(())
            });
        })
    };

    let state = &*console;
    let error = state.error.as_ref().map(|e| {
        html! { <div class="sl-card sl-error" role="alert" data-testid="error-message">{ e.clone() }</div> }
    });
    let notice = state
        .notice
        .as_ref()
        .map(|n| html! { <p class="sl-muted">{ n.clone() }</p> });

    let Some((endpoint, region)) = state.connected.clone() else {
        let saved = remembered.clone();
        return html! {
            <div class="sl-lab sl-compact sl-remote" ref={root}>
                <main class="sl-main sl-connect">
                    <form class="sl-card" data-testid="kinesis-connect-form" novalidate=true onsubmit={onconnect}>
                        <h2>{ "Connect to a Kinesis endpoint" }</h2>
                        <p class="sl-muted">{ "AWS (https://kinesis.<region>.amazonaws.com), LocalStack (http://localhost:4566) or kinesalite. The endpoint must allow this page's origin (CORS). The keys stay in this page's memory unless you ask to remember them here." }</p>
                        <div class="sl-row">
                            <label class="sl-grow">{ "Endpoint" }
                                <input data-testid="kinesis-endpoint" value={form.endpoint.clone()} oninput={edit(|f| &mut f.endpoint)} autocomplete="off" />
                            </label>
                            <label>{ "Region" }
                                <input data-testid="kinesis-region" value={form.region.clone()} oninput={edit(|f| &mut f.region)} autocomplete="off" />
                            </label>
                        </div>
                        <div class="sl-row">
                            <label>{ "Access key id" }
                                <input data-testid="kinesis-access-key" value={form.access_key_id.clone()} oninput={edit(|f| &mut f.access_key_id)} autocomplete="off" />
                            </label>
                            <label>{ "Secret access key" }
                                <input data-testid="kinesis-secret-key" type="password" value={form.secret_access_key.clone()} oninput={edit(|f| &mut f.secret_access_key)} autocomplete="off" />
                            </label>
                            <label>{ "Session token (optional)" }
                                <input data-testid="kinesis-session-token" type="password" value={form.session_token.clone()} oninput={edit(|f| &mut f.session_token)} autocomplete="off" />
                            </label>
                        </div>
                        <div class="sl-row">
                            <label class="sl-check">
                                <input ref={remember_in} type="checkbox" data-testid="kinesis-remember" />
                                { " Remember these keys on this device (localStorage)" }
                            </label>
                            if saved.is_some() {
                                <button type="button" class="sl-small" data-testid="kinesis-forget" onclick={onforget}>{ "Forget the remembered keys" }</button>
                            }
                            <span class="sl-grow"></span>
                            <button type="button" data-testid="backend-browser" onclick={onbrowser}>{ "Use the browser's IndexedDB" }</button>
                            <button type="submit" class="sl-primary" data-testid="kinesis-connect" disabled={state.working}>
                                { if state.working { "Connecting…" } else { "Connect" } }
                            </button>
                        </div>
                    </form>
                    { error }
                    { notice }
                </main>
            </div>
        };
    };

    let streams = state.streams.iter().map(|name| {
        let open = open_stream.clone();
        let n = name.clone();
        let selected = state.open.as_ref() == Some(name);
        html! {
            <li>
                <button class={classes!("sl-topic-item", selected.then_some("selected"))} data-testid="topic-item" data-topic={name.clone()}
                        onclick={Callback::from(move |_: MouseEvent| open.emit(n.clone()))}>
                    <span class="sl-dot kinesis"></span>
                    <span class="sl-topic-name">{ name.clone() }</span>
                </button>
            </li>
        }
    });

    let main = match (&state.open, &state.status) {
        (Some(name), Some((status, open_count))) => {
            let rows = state.shards.iter().map(|s| {
                let closed = s.sequence_number_range.ending_sequence_number.is_some();
                let parents = [s.parent_shard_id.clone(), s.adjacent_parent_shard_id.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" + ");
                // The open shard whose range starts right after this one's.
                let next = s.hash_key_range.ending_hash_key.parse::<u128>().ok().and_then(|end| {
                    state.shards.iter().find(|o| {
                        o.sequence_number_range.ending_sequence_number.is_none()
                            && o.hash_key_range.starting_hash_key.parse::<u128>().ok() == end.checked_add(1)
                    })
                });
                let split = (!closed).then(|| {
                    let (onsplit, shard) = (onsplit.clone(), s.clone());
                    html! { <button class="sl-small" data-testid="shard-split" onclick={Callback::from(move |_: MouseEvent| onsplit.emit(shard.clone()))}>{ "Split" }</button> }
                });
                let merge = (!closed).then_some(()).and(next).map(|n| {
                    let (onmerge, pair) = (onmerge.clone(), (s.shard_id.clone(), n.shard_id.clone()));
                    html! { <button class="sl-small" data-testid="shard-merge" onclick={Callback::from(move |_: MouseEvent| onmerge.emit(pair.clone()))}>{ format!("Merge with {}", shard_number(&n.shard_id)) }</button> }
                });
                html! {
                    <tr data-testid="partition-row" data-shard-id={s.shard_id.clone()}
                        data-starting-hash-key={s.hash_key_range.starting_hash_key.clone()}
                        data-ending-hash-key={s.hash_key_range.ending_hash_key.clone()}
                        data-state={if closed { "CLOSED" } else { "OPEN" }}
                        data-parent={s.parent_shard_id.clone()}
                        data-adjacent-parent={s.adjacent_parent_shard_id.clone()}>
                        <td><code>{ s.shard_id.clone() }</code></td>
                        <td>{ if closed { "CLOSED" } else { "OPEN" } }</td>
                        <td class="sl-hash">
                            <div><code title={s.hash_key_range.starting_hash_key.clone()}>{ short(&s.hash_key_range.starting_hash_key) }</code></div>
                            <div><code title={s.hash_key_range.ending_hash_key.clone()}>{ short(&s.hash_key_range.ending_hash_key) }</code></div>
                        </td>
                        <td class="sl-seq">
                            <code title={s.sequence_number_range.starting_sequence_number.clone()}>{ short(&s.sequence_number_range.starting_sequence_number) }</code>
                            if let Some(end) = &s.sequence_number_range.ending_sequence_number {
                                <div class="sl-muted sl-hint" title={end.clone()}>{ format!("ends at {}", short(end)) }</div>
                            }
                        </td>
                        <td>{ if parents.is_empty() { "–".to_owned() } else { parents } }</td>
                        <td class="sl-actions">{ split }{ merge }</td>
                    </tr>
                }
            });
            let produced = state.produced.iter().map(|p| html! {
                <li data-testid="produce-result" data-key={p.key.clone()} data-shard-id={p.shard_id.clone()} data-sequence-number={p.sequence_number.clone()}>
                    <code>{ p.key.clone() }</code>{ " → " }
                    { match (&p.shard_id, &p.sequence_number, &p.error) {
                        (Some(shard), Some(seq), _) => format!("{shard} · seq {}", short(seq)),
                        (_, _, Some(e)) => format!("refused: {e}"),
                        _ => "no result".to_owned(),
                    } }
                </li>
            });
            let shard_options = state.shards.iter().map(|s| html! {
                <option value={s.shard_id.clone()} selected={state.read.as_ref().is_some_and(|r| r.shard_id == s.shard_id)}>{ s.shard_id.clone() }</option>
            });
            let read = state.read.as_ref().map(|r| {
                let rows = r.records.iter().map(|(seq, key, data, at)| html! {
                    <tr data-testid="record-row" data-shard-id={r.shard_id.clone()} data-sequence-number={seq.clone()} data-key={key.clone()}>
                        <td class="sl-seq"><code title={seq.clone()}>{ short(seq) }</code></td>
                        <td><code>{ key.clone() }</code></td>
                        <td class="sl-wrap">{ data.clone() }</td>
                        <td class="sl-muted">{ at.map(|ms| String::from(js_sys::Date::new(&(ms as f64).into()).to_iso_string())).unwrap_or_default() }</td>
                    </tr>
                });
                let end = if r.ended {
                    let children = if r.children.is_empty() { "none yet".to_owned() } else { r.children.join(", ") };
                    format!("the end of closed shard {}: its hash keys went to {children}", r.shard_id)
                } else {
                    format!("up to the newest record of {} (read again for more)", r.shard_id)
                };
                html! {
                    <>
                        <p class="sl-muted" data-testid="records-end" data-ended={r.ended.to_string()} data-children={r.children.join(",")}>
                            { format!("{} records from {} · {end}", r.records.len(), r.from) }
                        </p>
                        { table(&["Sequence number", "Partition key", "Data", "Arrived"], rows.collect()) }
                    </>
                }
            });
            let consumed = state.consumed.as_ref().map(|c| {
                let leases = c.checkpoints.iter().map(|(shard, checkpoint)| html! {
                    <tr data-testid="lease-row" data-shard-id={shard.clone()} data-checkpoint={checkpoint.clone()}>
                        <td><code>{ shard.clone() }</code></td>
                        <td><code title={checkpoint.clone()}>{ short(checkpoint) }</code></td>
                    </tr>
                });
                let rows = c.records.iter().map(|r| html! {
                    <tr data-testid="consumed-row" data-shard-id={r.shard_id.clone()} data-sequence-number={r.sequence_number.clone()} data-key={r.partition_key.clone()}>
                        <td><code>{ r.shard_id.clone() }</code></td>
                        <td class="sl-seq"><code title={r.sequence_number.clone()}>{ short(&r.sequence_number) }</code></td>
                        <td><code>{ r.partition_key.clone() }</code></td>
                        <td class="sl-wrap">{ String::from_utf8_lossy(&r.data).into_owned() }</td>
                    </tr>
                });
                html! {
                    <>
                        <p class="sl-muted" data-testid="kinesis-consumed" data-count={c.records.len().to_string()} data-run={c.run.to_string()}>
                            { format!("{} read {} new records{}", c.application, c.records.len(), if c.more { " (more are waiting: read again)" } else { "" }) }
                        </p>
                        { table(&["Shard", "Checkpoint"], leases.collect()) }
                        if !c.records.is_empty() {
                            { table(&["Shard", "Sequence number", "Partition key", "Data"], rows.collect()) }
                        }
                    </>
                }
            });
            let refresh = {
                let (open_stream, name) = (open_stream.clone(), name.clone());
                Callback::from(move |_: MouseEvent| open_stream.emit(name.clone()))
            };
            let delete = {
                let (ondelete, name) = (ondelete.clone(), name.clone());
                Callback::from(move |_: MouseEvent| ondelete.emit(name.clone()))
            };
            html! {
                <section class="sl-topic">
                    <header class="sl-topic-header">
                        <h2>{ name.clone() }</h2>
                        <span class="sl-badge kinesis">{ "Kinesis stream" }</span>
                        <span class="sl-muted" data-testid="stream-status" data-status={status.clone()}>{ format!("{status} · {open_count} open shards") }</span>
                        <span class="sl-grow"></span>
                        <button class="sl-small" data-testid="stream-refresh" onclick={refresh}
                                title="Read the stream's status and shards again (others may write to it or reshard it)">{ "Refresh" }</button>
                        <button class="sl-small" data-testid="topic-delete" onclick={delete}>{ "Delete stream" }</button>
                    </header>
                    <form class="sl-card sl-produce" novalidate=true onsubmit={onproduce}>
                        <h3>{ "PutRecords" }</h3>
                        <div class="sl-row">
                            <label>{ "Partition key" }
                                <input ref={pkey_in} data-testid="produce-key" placeholder="customer-${n}" autocomplete="off" />
                            </label>
                            <label class="sl-grow">{ "Data" }
                                <input ref={data_in} data-testid="produce-value" placeholder="order ${n}" autocomplete="off" />
                            </label>
                            <label class="sl-narrow">{ "Count" }
                                <input ref={pcount_in} data-testid="produce-count" type="number" placeholder="1" min="1" max={MAX_PRODUCE.to_string()} />
                            </label>
                            <button type="submit" class="sl-primary" data-testid="produce-submit" disabled={state.working}>{ "Put" }</button>
                        </div>
                        <div class="sl-row">
                            <label class="sl-grow">{ "Explicit hash key (optional)" }
                                <input ref={hash_in} data-testid="produce-target" placeholder="0 to 2^128-1, decimal" autocomplete="off" />
                            </label>
                        </div>
                        <p class="sl-muted sl-hint">{ "${n} is the record's number in this request. The service picks the shard whose hash-key range holds MD5(partition key), as the in-browser log does." }</p>
                        if !state.produced.is_empty() {
                            <ul class="sl-results">{ for produced }</ul>
                        }
                    </form>
                    <div class="sl-card">
                        <h3>{ "Shards" }</h3>
                        { table(&["Shard", "State", "Hash-key range", "Sequence numbers", "Parents", ""], rows.collect()) }
                    </div>
                    <form class="sl-card" data-testid="kinesis-consumer" novalidate=true onsubmit={onconsume}>
                        <h3>{ "Consumer application" }</h3>
                        <div class="sl-row">
                            <label>{ "Application" }
                                <input ref={app_in} data-testid="kinesis-application" placeholder={DEFAULT_APPLICATION} autocomplete="off" />
                            </label>
                            <button type="submit" class="sl-primary" data-testid="kinesis-consume" disabled={state.working}>{ "Read new records" }</button>
                            <button type="button" class="sl-small" data-testid="kinesis-reset" onclick={onreset}>{ "Forget its checkpoints" }</button>
                        </div>
                        <p class="sl-muted sl-hint">{ "As the Kinesis Client Library does: every shard from its checkpoint (or TRIM_HORIZON), parents to their end (SHARD_END) before their children, then a new checkpoint. The checkpoints are kept in this browser (IndexedDB), per endpoint, stream and application, so the next run, even after a reload, reads only what came since." }</p>
                        { for consumed }
                    </form>
                    <form class="sl-card" novalidate=true onsubmit={onread}>
                        <h3>{ "GetRecords: replay a shard" }</h3>
                        <div class="sl-row">
                            <label>{ "Shard" }<select ref={rshard_in} data-testid="records-shard">{ for shard_options }</select></label>
                            <label>{ "From" }
                                <select ref={rfrom_in} data-testid="records-from">
                                    { for ["TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "AT_TIMESTAMP"].iter().map(|kind| {
                                        let chosen = state.read.as_ref().is_some_and(|r| r.from.split(' ').next() == Some(*kind));
                                        html! { <option value={*kind} selected={chosen}>{ *kind }</option> }
                                    }) }
                                </select>
                            </label>
                            <label class="sl-grow">{ "Sequence number or time" }
                                <input ref={rvalue_in} data-testid="records-value" placeholder="only for AT_/AFTER_SEQUENCE_NUMBER and AT_TIMESTAMP" autocomplete="off" />
                            </label>
                            <button type="submit" class="sl-primary" data-testid="records-read" disabled={state.working}>{ "Read" }</button>
                        </div>
                        { for read }
                    </form>
                </section>
            }
        }
        _ => html! {
            <section class="sl-empty">
                <h2>{ "Open or create a stream" }</h2>
                <p>{ "Streams live on the endpoint, not in this browser: what you create here is created there." }</p>
            </section>
        },
    };

    html! {
        <div class="sl-lab sl-remote" ref={root}>
            <aside class="sl-sidebar">
                <div class="sl-brand">
                    <span class="sl-logo">{ "▤" }</span>
                    <span>{ "Streamlab" }</span>
                </div>
                <div class="sl-card" data-testid="kinesis-connection" data-endpoint={endpoint.clone()}>
                    <strong>{ "Kinesis endpoint" }</strong>
                    <div><code>{ endpoint.clone() }</code></div>
                    <div class="sl-muted">{ region.clone() }</div>
                    <div class="sl-row">
                        <button class="sl-small" data-testid="kinesis-disconnect" onclick={ondisconnect}>{ "Disconnect" }</button>
                        <button class="sl-small" data-testid="backend-browser" onclick={onbrowser}>{ "Use IndexedDB" }</button>
                    </div>
                </div>
                <form class="sl-card sl-create" novalidate=true onsubmit={oncreate}>
                    <h3>{ "CreateStream" }</h3>
                    <label>{ "Name" }<input ref={name_in} data-testid="topic-create-name" placeholder="orders" autocomplete="off" /></label>
                    <label>{ "Shards" }<input ref={count_in} data-testid="topic-create-partitions" type="number" placeholder="4" min="1" /></label>
                    <button type="submit" class="sl-primary" data-testid="topic-create-submit" disabled={state.working}>{ "Create" }</button>
                </form>
                <nav class="sl-card">
                    <h3>{ "Streams" }</h3>
                    if state.streams.is_empty() {
                        <p class="sl-muted">{ "No streams on this endpoint yet." }</p>
                    }
                    <ul class="sl-topic-list">{ for streams }</ul>
                </nav>
            </aside>
            <main class="sl-main">
                { error }
                { notice }
                { main }
            </main>
        </div>
    }
}
