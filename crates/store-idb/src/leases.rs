//! The lease table of Kinesis consumer applications (the second backend, `streamlab-kinesis`):
//! the Kinesis Client Library keeps one checkpoint per shard in a DynamoDB table; Streamlab keeps
//! them in the browser, in a database of their own (`streamlab-kinesis-leases`), keyed
//! `[endpoint, stream, application, shard]`, so one browser can follow several endpoints and
//! streams, and each application resumes where it checkpointed.

use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbKeyRange, IdbTransactionMode};

use crate::error::IdbError;
use crate::idb::{open, request, Tx};

/// The database name.
pub const LEASE_DATABASE: &str = "streamlab-kinesis-leases";
const LEASES: &str = "leases";

/// An open lease table.
pub struct LeaseTable {
    db: IdbDatabase,
}

/// Which application's leases: an endpoint, a stream, an application name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseOwner {
    /// The endpoint URL.
    pub endpoint: String,
    /// The stream.
    pub stream: String,
    /// The consumer application.
    pub application: String,
}

impl LeaseOwner {
    fn key(&self, shard: &str) -> JsValue {
        [&self.endpoint, &self.stream, &self.application, shard]
            .iter()
            .map(|s| JsValue::from_str(s))
            .collect::<Array>()
            .into()
    }

    /// Every key of this owner: the shard part from "" to past any shard id.
    fn range(&self) -> Result<IdbKeyRange, IdbError> {
        IdbKeyRange::bound(&self.key(""), &self.key("\u{ffff}")).map_err(IdbError::from_js)
    }
}

impl LeaseTable {
    /// Opens (creating on first use) the lease table.
    pub async fn open() -> Result<LeaseTable, IdbError> {
        let db = open(LEASE_DATABASE, 1, |db, _, _| {
            if !db.object_store_names().contains(LEASES) {
                db.create_object_store(LEASES)?;
            }
            Ok(None)
        })
        .await?;
        Ok(LeaseTable { db })
    }

    /// `owner`'s checkpoints, shard id → checkpoint, in shard order.
    pub async fn load(&self, owner: &LeaseOwner) -> Result<Vec<(String, String)>, IdbError> {
        let tx = Tx::new(&self.db, &[LEASES], IdbTransactionMode::Readonly)?;
        let store = tx.store(LEASES)?;
        let range = owner.range()?;
        let keys: Array = request(
            &store
                .get_all_keys_with_key(&range)
                .map_err(IdbError::from_js)?,
        )
        .await?
        .unchecked_into();
        let values: Array = request(&store.get_all_with_key(&range).map_err(IdbError::from_js)?)
            .await?
            .unchecked_into();
        let shard = |key: JsValue| {
            key.dyn_into::<Array>()
                .ok()
                .and_then(|k| k.get(3).as_string())
        };
        Ok(keys
            .iter()
            .zip(values.iter())
            .filter_map(|(k, v)| Some((shard(k)?, v.as_string()?)))
            .collect())
    }

    /// Sets `owner`'s checkpoint of `shard`.
    pub async fn save(
        &self,
        owner: &LeaseOwner,
        shard: &str,
        checkpoint: &str,
    ) -> Result<(), IdbError> {
        let tx = Tx::new(&self.db, &[LEASES], IdbTransactionMode::Readwrite)?;
        let put = tx
            .store(LEASES)?
            .put_with_key(&JsValue::from_str(checkpoint), &owner.key(shard))
            .map_err(IdbError::from_js)?;
        request(&put).await?;
        tx.commit().await
    }

    /// Forgets every checkpoint of `owner` (the application starts over from TRIM_HORIZON).
    pub async fn reset(&self, owner: &LeaseOwner) -> Result<(), IdbError> {
        let tx = Tx::new(&self.db, &[LEASES], IdbTransactionMode::Readwrite)?;
        let delete = tx
            .store(LEASES)?
            .delete(&owner.range()?.into())
            .map_err(IdbError::from_js)?;
        request(&delete).await?;
        tx.commit().await
    }

    /// Closes the connection.
    pub fn close(&self) {
        self.db.close();
    }
}
