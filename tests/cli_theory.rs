//! `lectern theory`: the assignment's answers from the command line, and its refusals.

mod common;

use common::{assert_refused, lectern};

fn json(args: &[&str]) -> serde_json::Value {
    let output = lectern(args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn the_three_tangent_lines_of_the_assignment() {
    for (x0, h, w, b) in [
        ("2", 15.0, 6.0, 3.0),
        ("-1", 1.5, 1.5, 3.0),
        ("1", 9.0, 6.0, 3.0),
    ] {
        let v = json(&["theory", "--x0", x0, "--json"]);
        assert_eq!(v["h"], h, "x0 = {x0}");
        assert_eq!(v["slope"], w, "x0 = {x0}");
        assert_eq!(v["intercept"], b, "x0 = {x0}");
        assert_eq!(v["at_kink"], false);
    }
    let v = json(&["theory", "--x0", "-1", "--json"]);
    assert_eq!(v["z1"], serde_json::json!([-1.5, 0.5]));
    assert_eq!(v["mask1"], serde_json::json!([false, true]));
    assert_eq!(v["y2"], serde_json::json!([1.0, 1.5]));
}

#[test]
fn a_kink_reports_both_one_sided_slopes() {
    let v = json(&["theory", "--x0", "0", "--json"]);
    assert_eq!(v["at_kink"], true);
    assert_eq!(v["slope_left"], 1.5);
    assert_eq!(v["slope_right"], 6.0);
    assert_eq!(v["kinks"], serde_json::json!([-2.0, 0.0]));
    let text = String::from_utf8(lectern(&["theory", "--x0", "-2"]).stdout).unwrap();
    assert!(
        text.contains("one-sided slopes: left 0, right 1.5"),
        "{text}"
    );
}

#[test]
fn custom_weights() {
    let v = json(&[
        "theory",
        "--x0",
        "1",
        "--json",
        "--w1",
        "-1,2",
        "--b1",
        "0.5,-3",
        "--w2",
        "1,-2,0.5,1.5",
        "--b2",
        "0.25,-1",
    ]);
    // z¹ = (−0.5, −1) → y¹ = 0 → z² = b² → y² = (0.25, 0) → h = −0.75, flat.
    assert_eq!(v["h"], -0.75);
    assert_eq!(v["slope"], 0.0);
}

#[test]
fn bad_numbers_are_refused_with_a_clear_message() {
    assert_refused(&[
        (
            vec!["theory", "--x0", "abc"],
            "--x0: \u{201c}abc\u{201d} is not a number",
        ),
        (
            vec!["theory", "--x0", "inf"],
            "--x0 must be a finite number",
        ),
        (
            vec!["theory", "--x0", "1", "--w2", "1,2,3"],
            "--w2 needs 4 numbers",
        ),
        (
            vec!["theory", "--x0", "1", "--b1", "1,x"],
            "--b1: \u{201c}x\u{201d} is not a number",
        ),
    ]);
}
