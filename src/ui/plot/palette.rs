//! Colours shared by the figures and the tables' shading, and the contrast arithmetic that keeps
//! them readable (WCAG 2.2: text 4.5:1, a figure's lines 3:1) and distinct for the colour-blind
//! (the tests simulate protanopia, deuteranopia and tritanopia).

use plotters::style::RGBColor;

pub const INK: RGBColor = RGBColor(29, 53, 87);
pub const ACCENT: RGBColor = RGBColor(214, 120, 0);
/// Detail behind a line that carries it (each batch's loss behind the moving average).
pub const FAINT: RGBColor = RGBColor(170, 185, 210);
/// The training accuracy's line, beside the test's (`INK`).
pub const TRAIN: RGBColor = RGBColor(96, 131, 186);
pub const GRID: RGBColor = RGBColor(235, 235, 235);
pub const OK: RGBColor = RGBColor(31, 122, 74);
/// The confusion matrix's shading of mistakes.
pub const WRONG: RGBColor = RGBColor(164, 38, 44);
/// The page's background (`--paper` in styles.css), under every figure and table.
pub const PAPER: RGBColor = RGBColor(251, 250, 247);
/// One colour per compared run (cycled; each run has its own marker shape too).
pub const RUNS: [RGBColor; 6] = [
    RGBColor(29, 53, 87),
    RGBColor(214, 120, 0),
    RGBColor(31, 122, 74),
    RGBColor(164, 38, 44),
    RGBColor(110, 80, 160),
    RGBColor(90, 100, 112),
];

/// The lines drawn together in one figure: each must stand out from the paper and from the
/// others (the tests hold them to it).
pub const SERIES_TOGETHER: [&[RGBColor]; 2] = [&RUNS, &[INK, TRAIN, ACCENT, OK]];

/// A channel (0–255) in linear light.
fn linear(channel: u8) -> f64 {
    let c = f64::from(channel) / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// WCAG's relative luminance.
pub fn luminance(c: RGBColor) -> f64 {
    0.2126 * linear(c.0) + 0.7152 * linear(c.1) + 0.0722 * linear(c.2)
}

/// WCAG's contrast ratio, 1 to 21.
pub fn contrast(a: RGBColor, b: RGBColor) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `colour` at opacity `alpha` (0–1) over the paper: what a shaded table cell shows.
pub fn over_paper(colour: RGBColor, alpha: f64) -> RGBColor {
    let alpha = alpha.clamp(0.0, 1.0);
    let mix = |c: u8, p: u8| (alpha * f64::from(c) + (1.0 - alpha) * f64::from(p)).round() as u8;
    RGBColor(
        mix(colour.0, PAPER.0),
        mix(colour.1, PAPER.1),
        mix(colour.2, PAPER.2),
    )
}

/// Whether text on `background` is white (else black): whichever contrasts more. One of the two
/// always reaches 4.58:1, so any shading keeps its numbers readable.
pub fn white_text_on(background: RGBColor) -> bool {
    const WHITE: RGBColor = RGBColor(255, 255, 255);
    const BLACK: RGBColor = RGBColor(0, 0, 0);
    contrast(WHITE, background) >= contrast(BLACK, background)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Machado, Oliveira and Fernandes (2009), severity 1, in linear RGB.
    const SIMULATIONS: [(&str, [[f64; 3]; 3]); 3] = [
        (
            "protanopia",
            [
                [0.152286, 1.052583, -0.204868],
                [0.114503, 0.786281, 0.099216],
                [-0.003882, -0.048116, 1.051998],
            ],
        ),
        (
            "deuteranopia",
            [
                [0.367322, 0.860646, -0.227968],
                [0.280085, 0.672501, 0.047413],
                [-0.011820, 0.042940, 0.968881],
            ],
        ),
        (
            "tritanopia",
            [
                [1.255528, -0.076749, -0.178779],
                [-0.078411, 0.930809, 0.147602],
                [0.004733, 0.691367, 0.303900],
            ],
        ),
    ];

    /// CIE L*a*b* (D65) of a colour in linear RGB.
    fn lab([r, g, b]: [f64; 3]) -> [f64; 3] {
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        let f = |t: f64| {
            if t > 216.0 / 24389.0 {
                t.cbrt()
            } else {
                (24389.0 / 27.0 * t + 16.0) / 116.0
            }
        };
        let (fx, fy, fz) = (f(x), f(y), f(z));
        [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
    }

    fn seen(c: RGBColor, m: &[[f64; 3]; 3]) -> [f64; 3] {
        let l = [linear(c.0), linear(c.1), linear(c.2)];
        m.map(|row| (row[0] * l[0] + row[1] * l[1] + row[2] * l[2]).clamp(0.0, 1.0))
    }

    /// ΔE*ab between two colours as seen through `m`.
    fn difference(a: RGBColor, b: RGBColor, m: &[[f64; 3]; 3]) -> f64 {
        let (a, b) = (lab(seen(a, m)), lab(seen(b, m)));
        (0..3).map(|i| (a[i] - b[i]).powi(2)).sum::<f64>().sqrt()
    }

    const IDENTITY: [[f64; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

    #[test]
    fn the_series_drawn_together_stay_distinct_for_every_kind_of_colour_blindness() {
        // ΔE*ab ≥ 12: well past the few units at which two colours are told apart side by side,
        // so two lines of one figure are told apart at a glance (this palette's least: 13.7, a
        // tritanope's purple against slate).
        for series in SERIES_TOGETHER {
            for (name, m) in SIMULATIONS
                .iter()
                .copied()
                .chain([("normal vision", IDENTITY)])
            {
                for (i, &a) in series.iter().enumerate() {
                    for &b in &series[i + 1..] {
                        let d = difference(a, b, &m);
                        assert!(
                            d >= 12.0,
                            "{name}: {a:?} and {b:?} differ by only ΔE {d:.1}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_simulation_confuses_what_it_should() {
        // The check above can fail: a brick red and an olive of about the same lightness, far
        // apart for normal vision, merge for a protanope.
        let (red, olive) = (RGBColor(180, 90, 60), RGBColor(110, 110, 60));
        assert!(difference(red, olive, &IDENTITY) > 40.0);
        assert!(difference(red, olive, &SIMULATIONS[0].1) < 5.0);
    }

    #[test]
    fn every_line_stands_out_from_the_paper() {
        for series in SERIES_TOGETHER {
            for &c in series {
                let ratio = contrast(c, PAPER);
                assert!(ratio >= 3.0, "{c:?} on the paper: {ratio:.2}:1");
            }
        }
    }

    #[test]
    fn shaded_cells_keep_their_numbers_readable_at_any_shade() {
        for colour in [OK, WRONG] {
            for step in 0..=100 {
                let background = over_paper(colour, f64::from(step) / 100.0);
                let text = if white_text_on(background) {
                    RGBColor(255, 255, 255)
                } else {
                    RGBColor(0, 0, 0)
                };
                let ratio = contrast(text, background);
                assert!(ratio >= 4.5, "{colour:?} at {step} %: {ratio:.2}:1");
            }
        }
    }

    #[test]
    fn contrast_matches_wcag() {
        let white = RGBColor(255, 255, 255);
        assert!((contrast(white, RGBColor(0, 0, 0)) - 21.0).abs() < 1e-9);
        // WCAG's own example pair: #777 on white is 4.48:1.
        assert!((contrast(white, RGBColor(0x77, 0x77, 0x77)) - 4.48).abs() < 0.01);
    }
}
