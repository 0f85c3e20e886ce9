//! `use_log_notices`: the log changed somewhere (this tab, a worker, another tab).

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use streamlab_protocol::{log_channel, GROUP_NOTICE_PREFIX};

use crate::browser::run_after;
use crate::state::{Action, Dispatch};

/// The shortest time between two reloads of the views caused by producers' notices.
const RELOAD_INTERVAL_MS: i32 = 150;

/// Any producer of database `db`, in any worker or tab, announces appends on its
/// BroadcastChannel: the lab hears them as `Action::LogChanged`, at most once per interval.
/// Consumer groups' membership notices on the same channel are not changes of the log.
#[hook]
pub fn use_log_notices(db: AttrValue, dispatch: Dispatch) {
    use_effect_with(db, move |db| {
        let channel = web_sys::BroadcastChannel::new(&log_channel(db)).ok();
        // Producers announce every batch; a busy log would reload the views hundreds of times
        // a second. Reload at most once per interval, after the first notice.
        let scheduled = Rc::new(Cell::new(false));
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                // A group's membership notice: the log, and so every view, is as it was.
                let notice = e.data().as_string();
                if notice.is_some_and(|m| m.starts_with(GROUP_NOTICE_PREFIX)) {
                    return;
                }
                if scheduled.replace(true) {
                    return;
                }
                let (scheduled, dispatch) = (Rc::clone(&scheduled), dispatch.clone());
                run_after(RELOAD_INTERVAL_MS, move || {
                    scheduled.set(false);
                    dispatch.dispatch(Action::LogChanged);
                });
            });
        if let Some(channel) = &channel {
            channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        }
        move || {
            if let Some(channel) = channel {
                channel.set_onmessage(None);
                channel.close();
            }
            drop(on_message);
        }
    });
}
