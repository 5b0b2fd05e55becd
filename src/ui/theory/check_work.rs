//! "Check my work": a student types each intermediate value; lectern names the first wrong one
//! and writes out the right arithmetic.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::state::TheoryAction;
use crate::format::plain;
use crate::theory::check::{StudentWork, Verdict, student_examples};

/// The form's fields: (label, key). Pairs are rows 1 and 2 of a vector.
pub const FIELDS: [(&str, &str); 12] = [
    ("x\u{2080}", "x0"),
    ("z\u{b9} row 1", "z1a"),
    ("z\u{b9} row 2", "z1b"),
    ("y\u{b9} row 1", "y1a"),
    ("y\u{b9} row 2", "y1b"),
    ("z\u{b2} row 1", "z2a"),
    ("z\u{b2} row 2", "z2b"),
    ("y\u{b2} row 1", "y2a"),
    ("y\u{b2} row 2", "y2b"),
    ("h(x\u{2080})", "h"),
    ("W", "slope"),
    ("b", "intercept"),
];

pub fn texts_of(work: &StudentWork) -> Vec<String> {
    let o = |v: Option<f64>| v.map(plain).unwrap_or_default();
    let pair = |v: Option<[f64; 2]>, i: usize| o(v.map(|p| p[i]));
    vec![
        plain(work.x0),
        pair(work.z1, 0),
        pair(work.z1, 1),
        pair(work.y1, 0),
        pair(work.y1, 1),
        pair(work.z2, 0),
        pair(work.z2, 1),
        pair(work.y2, 0),
        pair(work.y2, 1),
        o(work.h),
        o(work.slope),
        o(work.intercept),
    ]
}

/// Reads the form; an empty field is "not given", anything else must be a finite number.
pub fn parse_form(texts: &[String]) -> Result<StudentWork, String> {
    let mut values = Vec::with_capacity(FIELDS.len());
    for ((label, _), text) in FIELDS.iter().zip(texts) {
        let t = text.trim().replace('\u{2212}', "-");
        if t.is_empty() {
            values.push(None);
            continue;
        }
        match crate::format::parse_number(&t) {
            Some(v) if v.is_finite() => values.push(Some(v)),
            _ => {
                return Err(format!(
                    "{label}: \u{201c}{}\u{201d} is not a number",
                    text.trim()
                ));
            }
        }
    }
    let x0 = values[0].ok_or("x\u{2080} is needed: the point where you computed")?;
    let pair = |i: usize| match (values[i], values[i + 1]) {
        (Some(a), Some(b)) => Ok(Some([a, b])),
        (None, None) => Ok(None),
        _ => Err(format!(
            "{} and {}: give both rows or neither",
            FIELDS[i].0,
            FIELDS[i + 1].0
        )),
    };
    Ok(StudentWork {
        x0,
        z1: pair(1)?,
        y1: pair(3)?,
        z2: pair(5)?,
        y2: pair(7)?,
        h: values[9],
        slope: values[10],
        intercept: values[11],
    })
}

/// The form (`texts` as typed, kept in the theory cell's state) and the verdict on the last
/// Check (`result`); `dispatch` takes the theory cell's actions.
pub fn check_work(
    texts: &[String],
    result: &Option<Result<Verdict, String>>,
    dispatch: &Callback<TheoryAction>,
) -> Html {
    let examples = student_examples();
    let load = |index: usize| {
        let texts = texts_of(&examples[index].1);
        dispatch.reform(move |_: MouseEvent| TheoryAction::CheckLoad(texts.clone()))
    };
    let on_check = dispatch.reform(|e: SubmitEvent| {
        e.prevent_default();
        TheoryAction::Check
    });
    let verdict = match result {
        None => html! {},
        Some(Err(e)) => {
            html! { <p class="verdict bad" data-testid="check-work-result">{ e.clone() }</p> }
        }
        Some(Ok(Verdict::AllRight { checked })) => html! {
            <p class="verdict good" data-testid="check-work-result">{ format!("All {checked} values you gave are right.") }</p>
        },
        Some(Ok(Verdict::FirstMistake(m))) => html! {
            <p class="verdict bad" data-testid="check-work-result">{ format!("First slip \u{2014} {}.", m.explanation) }</p>
        },
    };
    html! {
        <section class="check-work" data-testid="check-work">
            { Html::from_html_unchecked(AttrValue::Static(include_str!("check_work.html"))) }
            <p class="examples">
                { "From a student's answer: " }
                { for examples.iter().enumerate().map(|(i, (label, _))| html! {
                    <button type="button" onclick={load(i)} data-testid={format!("check-example-{}", i + 1)}>{ *label }</button>
                }) }
            </p>
            <form onsubmit={on_check}>
                <div class="fields">
                { for FIELDS.iter().enumerate().map(|(i, (label, key))| {
                    let oninput = dispatch.reform(move |e: InputEvent| {
                        TheoryAction::CheckText(i, e.target_unchecked_into::<HtmlInputElement>().value())
                    });
                    html! {
                        <label>
                            <span>{ *label }</span>
                            <input type="text" inputmode="decimal" value={texts.get(i).cloned().unwrap_or_default()} {oninput}
                                   data-testid={format!("check-{key}")} />
                        </label>
                    }
                }) }
                </div>
                <button type="submit" data-testid="check-work-submit">{ "Check" }</button>
            </form>
            { verdict }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_round_trips_a_students_work() {
        for (_, work) in student_examples() {
            assert_eq!(parse_form(&texts_of(&work)).unwrap(), work);
        }
    }

    #[test]
    fn bad_fields_are_named() {
        let mut texts = vec![String::new(); FIELDS.len()];
        assert!(
            parse_form(&texts)
                .unwrap_err()
                .contains("x\u{2080} is needed")
        );
        texts[0] = "2".into();
        texts[5] = "7".into();
        assert!(parse_form(&texts).unwrap_err().contains("give both rows"));
        texts[6] = "nine".into();
        assert!(
            parse_form(&texts)
                .unwrap_err()
                .contains("\u{201c}nine\u{201d}")
        );
    }
}
