//! `Remote`: the console's connection to its endpoint and the operations on it, shared with the
//! components through a context. It holds the client cell and the dispatcher, never the state,
//! so it never changes while the console lives.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use streamlab_idb::{LeaseOwner, LeaseTable};
use streamlab_kinesis::consumer::consume;
use streamlab_kinesis::KinesisError;

use crate::state::{Action, Client, Console, ConsumedView, READ_LIMIT};
use crate::AppLeases;

/// The console's client (once connected) and its dispatcher.
#[derive(Clone)]
pub struct Remote {
    client: Rc<RefCell<Option<Client>>>,
    dispatch: UseReducerDispatcher<Console>,
}

impl PartialEq for Remote {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.client, &other.client)
    }
}

impl Remote {
    /// A console's remote, with no client yet.
    pub fn new(
        client: Rc<RefCell<Option<Client>>>,
        dispatch: UseReducerDispatcher<Console>,
    ) -> Remote {
        Remote { client, dispatch }
    }

    /// Tells the console `action`.
    pub fn dispatch(&self, action: Action) {
        self.dispatch.dispatch(action);
    }

    /// Shows `message` as the console's error.
    pub fn error(&self, message: impl Into<String>) {
        self.dispatch(Action::Error(message.into()));
    }

    /// The connected client, if any.
    pub fn client(&self) -> Option<Client> {
        self.client.borrow().clone()
    }

    /// Uses `client` from now on.
    pub fn connect(&self, client: Client) {
        *self.client.borrow_mut() = Some(client);
    }

    /// Lets go of the client and empties the console.
    pub fn disconnect(&self) {
        self.client.borrow_mut().take();
        self.dispatch(Action::Disconnected);
    }

    /// Runs `work` with the client, showing its error (if any) in the console.
    pub fn run<F, Fut>(&self, work: F)
    where
        F: FnOnce(Client, UseReducerDispatcher<Console>) -> Fut + 'static,
        Fut: std::future::Future<Output = Result<(), KinesisError>> + 'static,
    {
        let Some(client) = self.client() else {
            return;
        };
        let dispatch = self.dispatch.clone();
        dispatch.dispatch(Action::Working);
        spawn_local(async move {
            if let Err(e) = work(client, dispatch.clone()).await {
                dispatch.dispatch(Action::Error(e.to_string()));
            }
        });
    }

    /// Opens stream `name`: its summary and shards.
    pub fn open(&self, name: String) {
        self.run(
            move |client, dispatch| async move { load_stream(&client, &dispatch, &name).await },
        );
    }

    /// Creates stream `name` with `count` shards, and opens it once it is ACTIVE.
    pub fn create(&self, name: String, count: u32) {
        self.run(move |client, dispatch| async move {
            create_stream(&client, &dispatch, &name, count).await
        });
    }

    /// Deletes stream `name`.
    pub fn delete(&self, name: String) {
        self.run(move |client, dispatch| async move {
            client.delete_stream(&name).await?;
            dispatch.dispatch(Action::Closed(name.clone()));
            dispatch.dispatch(Action::Notice(format!("deleting stream {name}")));
            Ok(())
        });
    }

    /// Runs consumer application `owner` once (see [`run_application`]).
    pub fn consume(&self, owner: LeaseOwner) {
        let Some(client) = self.client() else {
            return;
        };
        let dispatch = self.dispatch.clone();
        dispatch.dispatch(Action::Working);
        spawn_local(async move {
            match run_application(&client, owner).await {
                Ok(view) => dispatch.dispatch(Action::Consumed(view)),
                Err(e) => dispatch.dispatch(Action::Error(e)),
            }
        });
    }

    /// Forgets consumer application `owner`'s checkpoints.
    pub fn reset(&self, owner: LeaseOwner) {
        let application = owner.application.clone();
        let dispatch = self.dispatch.clone();
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
    }
}

/// Reads `name`'s summary and shards into the console.
pub async fn load_stream(
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
pub async fn create_stream(
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
