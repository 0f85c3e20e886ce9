//! Throughput and lag over the last two minutes (`throughput-chart`), drawn as SVG.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use yew::prelude::*;

use streamlab_log::{Mode, TopicMetadata};

use crate::hooks::every;
use crate::state::ConsumerView;

/// One sample a second, two minutes of them.
const SAMPLES: usize = 120;
const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 120.0;

/// Properties of [`Charts`].
#[derive(Properties, PartialEq)]
pub struct ChartsProps {
    /// The open topic.
    pub topic: TopicMetadata,
    /// The vocabulary to show it in.
    pub words: Mode,
    /// The lab's consumers (those of the topic are counted).
    pub consumers: Vec<ConsumerView>,
}

/// Totals read from the dashboard's state, at one moment.
#[derive(Clone, Copy, Default)]
struct Totals {
    /// Records appended to the topic (sum of log end offsets).
    produced: u64,
    /// Records the topic's consumers received.
    consumed: u64,
    /// Records the running consumers are behind.
    lag: u64,
}

/// One second of the chart.
#[derive(Clone, Copy, Default, PartialEq)]
struct Sample {
    produced_per_s: f64,
    consumed_per_s: f64,
    lag: f64,
}

/// Produce and consume rates and consumer lag, sampled every second from what the dashboard
/// already shows (no extra reads of the store).
#[function_component]
pub fn Charts(props: &ChartsProps) -> Html {
    let latest = use_mut_ref(Totals::default);
    let samples: Rc<RefCell<VecDeque<Sample>>> = use_mut_ref(VecDeque::new);
    let redraw = use_force_update();
    let ticked = use_mut_ref(|| false);
    crate::renders::count(if ticked.replace(false) {
        "Charts, by its clock"
    } else {
        "Charts"
    });
    *latest.borrow_mut() = totals(&props.consumers, &props.topic);
    {
        let (latest, samples, ticked) = (Rc::clone(&latest), Rc::clone(&samples), ticked.clone());
        use_effect_with(props.topic.config.name().clone(), move |_| {
            samples.borrow_mut().clear();
            let mut previous: Option<Totals> = None;
            every(1_000, move || {
                let now = *latest.borrow();
                if let Some(before) = previous {
                    let mut buffer = samples.borrow_mut();
                    buffer.push_back(Sample {
                        produced_per_s: now.produced.saturating_sub(before.produced) as f64,
                        consumed_per_s: now.consumed.saturating_sub(before.consumed) as f64,
                        lag: now.lag as f64,
                    });
                    while buffer.len() > SAMPLES {
                        buffer.pop_front();
                    }
                }
                previous = Some(now);
                *ticked.borrow_mut() = true;
                redraw.force_update();
            })
        });
    }
    let buffer = samples.borrow();
    let last = buffer.back().copied().unwrap_or_default();
    let peak_rate = buffer
        .iter()
        .map(|s| s.produced_per_s.max(s.consumed_per_s))
        .fold(1.0, f64::max);
    let peak_lag = buffer.iter().map(|s| s.lag).fold(1.0, f64::max);
    let line = |value: &dyn Fn(&Sample) -> f64, peak: f64| -> String {
        let offset = SAMPLES.saturating_sub(buffer.len());
        buffer
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let x = (offset + i) as f64 * WIDTH / (SAMPLES - 1) as f64;
                let y = HEIGHT - value(s) / peak * (HEIGHT - 4.0) - 2.0;
                format!("{x:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let records = if props.words == Mode::Kinesis {
        "records (PutRecords / GetRecords)"
    } else {
        "records"
    };
    html! {
        <div class="sl-card sl-charts" data-testid="throughput-chart"
             data-produced-per-s={last.produced_per_s.to_string()}
             data-consumed-per-s={last.consumed_per_s.to_string()}
             data-lag={last.lag.to_string()}
             data-samples={buffer.len().to_string()}>
            <h3>{ "Throughput and lag, last two minutes" }</h3>
            <div class="sl-chart-legend">
                <span class="produced">{ format!("produced {:.0}/s", last.produced_per_s) }</span>
                <span class="consumed">{ format!("consumed {:.0}/s", last.consumed_per_s) }</span>
                <span class="sl-muted">{ format!("scale {peak_rate:.0} {records}/s") }</span>
            </div>
            <svg class="sl-chart" viewBox={format!("0 0 {WIDTH} {HEIGHT}")} preserveAspectRatio="none" role="img"
                 aria-label="records per second produced and consumed">
                <polyline class="produced" points={line(&|s| s.produced_per_s, peak_rate)} />
                <polyline class="consumed" points={line(&|s| s.consumed_per_s, peak_rate)} />
            </svg>
            <div class="sl-chart-legend">
                <span class="lag">{ format!("consumer lag {:.0} records", last.lag) }</span>
                <span class="sl-muted">{ format!("scale {peak_lag:.0}") }</span>
            </div>
            <svg class="sl-chart small" viewBox={format!("0 0 {WIDTH} {HEIGHT}")} preserveAspectRatio="none" role="img"
                 aria-label="consumer lag in records">
                <polyline class="lag" points={line(&|s| s.lag, peak_lag)} />
            </svg>
        </div>
    }
}

/// The topic's totals as the dashboard's state has them.
fn totals(consumers: &[ConsumerView], topic: &TopicMetadata) -> Totals {
    let produced = topic.partitions.iter().map(|p| p.log_end_offset().0).sum();
    let consumers = consumers.iter().filter(|c| &c.topic == topic.config.name());
    let (mut consumed, mut lag) = (0, 0);
    for c in consumers {
        consumed += c.consumed;
        if c.running {
            lag += c.lag(topic);
        }
    }
    Totals {
        produced,
        consumed,
        lag,
    }
}
