//! Pieces of a figure that plotters does not lay out for us: a legend in its own band above the
//! plot (so it never hides a bar or a line), and class names under the bars, wrapped onto two
//! lines where one line would run into the next class's name.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_canvas::CanvasBackend;

use super::palette::INK;

type Area = DrawingArea<CanvasBackend, Shift>;

const FONT: (FontFamily<'static>, u32) = (FontFamily::SansSerif, 12);
const ROW: i32 = 18;
const SWATCH: i32 = 14;
const GAP: i32 = 16;

/// How a legend entry is marked.
#[derive(Debug, Clone, Copy)]
pub enum Mark {
    /// A filled square (bars).
    Swatch(RGBColor),
    /// A short thick line (curves).
    Line(RGBColor),
    /// A dashed line (references such as chance).
    Dashed(RGBColor),
    /// A filled triangle (marked points).
    Triangle(RGBColor),
}

/// The corners of a triangle pointing up, `size` pixels from its centre, for a `Polygon` placed
/// with `EmptyElement::at` (plotters' `TriangleMarker` computes them with sine and cosine: code
/// the UI bundle would carry for this shape alone).
pub fn triangle(size: i32) -> Vec<(i32, i32)> {
    // cos 30° ≈ 7/8.
    vec![
        (0, -size),
        (size * 7 / 8, size / 2),
        (-size * 7 / 8, size / 2),
    ]
}

fn text_width(area: &Area, text: &str) -> i32 {
    area.estimate_text_size(text, &TextStyle::from(FONT.into_font()))
        .map(|(w, _)| w as i32)
        // Without a measuring context, a generous guess.
        .unwrap_or(text.chars().count() as i32 * 7)
}

/// Draws the legend in rows across the top of `area` and returns the area below it.
pub fn legend_band(area: &Area, entries: &[(String, Mark)]) -> Result<Area, String> {
    if entries.is_empty() {
        return Ok(area.clone());
    }
    let (width, _) = area.dim_in_pixel();
    let width = width as i32;
    // Lay out first, to know how many rows the band needs.
    let mut placed = Vec::with_capacity(entries.len());
    let (mut x, mut row) = (8, 0);
    for (label, mark) in entries {
        let w = SWATCH + 6 + text_width(area, label);
        if x > 8 && x + w > width - 8 {
            x = 8;
            row += 1;
        }
        placed.push((x, row, label.as_str(), *mark));
        x += w + GAP;
    }
    let height = (row + 1) * ROW + 8;
    let (band, rest) = area.split_vertically(height);
    let style = FONT
        .into_font()
        .color(&INK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (x, row, label, mark) in placed {
        let y = 4 + row * ROW + ROW / 2;
        match mark {
            Mark::Swatch(c) => band.draw(&Rectangle::new(
                [(x, y - 5), (x + SWATCH - 2, y + 5)],
                c.filled(),
            )),
            Mark::Line(c) => band.draw(&PathElement::new(
                vec![(x, y), (x + SWATCH, y)],
                c.stroke_width(3),
            )),
            Mark::Dashed(c) => band
                .draw(&PathElement::new(
                    vec![(x, y), (x + 4, y)],
                    c.stroke_width(2),
                ))
                .and_then(|_| {
                    band.draw(&PathElement::new(
                        vec![(x + 9, y), (x + SWATCH, y)],
                        c.stroke_width(2),
                    ))
                }),
            Mark::Triangle(c) => band.draw(
                &(EmptyElement::at((x + SWATCH / 2, y)) + Polygon::new(triangle(6), c.filled())),
            ),
        }
        .map_err(|e| e.to_string())?;
        band.draw_text(label, &style, (x + SWATCH + 6, y))
            .map_err(|e| e.to_string())?;
    }
    Ok(rest)
}

/// Splits a name into at most two lines that fit `width` pixels where it can.
fn wrap(area: &Area, name: &str, width: i32) -> Vec<String> {
    if text_width(area, name) <= width || !name.contains(' ') {
        return vec![name.to_string()];
    }
    // The split that makes the longer line shortest.
    let words: Vec<&str> = name.split(' ').collect();
    (1..words.len())
        .map(|k| vec![words[..k].join(" "), words[k..].join(" ")])
        .min_by_key(|lines| lines.iter().map(|l| text_width(area, l)).max())
        .unwrap_or_else(|| vec![name.to_string()])
}

/// Writes one name under the middle of each of `names.len()` equal slots spanning the pixel
/// columns `x` of `area`, starting at pixel row `top`.
pub fn class_names(
    area: &Area,
    x: std::ops::Range<i32>,
    top: i32,
    names: &[String],
) -> Result<(), String> {
    let n = names.len().max(1) as i32;
    let slot = (x.end - x.start) / n;
    let style = FONT
        .into_font()
        .color(&INK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    for (i, name) in names.iter().enumerate() {
        let centre = x.start + slot * i as i32 + slot / 2;
        for (line, text) in wrap(area, name, slot - 4).iter().enumerate() {
            area.draw_text(text, &style, (centre, top + line as i32 * 14))
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
