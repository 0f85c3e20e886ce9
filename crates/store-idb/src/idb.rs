//! Just enough of IndexedDB as futures.
//!
//! A request becomes a `Promise` resolved from its `success` event. Promise reactions run as
//! microtasks inside the event's dispatch, while the transaction is still active, so code may
//! await a request and then issue the next one in the same transaction. Awaiting anything else
//! (a timer, a fetch, a message) lets the transaction auto-commit; this module offers nothing
//! else to await, and [`Tx`] commits or aborts explicitly.

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    IdbDatabase, IdbFactory, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransaction,
    IdbTransactionMode,
};

use crate::error::IdbError;

/// The `indexedDB` of the page or worker this runs in.
pub(crate) fn factory() -> Result<IdbFactory, IdbError> {
    let global = js_sys::global();
    Reflect::get(&global, &JsValue::from_str("indexedDB"))
        .ok()
        .and_then(|v| v.dyn_into::<IdbFactory>().ok())
        .ok_or(IdbError::Unavailable)
}

/// Awaits a request's result.
pub(crate) async fn request(req: &IdbRequest) -> Result<JsValue, IdbError> {
    requested(req.clone()).await
}

/// A request's result, listened for from now on: several requests issued at once can then be
/// awaited one after the other without missing the events of those that finish first.
pub(crate) fn requested(
    req: IdbRequest,
) -> impl std::future::Future<Output = Result<JsValue, IdbError>> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        req.set_onsuccess(Some(&resolve));
        req.set_onerror(Some(&reject));
    });
    async move {
        let outcome = JsFuture::from(promise).await;
        req.set_onsuccess(None);
        req.set_onerror(None);
        match outcome {
            Ok(_) => req.result().map_err(IdbError::from_js),
            Err(_) => Err(match req.error() {
                Ok(Some(e)) => IdbError::from_dom(&e),
                Ok(None) | Err(_) => IdbError::Dom {
                    name: "UnknownError".into(),
                    message: "the request failed without an error".into(),
                },
            }),
        }
    }
}

/// Data migration of a schema upgrade, run inside the versionchange transaction.
pub(crate) type Migration =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), IdbError>>>>;

/// A schema upgrade: makes stores and indexes synchronously, and may return a [`Migration`]
/// that moves data inside the same versionchange transaction (awaiting only its requests).
pub(crate) type Upgrade =
    fn(&IdbDatabase, &IdbTransaction, u32) -> Result<Option<Migration>, JsValue>;

/// Opens `name` at `version`, running `upgrade(db, tx, old_version)` when the stored version is
/// older. Resolves to [`IdbError::Blocked`] if another connection holds an older version open
/// and will not close.
pub(crate) async fn open(
    name: &str,
    version: u32,
    upgrade: Upgrade,
) -> Result<IdbDatabase, IdbError> {
    let req: IdbOpenDbRequest = factory()?
        .open_with_u32(name, version)
        .map_err(IdbError::from_js)?;
    let on_upgrade =
        wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::IdbVersionChangeEvent)>::new({
            let req = req.clone();
            move |event: web_sys::IdbVersionChangeEvent| {
                let Some(tx) = req.transaction() else {
                    return;
                };
                let result = req.result().and_then(|db| {
                    let db: IdbDatabase = db.unchecked_into();
                    upgrade(&db, &tx, event.old_version() as u32)
                });
                match result {
                    // A failed upgrade must not leave a half-made schema behind.
                    Err(_) => {
                        let _ = tx.abort();
                    }
                    Ok(Some(migration)) => {
                        // Runs in microtasks while the versionchange transaction is active; the
                        // open request succeeds only after it (and the transaction) finish.
                        wasm_bindgen_futures::spawn_local(async move {
                            if migration.await.is_err() {
                                let _ = tx.abort();
                            }
                        });
                    }
                    Ok(None) => {}
                }
            }
        });
    req.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        req.set_onsuccess(Some(&resolve));
        req.set_onerror(Some(&reject));
        let blocked = reject.clone();
        let on_blocked = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
            let _ = blocked.call1(&JsValue::NULL, &JsValue::from_str("blocked"));
        })
        .into_js_value();
        req.set_onblocked(Some(on_blocked.unchecked_ref()));
    });
    let outcome = JsFuture::from(promise).await;
    req.set_onblocked(None);
    match outcome {
        Ok(_) => {
            req.set_onupgradeneeded(None);
            drop(on_upgrade);
            Ok(req.result().map_err(IdbError::from_js)?.unchecked_into())
        }
        Err(reason) if reason.as_string().as_deref() == Some("blocked") => {
            // An open request cannot be cancelled: once the other connection closes, it goes
            // ahead. It must still run the upgrade (or the database would be at the new
            // version without its stores), and the connection it yields is nobody's: close it.
            on_upgrade.forget();
            let late = req.clone();
            let close = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
                if let Ok(db) = late.result() {
                    db.unchecked_into::<IdbDatabase>().close();
                }
            });
            req.set_onsuccess(Some(close.as_ref().unchecked_ref()));
            close.forget();
            Err(IdbError::Blocked)
        }
        Err(_) => Err(match req.error() {
            Ok(Some(e)) => IdbError::from_dom(&e),
            _ => IdbError::Dom {
                name: "UnknownError".into(),
                message: format!("opening database '{name}' failed"),
            },
        }),
    }
}

