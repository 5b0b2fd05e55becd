//! Small builders for browser MathML (rendered natively by Chromium, Firefox and Safari).

use yew::prelude::*;

use crate::format::display;

/// A number, with a real minus sign.
pub fn mn(v: f64) -> Html {
    html! { <mn>{ display(v) }</mn> }
}

/// An identifier with a superscript layer index, e.g. z¹.
pub fn var(name: &'static str, layer: u8) -> Html {
    html! { <msup>{ mi(name) }<mn>{ layer }</mn></msup> }
}

/// An identifier.
pub fn mi(name: &'static str) -> Html {
    html! { <mi>{ name }</mi> }
}

/// An operator.
pub fn mo(op: &'static str) -> Html {
    html! { <mo>{ op }</mo> }
}

/// A number in parentheses where it is negative (a factor in a product).
pub fn factor(v: f64) -> Html {
    if v < 0.0 {
        row(vec![mo("("), mn(v), mo(")")])
    } else {
        mn(v)
    }
}

/// x₀.
pub fn x0() -> Html {
    html! { <msub>{ mi("x") }<mn>{ "0" }</mn></msub> }
}

/// A row of pieces.
pub fn row(items: Vec<Html>) -> Html {
    html! { <mrow>{ for items }</mrow> }
}

/// A bracketed table of cells; `inactive[r]` greys out row r (a switched-off unit).
pub fn matrix(rows: Vec<Vec<Html>>, inactive: &[bool]) -> Html {
    html! {
        <mrow>
            <mo>{ "(" }</mo>
            <mtable>
            { for rows.into_iter().enumerate().map(|(r, cells)| {
                let off = inactive.get(r).copied().unwrap_or(false);
                html! {
                    <mtr class={off.then_some("inactive")}>
                        { for cells.into_iter().map(|c| html! { <mtd>{ c }</mtd> }) }
                    </mtr>
                }
            }) }
            </mtable>
            <mo>{ ")" }</mo>
        </mrow>
    }
}

/// A column vector of numbers.
pub fn column(values: [f64; 2], inactive: [bool; 2]) -> Html {
    matrix(values.iter().map(|&v| vec![mn(v)]).collect(), &inactive)
}

/// A 2×2 matrix of numbers.
pub fn matrix2(m: [[f64; 2]; 2]) -> Html {
    matrix(m.iter().map(|r| vec![mn(r[0]), mn(r[1])]).collect(), &[])
}

/// diag(a, b) of a mask.
pub fn diag(mask: [bool; 2]) -> Html {
    let d = |m: bool| if m { 1.0 } else { 0.0 };
    matrix2([[d(mask[0]), 0.0], [0.0, d(mask[1])]])
}

/// A block formula.
pub fn block(items: Vec<Html>) -> Html {
    html! { <math display="block">{ for items }</math> }
}
