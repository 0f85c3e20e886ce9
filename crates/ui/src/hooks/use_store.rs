//! `use_store`: the lab's connection to its IndexedDB database.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use streamlab_idb::IdbStore;

use crate::browser::announce_change;
use crate::state::{Action, Dispatch};

/// The open database, shared by the lab's actions (empty until it opens). The reducer only
/// hears that it opened (`Action::StoreOpened`); the handle itself stays out of the state.
#[derive(Clone, Default)]
pub struct StoreCell(Rc<RefCell<Option<Rc<IdbStore>>>>);

impl StoreCell {
    /// The store, once open.
    pub fn get(&self) -> Option<Rc<IdbStore>> {
        self.0.borrow().clone()
    }

    /// The store, or a message for the user that it is still opening.
    pub fn ready(&self, dispatch: &Dispatch) -> Option<Rc<IdbStore>> {
        let store = self.get();
        if store.is_none() {
            dispatch.dispatch(Action::Error("the database is still opening".into()));
        }
        store
    }
}

/// Opens database `db` when the lab mounts (emptied first when `clear`, in place, so other labs
/// and tabs on it keep their connections and hear of it like of any change) and closes it when
/// the lab unmounts.
#[hook]
pub fn use_store(db: AttrValue, clear: bool, dispatch: Dispatch) -> StoreCell {
    let cell = use_memo((), |_| StoreCell::default());
    {
        let cell = (*cell).clone();
        use_effect_with((db, clear), move |(db, clear)| {
            let (db, clear) = (db.to_string(), *clear);
            let opened = cell.clone();
            spawn_local(async move {
                match IdbStore::open(&db).await {
                    Ok(store) => {
                        if clear {
                            if let Err(e) = store.clear().await {
                                let message = format!("could not empty database '{db}': {e}");
                                dispatch.dispatch(Action::Error(message));
                                return;
                            }
                            announce_change(&db, "cleared");
                        }
                        *opened.0.borrow_mut() = Some(Rc::new(store));
                        dispatch.dispatch(Action::StoreOpened);
                    }
                    Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
                }
            });
            move || {
                if let Some(store) = cell.0.borrow_mut().take() {
                    store.close();
                }
            }
        });
    }
    (*cell).clone()
}