/// A transaction that must end in [`Tx::commit`] or is aborted when dropped.
pub(crate) struct Tx {
    tx: IdbTransaction,
    mode: IdbTransactionMode,
    done: Option<Promise>,
}

impl Tx {
    /// Starts a transaction over `stores`.
    pub(crate) fn new(
        db: &IdbDatabase,
        stores: &[&str],
        mode: IdbTransactionMode,
    ) -> Result<Tx, IdbError> {
        let names: Array = stores.iter().map(|s| JsValue::from_str(s)).collect();
        let tx = db
            .transaction_with_str_sequence_and_mode(&names, mode)
            .map_err(IdbError::from_js)?;
        // Listen for the end now: the events may fire before anyone awaits them. The promise
        // resolves with the ending event (`complete`, `error` or `abort`) and never rejects, so an
        // abort nobody awaits is not reported as an unhandled rejection.
        let done = Promise::new(&mut |resolve: Function, _reject: Function| {
            tx.set_oncomplete(Some(&resolve));
            tx.set_onerror(Some(&resolve));
            tx.set_onabort(Some(&resolve));
        });
        Ok(Tx {
            tx,
            mode,
            done: Some(done),
        })
    }

    /// One of the transaction's object stores.
    pub(crate) fn store(&self, name: &str) -> Result<IdbObjectStore, IdbError> {
        self.tx.object_store(name).map_err(IdbError::from_js)
    }

    /// Commits and waits until the data is stored.
    pub(crate) async fn commit(self) -> Result<(), IdbError> {
        self.commit_while(|| ()).await.0
    }

    /// Commits, runs `meanwhile` (once, whatever the outcome) while IndexedDB stores the data,
    /// then waits until it is stored.
    pub(crate) async fn commit_while<T>(
        mut self,
        meanwhile: impl FnOnce() -> T,
    ) -> (Result<(), IdbError>, T) {
        // `IDBTransaction.commit()` is standard in every current browser; web-sys marks it
        // deprecated only because of its WebIDL source.
        #[allow(deprecated)]
        let committing = self.tx.commit().map_err(IdbError::from_js);
        let done_meanwhile = meanwhile();
        if let Err(e) = committing {
            return (Err(e), done_meanwhile);
        }
        (self.stored().await, done_meanwhile)
    }

    /// Waits for the outcome of a transaction whose commit was asked for.
    async fn stored(&mut self) -> Result<(), IdbError> {
        let done = self.done.take();
        let outcome = match done {
            Some(done) => JsFuture::from(done).await,
            None => Ok(JsValue::UNDEFINED),
        };
        let event_type = outcome
            .ok()
            .and_then(|event| Reflect::get(&event, &JsValue::from_str("type")).ok())
            .and_then(|t| t.as_string());
        if event_type.as_deref() == Some("complete") {
            return Ok(());
        }
        Err(match self.tx.error() {
            Some(e) => IdbError::from_dom(&e),
            None => IdbError::Dom {
                name: "AbortError".into(),
                message: "the transaction was aborted".into(),
            },
        })
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        if self.done.is_some() && self.mode == IdbTransactionMode::Readwrite {
            // Not committed: leave nothing behind. Aborting a finished transaction throws, which
            // is fine to ignore. Read-only transactions simply end.
            let _ = self.tx.abort();
        }
    }
}
