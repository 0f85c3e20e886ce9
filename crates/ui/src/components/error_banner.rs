//! The one place user-facing errors appear (`error-message`).

use yew::prelude::*;

use crate::hooks::use_lab::LabActions;

/// Properties of [`ErrorBanner`].
#[derive(Properties, PartialEq)]
pub struct ErrorBannerProps {
    /// The error to show, if any.
    pub error: Option<String>,
}

/// Shows the current error, if any, with a dismiss button.
#[function_component]
pub fn ErrorBanner(props: &ErrorBannerProps) -> Html {
    crate::renders::count("ErrorBanner");
    let Some(lab) = use_context::<LabActions>() else {
        return Html::default();
    };
    let Some(message) = props.error.clone() else {
        return Html::default();
    };
    let ondismiss = {
        let lab = lab.clone();
        Callback::from(move |_| lab.clear_error())
    };
    html! {
        <div class="sl-error" role="alert">
            // Rendered as text: Yew escapes it, so a value holding markup stays text.
            <span data-testid="error-message">{ message }</span>
            <button class="sl-link" onclick={ondismiss} aria-label="Dismiss">{ "×" }</button>
        </div>
    }
}
