//! `lectern theory`: the theory cell's derivation at one x0, as text or JSON.

use super::CliError;
use crate::theory::numbers::parse_list;
use crate::theory::{Network, Slope};

#[derive(clap::Args)]
pub struct Args {
    /// The point x0 (any finite number).
    #[arg(long, allow_hyphen_values = true)]
    x0: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// W¹ as `a,b` (default 1.5,0.5).
    #[arg(long, allow_hyphen_values = true)]
    w1: Option<String>,
    /// b¹ as `a,b` (default 0,1).
    #[arg(long, allow_hyphen_values = true)]
    b1: Option<String>,
    /// W² row-major as `a,b,c,d` (default 1,2,2,1).
    #[arg(long, allow_hyphen_values = true)]
    w2: Option<String>,
    /// b² as `a,b` (default 0,1).
    #[arg(long, allow_hyphen_values = true)]
    b2: Option<String>,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let x0 = parse_list::<1>("--x0", &args.x0)?[0];
    let mut network = Network::default();
    if let Some(w1) = args.w1 {
        network.w1 = parse_list("--w1", &w1)?;
    }
    if let Some(b1) = args.b1 {
        network.b1 = parse_list("--b1", &b1)?;
    }
    if let Some(w2) = args.w2 {
        let [a, b, c, d] = parse_list("--w2", &w2)?;
        network.w2 = [[a, b], [c, d]];
    }
    if let Some(b2) = args.b2 {
        network.b2 = parse_list("--b2", &b2)?;
    }
    print!("{}", report(&network, x0, args.json));
    Ok(())
}

/// The `lectern theory` output, as text or JSON.
fn report(network: &Network, x0: f64, json: bool) -> String {
    let f = network.forward(x0);
    let slope = network.derivative(x0);
    let tangent = || network.tangent(x0).expect("a defined slope has a tangent");
    if json {
        let mut value = serde_json::json!({
            "x0": x0,
            "z1": f.z1, "y1": f.y1, "z2": f.z2, "y2": f.y2, "h": f.h,
            "mask1": f.mask1, "mask2": f.mask2,
            "kinks": network.kinks(),
            "relu_derivative_at_zero": 0,
        });
        match slope {
            Slope::Defined(_) => {
                let t = tangent();
                value["at_kink"] = false.into();
                value["slope"] = t.slope.into();
                value["intercept"] = t.intercept.into();
            }
            Slope::Kink { left, right } => {
                value["at_kink"] = true.into();
                value["slope"] = serde_json::Value::Null;
                value["intercept"] = serde_json::Value::Null;
                value["slope_left"] = left.into();
                value["slope_right"] = right.into();
            }
        }
        return serde_json::to_string_pretty(&value).expect("JSON of numbers") + "\n";
    }
    let pair = |v: [f64; 2]| format!("({}, {})", v[0], v[1]);
    let mask = |m: [bool; 2]| format!("({}, {})", m[0] as u8, m[1] as u8);
    let mut out = format!(
        "x0 = {x0}\nz1 = W1 x0 + b1 = {}\ny1 = ReLU(z1) = {}   mask D1 = {}\nz2 = W2 y1 + b2 = {}\ny2 = ReLU(z2) = {}   mask D2 = {}\nh(x0) = (1,1).y2 - 1 = {}\n",
        pair(f.z1),
        pair(f.y1),
        mask(f.mask1),
        pair(f.z2),
        pair(f.y2),
        mask(f.mask2),
        f.h
    );
    match slope {
        Slope::Defined(_) => {
            let t = tangent();
            out += &format!(
                "h'(x0) = (1,1) D2 W2 D1 W1 = {}\ntangent line: y = {} x + {}\n",
                t.slope, t.slope, t.intercept
            )
        }
        Slope::Kink { left, right } => {
            out += &format!(
                "x0 is a kink (a pre-activation is 0; ReLU'(0) is taken as 0): h has no derivative here.\none-sided slopes: left {left}, right {right}\n"
            )
        }
    }
    out
}
