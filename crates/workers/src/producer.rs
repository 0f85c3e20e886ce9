//! The producer worker.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use gloo_worker::{HandlerId, Worker, WorkerScope};

use streamlab_idb::IdbStore;
use streamlab_log::{produce, KeylessPartitioner, Mode, ProduceRecord, Timestamp, TopicName};
use streamlab_protocol::{ProduceAck, ProducerCommand, ProducerEvent};

/// Appends what the UI asks for and acknowledges each record with its partition and offset.
pub struct ProducerWorker {
    stores: Rc<RefCell<HashMap<String, Rc<IdbStore>>>>,
    keyless: Rc<KeylessPartitioner>,
}

impl Worker for ProducerWorker {
    type Message = (HandlerId, ProducerEvent);
    type Input = ProducerCommand;
    type Output = ProducerEvent;

    fn create(_scope: &WorkerScope<Self>) -> Self {
        ProducerWorker {
            stores: Rc::default(),
            keyless: Rc::default(),
        }
    }

    fn update(&mut self, scope: &WorkerScope<Self>, (id, event): Self::Message) {
        scope.respond(id, event);
    }

    fn received(&mut self, scope: &WorkerScope<Self>, command: Self::Input, id: HandlerId) {
        match command {
            ProducerCommand::Produce {
                request_id,
                db,
                topic,
                records,
            } => {
                let stores = Rc::clone(&self.stores);
                let keyless = Rc::clone(&self.keyless);
                scope.send_future(async move {
                    let event =
                        match produce_request(&stores, &keyless, &db, &topic, &records).await {
                            Ok(acks) => ProducerEvent::Acked { request_id, acks },
                            Err(message) => ProducerEvent::Failed {
                                request_id,
                                message,
                            },
                        };
                    (id, event)
                });
            }
        }
    }
}

async fn store_for(
    stores: &RefCell<HashMap<String, Rc<IdbStore>>>,
    db: &str,
) -> Result<Rc<IdbStore>, String> {
    if let Some(store) = stores.borrow().get(db) {
        return Ok(Rc::clone(store));
    }
    let store = Rc::new(IdbStore::open(db).await.map_err(|e| e.to_string())?);
    stores.borrow_mut().insert(db.to_owned(), Rc::clone(&store));
    Ok(store)
}

async fn produce_request(
    stores: &RefCell<HashMap<String, Rc<IdbStore>>>,
    keyless: &KeylessPartitioner,
    db: &str,
    topic: &str,
    records: &[streamlab_protocol::WireRecord],
) -> Result<Vec<ProduceAck>, String> {
    // Either mode's charset check suffices to look the topic up; the topic's own mode rules
    // were applied when it was created.
    let topic = TopicName::new(topic, Mode::Kafka).map_err(|e| e.to_string())?;
    let store = store_for(stores, db).await?;
    let to_produce: Vec<ProduceRecord> = records.iter().map(|r| r.to_produce_record()).collect();
    let now = Timestamp(js_sys::Date::now() as i64);
    let metadata = produce(store.as_ref(), &topic, &to_produce, keyless, now)
        .await
        .map_err(|e| e.to_string())?;
    Ok(records
        .iter()
        .zip(&metadata)
        .map(|(r, m)| ProduceAck::from_metadata(r.key.clone(), m))
        .collect())
}
